// Times as people type them, for `log --since`:
//   absolute (local time): "2026-11-26", "2026-11-26 10:00", "2026-11-26 10:00:30"
//                          (or with a 'T' between date and time), "@1764151200"
//   relative to now:       "-1h", "-1h30min", "-90s", "1 hour ago", "90 minutes ago",
//                          "now", "today", "yesterday"
// Units: s/sec/second(s), m/min/minute(s), h/hour(s), d/day(s), w/week(s).
#pragma once

#include <chrono>
#include <optional>
#include <string_view>

namespace qrexec_proxy::admin {

using TimePoint = std::chrono::system_clock::time_point;

std::optional<TimePoint> parse_time_spec(std::string_view text, TimePoint now);

}  // namespace qrexec_proxy::admin
