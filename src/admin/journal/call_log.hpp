// The per-call summary records the service writes to the journal
// (EVENT=summary, README "Logging"), the refusals of calls stopped before
// their chain ran (EVENT=refused), and what plugins in audit mode would have
// done (EVENT=audit), read back with sd_journal.
#pragma once

#include "admin/journal/time_spec.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace qrexec_proxy::admin {

// What a plugin in audit mode would have done in a call.
struct AuditEvent {
  std::string plugin;
  std::string action;   // refuse, abort, cut, drop, delay...
  std::string message;  // "audit: PLUGIN would ..."
};

// A file that crossed in a call (filecopy, open_in_vm).
struct FileEvent {
  std::string path;  // escaped, as logged
  std::string type;  // file, dir, symlink
  std::uint64_t size = 0;
  std::string sha256;  // empty: not hashed
};

struct CallSummary {
  TimePoint time;
  std::string source;
  std::string chain;
  std::string target;
  std::string service;
  std::string entry;  // how the call came in: explicit, route or run (ENTRY)
  std::string outcome;
  std::optional<int> exit_status;
  std::uint64_t src2dst_bytes = 0;
  std::uint64_t dst2src_bytes = 0;
  std::uint64_t duration_us = 0;
  std::string reason;  // why it did not complete, if it did not
  std::string plugin;  // the plugin that refused or aborted, if one did
  std::vector<AuditEvent> audit;
  std::vector<FileEvent> files;  // with CallLogQuery::files
};

struct CallLogQuery {
  std::optional<std::string> chain;
  std::optional<std::string> source;
  std::optional<TimePoint> since;
  bool audited_only = false;  // only calls with audit events
  bool files = false;         // read the files that crossed too
};

// Oldest first. The error text when the journal cannot be opened.
std::variant<std::vector<CallSummary>, std::string> read_call_log(const CallLogQuery& query);

}  // namespace qrexec_proxy::admin
