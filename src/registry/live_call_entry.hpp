// A call's own entry in the live registry (registry/live_call_record.hpp):
// written before the call is admitted into the file of the slot it holds,
// updated as it runs, marked ended when it ends. The file stays for the
// slot's next call; ended or stale, it is never shown.
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
  // Writes the entry of this process's call, which holds max_calls slot
  // `slot`, in `directory` (made 0700 when missing). Null, with `error`
  // set, when it cannot.
  static std::unique_ptr<LiveCallEntry> create(const std::filesystem::path& directory,
                                               std::size_t slot, const CallInfo& info,
                                               std::string_view entry, std::string& error);
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

// The file of slot `slot` in `directory`.
std::filesystem::path entry_file(const std::filesystem::path& directory, std::size_t slot);

}  // namespace qrexec_proxy::live
