// How one direction of a call becomes flows: the chain's plugins in stream
// order, split where a plugin runs a filter program (flow_plan.hpp), each
// segment a Flow with the fifo its plugins need, and, for every plugin,
// where it sits. The builder starts the direction's filter programs too.
#pragma once

#include "engine/chain_plugin.hpp"
#include "engine/flow.hpp"
#include "process/child_processes.hpp"

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace qrexec_proxy {

// Where a plugin sits in one direction: its flow and its stage there.
struct StagePlace {
  std::size_t flow;
  std::size_t stage;
};

// One direction's flows, in stream order (the first reads from the sender,
// the last writes to the receiver), and each plugin's place (none where
// the plugin runs a filter program instead).
struct DirectionFlows {
  std::vector<std::unique_ptr<Flow>> flows;
  std::vector<std::optional<StagePlace>> places;
};

// The caller's side: what src2dst reads and dst2src writes.
struct SourceEnds {
  int input_fd;
  int output_fd;
  std::function<void()> close_output;  // the caller sees the end of the stream
};

class FlowBuilder {
 public:
  // `contexts[i]` is plugin i's window on the call. Filter programs get
  // `environment` and the call's names (QREXEC_PROXY_CALL_*).
  FlowBuilder(const CallInfo& info, const std::vector<ChainPlugin>& plugins,
              const std::vector<PluginContext*>& contexts, ChildProcesses& children,
              SourceEnds source, const std::vector<std::string>& environment)
      : info_(info),
        plugins_(plugins),
        contexts_(contexts),
        children_(children),
        source_(std::move(source)),
        environment_(environment) {}

  // Starts the direction's filter programs and makes its flows; false with
  // `error` when a program or a buffer cannot be had.
  bool build(Direction direction, DirectionFlows& out, std::string& error);

 private:
  std::unique_ptr<ByteFifo> make_fifo(Direction direction, const std::vector<std::size_t>& segment,
                                      int input_fd, int output_fd) const;

  const CallInfo& info_;
  const std::vector<ChainPlugin>& plugins_;
  const std::vector<PluginContext*>& contexts_;
  ChildProcesses& children_;
  SourceEnds source_;
  const std::vector<std::string>& environment_;
};

}  // namespace qrexec_proxy
