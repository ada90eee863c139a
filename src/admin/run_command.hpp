// `qrexec-proxy-admin run CHAIN -- COMMAND [ARGS...]`: runs a chain locally,
// stdin/stdout as the source and COMMAND as the destination, so a chain can
// be tried without Qubes. Returns the service's exit status.
#pragma once

#include "admin/admin_context.hpp"

#include <string>
#include <vector>

namespace qrexec_proxy::admin {

struct RunOptions {
  std::string chain;
  std::string source = "local";   // the caller's name the plugins and the journal see
  std::string target = "local";   // the destination's name
  std::string service = "local";  // SERVICE[+ARG] the plugins and the journal see
  std::vector<std::string> command;
};

// Exit statuses of `run` besides the service's own.
namespace run_status {
inline constexpr int command_not_found = 127;
}

int run_command(const AdminContext& context, const RunOptions& options);

}  // namespace qrexec_proxy::admin
