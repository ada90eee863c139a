#include "engine/timer_set.hpp"

#include <algorithm>

namespace qrexec_proxy {

TimerId TimerSet::start(std::size_t owner, Clock::time_point deadline) {
  const TimerId id = next_id_++;
  entries_.push_back({deadline, owner, id});
  return id;
}

void TimerSet::cancel(TimerId id) {
  std::erase_if(entries_, [id](const Entry& entry) { return entry.id == id; });
}

std::optional<Clock::time_point> TimerSet::next_deadline() const {
  if (entries_.empty()) return std::nullopt;
  return std::min_element(entries_.begin(), entries_.end(),
                          [](const Entry& a, const Entry& b) { return a.deadline < b.deadline; })
      ->deadline;
}

std::optional<TimerSet::Due> TimerSet::pop_due(Clock::time_point now) {
  const auto earliest =
      std::min_element(entries_.begin(), entries_.end(),
                       [](const Entry& a, const Entry& b) { return a.deadline < b.deadline; });
  if (earliest == entries_.end() || earliest->deadline > now) return std::nullopt;
  const Due due{earliest->owner, earliest->id};
  entries_.erase(earliest);
  return due;
}

}  // namespace qrexec_proxy
