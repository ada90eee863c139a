// `qrexec-proxy-admin stop ID [--direction src2dst|dst2src] [--reason TEXT]`:
// ends a running call as a plugin's abort would (or cuts one direction),
// with a journal record naming who stopped it and why.
#pragma once

#include "admin/admin_context.hpp"

#include <optional>
#include <string>

namespace qrexec_proxy::admin {

struct StopOptions {
  std::string id;
  std::optional<std::string> direction;  // src2dst or dst2src; none: the whole call
  std::string reason;
};

int stop_command(const AdminContext& context, const StopOptions& options);

}  // namespace qrexec_proxy::admin
