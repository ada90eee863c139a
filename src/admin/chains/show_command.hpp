// `qrexec-proxy-admin show CHAIN`: the chain's plugins in order with their
// effective options (defaults filled in).
#pragma once

#include "admin/admin_context.hpp"

#include <string>

namespace qrexec_proxy::admin {

struct ShowOptions {
  std::string chain;
  bool json = false;
};

int show_command(const AdminContext& context, const ShowOptions& options);

}  // namespace qrexec_proxy::admin
