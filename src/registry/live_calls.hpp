// Reading the live registry and asking a call to stop: what
// qrexec-proxy-admin `calls` and `stop` do (registry/live_call_record.hpp).
#pragma once

#include "registry/live_call_record.hpp"

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

namespace qrexec_proxy::live {

struct Listing {
  std::vector<Record> calls;  // the live ones, oldest first
  std::string error;          // when the registry cannot be read
};
// The calls running now; stale and ended entries are left out.
Listing list_live_calls(const std::filesystem::path& directory);

struct StopOrder {
  std::string id;
  std::uint32_t direction = 0;  // 0: the whole call; 1: src2dst; 2: dst2src
  std::uint32_t uid = 0;
  std::string user;
  std::string reason;
};
struct StopOutcome {
  bool sent = false;   // the call was asked
  bool ended = false;  // and its process is gone (whole-call stops only)
  std::string error;
};
// Writes the request into the entry `order.id`, signals its process
// (SIGUSR1) through a pidfd checked to be the entry's own process, and,
// for a whole-call stop, waits up to `wait` for the process to exit.
StopOutcome request_stop(const std::filesystem::path& directory, const StopOrder& order,
                         std::chrono::milliseconds wait);

// True when `id` can name an entry (8 lower-case hex digits).
bool is_entry_id(std::string_view id);

}  // namespace qrexec_proxy::live
