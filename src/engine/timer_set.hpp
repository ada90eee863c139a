// The plugins' one-shot timers. A call has a handful, so a flat vector
// beats a heap.
#pragma once

#include "plugin_api/plugin.hpp"

#include <optional>
#include <vector>

namespace qrexec_proxy {

class TimerSet {
 public:
  struct Due {
    std::size_t owner;  // plugin index
    TimerId id;
  };

  TimerId start(std::size_t owner, Clock::time_point deadline);
  void cancel(TimerId id);
  std::optional<Clock::time_point> next_deadline() const;
  // Removes and returns one timer due at `now`, earliest first.
  std::optional<Due> pop_due(Clock::time_point now);

 private:
  struct Entry {
    Clock::time_point deadline;
    std::size_t owner;
    TimerId id;
  };
  std::vector<Entry> entries_;
  TimerId next_id_ = 1;
};

}  // namespace qrexec_proxy
