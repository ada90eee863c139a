// State shared by all calls in this proxy qube (call counters, concurrency
// slots), kept in small files under the state directory and guarded with
// flock(): the kernel drops a lock when its process dies, so a crashed or
// killed call can never leave the state locked.
#pragma once

#include "io/unique_fd.hpp"

#include <filesystem>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace qrexec_proxy {

class SharedState {
 public:
  explicit SharedState(std::filesystem::path root);

  // `configured` when not empty, else ROOT/scope. Created on first use.
  std::filesystem::path directory(std::string_view scope, const std::string& configured) const;

  // Reads record `name` in `directory`, lets `update` change its contents,
  // and writes them back, all under an exclusive lock. Returns an error
  // message, or an empty string on success.
  std::string update(const std::filesystem::path& directory, std::string_view name,
                     const std::function<void(std::string& contents)>& update);

  enum class SlotResult { taken, all_busy, error };
  // Takes one of `limit` slots of `name` and holds it until this object is
  // destroyed (the end of the call) or the process dies. Slots are tried
  // from `first` on (wrapping around): calls that start at different slots
  // (their pid, say) mostly find a free one at once.
  SlotResult take_slot(const std::filesystem::path& directory, std::string_view name,
                       std::size_t limit, std::string& error, std::size_t first = 0,
                       std::size_t* taken = nullptr);

 private:
  std::filesystem::path root_;
  std::vector<UniqueFd> held_slots_;
};

}  // namespace qrexec_proxy
