#include "engine/flow_builder.hpp"

#include "io/in_place_fifo.hpp"
#include "io/pipe_fifo.hpp"
#include "io/ring_fifo.hpp"
#include "log/log_text.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <limits>

#include <sys/stat.h>

namespace qrexec_proxy {
namespace {

// Sizes of the data path. A pipe of 1 MiB lets one splice() move a lot;
// the kernel may grant less (per-user pipe limits), which only costs speed.
constexpr std::size_t kPipeCapacity = 1024 * 1024;
// In-memory buffer for plugins that read bytes, unless one needs more.
constexpr std::size_t kRingCapacity = 256 * 1024;

// a + b, or the largest size when that overflows (the fifo then cannot be
// made and the call fails closed).
std::size_t hold_sum(std::size_t a, std::size_t b) {
  return b > std::numeric_limits<std::size_t>::max() - a ? std::numeric_limits<std::size_t>::max()
                                                         : a + b;
}

bool splice_capable(int fd) {
  struct stat info {};
  if (::fstat(fd, &info) != 0) return false;
  return S_ISSOCK(info.st_mode) || S_ISFIFO(info.st_mode) || S_ISREG(info.st_mode);
}

// A plugin that runs a filter program in a direction (exec) splits the
// stream there: the bytes that reach it go to the program's stdin, and
// what the program writes to stdout is a new stream for the plugins after
// it. So a direction is a list of segments (the plugins between two such
// programs), each one a Flow.
struct FlowPlan {
  // Plugin indices of each segment, in stream order; never empty of segments.
  std::vector<std::vector<std::size_t>> segments;
  // filters[k] is the plugin whose program joins segments k and k+1.
  std::vector<std::size_t> filters;
};

// Plugins meet src2dst bytes first to last, dst2src last to first.
FlowPlan plan_flows(const std::vector<ChainPlugin>& plugins, Direction direction) {
  FlowPlan plan;
  plan.segments.emplace_back();
  const std::size_t count = plugins.size();
  for (std::size_t step = 0; step < count; ++step) {
    const std::size_t plugin = direction == Direction::src2dst ? step : count - 1 - step;
    if (plugins[plugin].plugin->filter_program(direction) != nullptr) {
      plan.filters.push_back(plugin);
      plan.segments.emplace_back();
    } else {
      plan.segments.back().push_back(plugin);
    }
  }
  return plan;
}

}  // namespace

std::unique_ptr<ByteFifo> FlowBuilder::make_fifo(Direction direction,
                                                 const std::vector<std::size_t>& segment,
                                                 int input_fd, int output_fd) const {
  bool in_memory = !splice_capable(input_fd) || !splice_capable(output_fd);
  std::size_t hold = 0;
  std::size_t inject = 0;
  for (const std::size_t plugin : segment) {
    const DataNeeds needs = plugins_[plugin].plugin->needs(direction);
    // A plugin that holds bytes waits for a number of them, and only memory
    // can promise room for that many: a pipe counts slots, not bytes, and may
    // be full with far fewer bytes than its size when they came in small writes.
    in_memory |= needs.reads_bytes || needs.drops_bytes || needs.hold_bytes > 0 ||
                 needs.inject_bytes > 0;
    // Holders in a row each hold their own bytes at once (the first one
    // collecting while the next still waits for more): room for them all,
    // or the chain stalls with a full fifo and no holder satisfied.
    hold = hold_sum(hold, needs.hold_bytes);
    inject = hold_sum(inject, needs.inject_bytes);
  }
  if (!in_memory) {
    // Best: the bytes stay in the sender's queue until they go out.
    if (InPlaceFifo::suits(input_fd, output_fd)) {
      if (auto in_place = InPlaceFifo::create(input_fd))
        return std::make_unique<InPlaceFifo>(std::move(*in_place));
    }
    if (auto pipe = PipeFifo::create(kPipeCapacity))
      return std::make_unique<PipeFifo>(std::move(*pipe));
  }
  // The room kept for injections comes on top: the sender never fills it.
  if (auto ring = RingFifo::create(hold_sum(std::max(kRingCapacity, hold), inject)))
    return std::make_unique<RingFifo>(std::move(*ring));
  return nullptr;
}

bool FlowBuilder::build(Direction direction, DirectionFlows& out, std::string& error) {
  const FlowPlan plan = plan_flows(plugins_, direction);
  const std::size_t first_filter = children_.size();
  for (std::size_t position = 0; position < plan.filters.size(); ++position) {
    const std::size_t plugin = plan.filters[position];
    std::vector<std::string> filter_environment = environment_;
    filter_environment.push_back("QREXEC_PROXY_CALL_CHAIN=" + info_.chain);
    filter_environment.push_back("QREXEC_PROXY_CALL_SOURCE=" + info_.source);
    filter_environment.push_back("QREXEC_PROXY_CALL_TARGET=" + info_.target);
    filter_environment.push_back("QREXEC_PROXY_CALL_SERVICE=" + info_.service);
    filter_environment.push_back("QREXEC_PROXY_CALL_DIRECTION=" +
                                 std::string(to_string(direction)));
    const std::vector<std::string>& argv = *plugins_[plugin].plugin->filter_program(direction);
    // Segment position + 1 reads what this program writes.
    if (const int failure =
            children_.start_filter(plugin, direction, position + 1, argv, filter_environment)) {
      error = plugins_[plugin].name + ": cannot start " + escape_for_log(argv.front()) + ": " +
              std::strerror(failure);
      return false;
    }
  }

  const std::size_t last = plan.segments.size() - 1;
  out.places.assign(plugins_.size(), std::nullopt);
  for (std::size_t k = 0; k <= last; ++k) {
    // Children are stable from here on: their descriptors and indices too.
    const std::size_t input_child = first_filter + k - 1;
    const std::size_t output_child = first_filter + k;
    ChildProcess& destination = children_.destination();
    const int input_fd = k > 0 ? children_[input_child].process.stdout_fd()
                         : direction == Direction::src2dst ? source_.input_fd
                                                           : destination.stdout_fd();
    const int output_fd = k < last ? children_[output_child].process.stdin_fd()
                          : direction == Direction::src2dst ? destination.stdin_fd()
                                                            : source_.output_fd;
    std::function<void()> close_output;
    if (k < last)
      close_output = [&children = children_, output_child] {
        children[output_child].process.close_stdin();
      };
    else if (direction == Direction::src2dst)
      close_output = [&children = children_] { children.destination().close_stdin(); };
    else
      close_output = source_.close_output;

    std::vector<FlowStage> stages;
    for (const std::size_t plugin : plan.segments[k]) {
      out.places[plugin] = StagePlace{k, stages.size()};
      const DataNeeds needs = plugins_[plugin].plugin->needs(direction);
      stages.push_back({plugins_[plugin].plugin.get(), contexts_[plugin], needs.reads_bytes,
                        plugins_[plugin].audit, needs.inject_bytes});
    }
    auto fifo = make_fifo(direction, plan.segments[k], input_fd, output_fd);
    if (!fifo) {
      error = std::string("cannot allocate buffers: ") + std::strerror(errno);
      return false;
    }
    out.flows.push_back(std::make_unique<Flow>(direction, std::move(fifo), std::move(stages),
                                               input_fd, output_fd, std::move(close_output)));
  }
  return true;
}

}  // namespace qrexec_proxy
