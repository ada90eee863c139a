// `qrexec-proxy-admin policy CHAIN --source SRC --target DST --service SVC`:
// prints the two dom0 policy lines for a call through this proxy qube.
#pragma once

#include "admin/admin_context.hpp"

#include <optional>
#include <string>

namespace qrexec_proxy::admin {

struct PolicyOptions {
  std::string chain;
  std::string source;
  std::string target;
  std::string service;
  std::optional<std::string> proxy;  // default: this qube's name (its host name)
};

int policy_command(const AdminContext& context, const PolicyOptions& options);

// The host name, which in a Qubes qube is the qube's name; empty if unknown.
std::string this_qube_name();

}  // namespace qrexec_proxy::admin
