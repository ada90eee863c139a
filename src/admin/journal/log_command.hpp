// `qrexec-proxy-admin log`: one line per call, from the summary records the
// service writes to the journal.
#pragma once

#include "admin/admin_context.hpp"

#include <optional>
#include <string>

namespace qrexec_proxy::admin {

struct LogOptions {
  std::optional<std::string> chain;
  std::optional<std::string> source;
  std::optional<std::string> since;  // as typed: see time_spec.hpp
  bool audit = false;                // only calls with audit events
  bool files = false;                // the files that crossed, after each call
  bool json = false;
};

int log_command(const AdminContext& context, const LogOptions& options);

}  // namespace qrexec_proxy::admin
