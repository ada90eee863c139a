// How one direction of a chain becomes flows. A plugin that runs a filter
// program in that direction (exec) splits the stream there: the bytes that
// reach it go to the program's stdin, and what the program writes to stdout
// is a new stream for the plugins after it. So a direction is a list of
// segments (the plugins between two such programs), each one a Flow.
#pragma once

#include "plugin_api/plugin.hpp"

#include <cstddef>
#include <memory>
#include <vector>

namespace qrexec_proxy {

struct FlowPlan {
  // Plugin indices of each segment, in stream order; never empty of segments.
  std::vector<std::vector<std::size_t>> segments;
  // filters[k] is the plugin whose program joins segments k and k+1.
  std::vector<std::size_t> filters;
};

// `has_filter(plugin)` says whether that plugin runs a program in this
// direction. Plugins meet src2dst bytes first to last, dst2src last to first.
template <typename HasFilter>
FlowPlan plan_flows(std::size_t plugin_count, Direction direction, HasFilter has_filter) {
  FlowPlan plan;
  plan.segments.emplace_back();
  for (std::size_t step = 0; step < plugin_count; ++step) {
    const std::size_t plugin = direction == Direction::src2dst ? step : plugin_count - 1 - step;
    if (has_filter(plugin)) {
      plan.filters.push_back(plugin);
      plan.segments.emplace_back();
    } else {
      plan.segments.back().push_back(plugin);
    }
  }
  return plan;
}

}  // namespace qrexec_proxy
