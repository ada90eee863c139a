#include "admin/journal/call_stats.hpp"

#include "log/journal_fields.hpp"

#include <algorithm>
#include <map>

namespace qrexec_proxy::admin {
namespace {

// The smallest duration at least `percent` of the calls took no longer
// than (nearest rank); `sorted` is not empty.
std::uint64_t percentile(const std::vector<std::uint64_t>& sorted, unsigned percent) {
  const std::size_t rank = (sorted.size() * percent + 99) / 100;  // ceil(n * p / 100)
  return sorted[std::max<std::size_t>(rank, 1) - 1];
}

const std::string& key_of(const CallSummary& call, StatsGroup group) {
  switch (group) {
    case StatsGroup::chain:
      return call.chain;
    case StatsGroup::source:
      return call.source;
    case StatsGroup::target:
      return call.target;
  }
  return call.chain;
}

}  // namespace

std::string_view to_string(StatsGroup group) {
  switch (group) {
    case StatsGroup::chain:
      return "chain";
    case StatsGroup::source:
      return "source";
    case StatsGroup::target:
      return "target";
  }
  return "chain";
}

std::vector<GroupStats> call_stats(const std::vector<CallSummary>& calls, StatsGroup group) {
  std::map<std::string, GroupStats> groups;
  std::map<std::string, std::vector<std::uint64_t>> durations;
  for (const auto& call : calls) {
    const std::string& key = key_of(call, group);
    GroupStats& stats = groups[key];
    stats.key = key;
    ++stats.calls;
    stats.src2dst_bytes += call.src2dst_bytes;
    stats.dst2src_bytes += call.dst2src_bytes;
    if (call.outcome == outcome_name::completed)
      ++stats.completed;
    else if (call.outcome == outcome_name::refused)
      ++stats.refused;
    else if (call.outcome == outcome_name::stopped)
      ++stats.stopped;
    else
      ++stats.aborted;
    if (call.outcome != outcome_name::refused) durations[key].push_back(call.duration_us);
  }
  std::vector<GroupStats> result;
  for (auto& [key, stats] : groups) {
    auto& taken = durations[key];
    if (!taken.empty()) {
      std::sort(taken.begin(), taken.end());
      stats.duration_p50_us = percentile(taken, 50);
      stats.duration_p95_us = percentile(taken, 95);
      stats.duration_max_us = taken.back();
    }
    result.push_back(std::move(stats));
  }
  return result;
}

}  // namespace qrexec_proxy::admin
