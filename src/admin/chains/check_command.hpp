// `qrexec-proxy-admin check`: validates every config file as the service
// loads them; each problem as FILE:LINE:COLUMN: message (broken JSON) or
// FILE: chain C, plugin P, option O: message (wrong meaning).
#pragma once

#include "admin/admin_context.hpp"

namespace qrexec_proxy::admin {

struct CheckOptions {
  bool json = false;
};

// admin_status::ok when the config is valid, admin_status::failure otherwise.
int check_command(const AdminContext& context, const CheckOptions& options);

}  // namespace qrexec_proxy::admin
