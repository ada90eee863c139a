// `qrexec-proxy-admin list`: every chain, its plugins and its file.
#pragma once

#include "admin/admin_context.hpp"

namespace qrexec_proxy::admin {

struct ListOptions {
  bool json = false;
};

int list_command(const AdminContext& context, const ListOptions& options);

}  // namespace qrexec_proxy::admin
