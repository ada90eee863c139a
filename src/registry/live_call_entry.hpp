// A call's own entry in the live registry (registry/live_call_record.hpp):
// created before the call is admitted, updated as it runs, marked ended
// when it ends. The file stays until a later call or reader removes it (the
// system call filter keeps a running call from unlinking anything); ended
// or stale, it is never shown.
#pragma once

#include "engine/call_monitor.hpp"
#include "registry/live_call_record.hpp"

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

namespace qrexec_proxy::live {

class LiveCallEntry final : public CallMonitor {
 public:
  // Creates the entry of this process's call in `directory` (made 0700
  // when missing), first removing stale entries there. Null, with `error`
  // set, when it cannot.
  static std::unique_ptr<LiveCallEntry> create(const std::filesystem::path& directory,
                                               const CallInfo& info, std::string_view entry,
                                               std::string& error);
  ~LiveCallEntry();
  LiveCallEntry(const LiveCallEntry&) = delete;
  LiveCallEntry& operator=(const LiveCallEntry&) = delete;

  std::string id() const { return text_of(record_->id); }

  void phase(CallPhase phase) override;
  void moved(std::uint64_t src2dst, std::uint64_t dst2src) override;
  std::optional<StopRequest> take_stop_request() override;

 private:
  explicit LiveCallEntry(Record* record) : record_(record) {}
  Record* record_;  // the shared mapping
  std::uint32_t handled_stop_ = 0;
};

// Removes the entries of `directory` whose calls are over (stale or ended);
// those it may not remove stay. `thorough`: also those whose pid another
// process has taken since (a read of /proc per entry); else only the ended
// ones and those whose process is gone (one kill(pid, 0) each), as every
// call's start does. Returns how many it removed.
std::size_t remove_stale_entries(const std::filesystem::path& directory, bool thorough);

}  // namespace qrexec_proxy::live
