// Figures per chain, source or target over the calls of the journal: how
// many, how they ended, the bytes they moved and how long they took.
#pragma once

#include "admin/journal/call_log.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace qrexec_proxy::admin {

enum class StatsGroup : std::uint8_t { chain, source, target };
std::string_view to_string(StatsGroup group);

struct GroupStats {
  std::string key;  // the chain, source or target
  std::uint64_t calls = 0;
  std::uint64_t completed = 0;
  std::uint64_t refused = 0;
  std::uint64_t aborted = 0;  // by a plugin, a vanished caller, a failure or a signal
  std::uint64_t stopped = 0;  // ended at an administrator's request
  std::uint64_t src2dst_bytes = 0;
  std::uint64_t dst2src_bytes = 0;
  // Of the calls that ran (refused ones take no time worth counting):
  // nearest-rank percentiles of their durations.
  std::uint64_t duration_p50_us = 0;
  std::uint64_t duration_p95_us = 0;
  std::uint64_t duration_max_us = 0;
};

// One entry per group, by key.
std::vector<GroupStats> call_stats(const std::vector<CallSummary>& calls, StatsGroup group);

}  // namespace qrexec_proxy::admin
