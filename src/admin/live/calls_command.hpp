// `qrexec-proxy-admin calls`: the calls running now, from the live
// registry (registry/live_calls.hpp), as a table or JSON, once or
// refreshed in place with byte rates (--watch).
#pragma once

#include "admin/admin_context.hpp"

#include <optional>
#include <string>

namespace qrexec_proxy::admin {

struct CallsOptions {
  std::optional<std::string> chain;
  std::optional<std::string> source;
  std::optional<std::string> target;
  bool json = false;
  bool watch = false;
  double interval_seconds = 1.0;  // --watch's refresh
  int rounds = 0;                 // --watch's refreshes; 0: until interrupted
};

int calls_command(const AdminContext& context, const CallsOptions& options);

}  // namespace qrexec_proxy::admin
