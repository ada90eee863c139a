// `qrexec-proxy-admin plugins [NAME]`: the plugins' own documentation, the
// text the README's plugin reference shows.
#pragma once

#include "admin/admin_context.hpp"

#include <string>

namespace qrexec_proxy::admin {

struct PluginsOptions {
  std::string name;  // empty: every plugin
  bool json = false;
  bool markdown = false;  // the README's plugin reference (tools/update-readme)
};

int plugins_command(const AdminContext& context, const PluginsOptions& options);

}  // namespace qrexec_proxy::admin
