// The engine for one call: one thread, one epoll loop. It owns every
// descriptor, timer and buffer; plugins reach it only through their
// PluginContext.
#pragma once

#include "capabilities/file_sinks.hpp"
#include "capabilities/shared_state.hpp"
#include "engine/destination.hpp"
#include "engine/flow.hpp"
#include "engine/timer_set.hpp"
#include "io/unique_fd.hpp"
#include "log/journal.hpp"
#include "plugin_api/plugin.hpp"

#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace qrexec_proxy {

struct ChainPlugin {
  std::string name;
  std::unique_ptr<Plugin> plugin;
  bool audit = false;  // the common option "mode": "audit"
};

enum class CallOutcome : std::uint8_t {
  completed,    // the destination ran to its end; its status is the call's
  refused,      // a plugin refused the call before the destination started
  aborted,      // a plugin aborted the running call
  source_gone,  // the caller went away mid-call
  terminated,   // the proxy was told to stop (SIGTERM...)
  failed,       // an internal error (the destination could not start, ...)
};
std::string_view to_string(CallOutcome outcome);

struct CallResult {
  CallOutcome outcome = CallOutcome::failed;
  int exit_status = 125;
  std::optional<int> destination_status;
  std::string reason;  // why, for every outcome but completed
  std::string plugin;  // the plugin that refused or aborted, if one did
  FlowStats src2dst;
  FlowStats dst2src;
  Clock::duration duration{};
};

// The source side: descriptors we read the caller's bytes from and write
// the destination's bytes to (stdin and stdout of the service).
struct SourceEndpoint {
  int input_fd = 0;
  int output_fd = 1;
};

// Runs once the call is set up (destination and filter programs running,
// every descriptor and buffer in place) and before the first byte moves:
// the service installs its syscall filter here. Gets the call's children,
// the processes it may still signal and reap. Returns an error message, or
// an empty string; an error fails the call (exit 125) before any byte moves.
using LockDown = std::function<std::string(std::span<const pid_t> children)>;

class Call {
 public:
  Call(CallInfo info, std::vector<ChainPlugin> plugins, Journal& journal, SharedState& state);
  ~Call();
  Call(const Call&) = delete;
  Call& operator=(const Call&) = delete;

  // Runs the call to its end: admission, the destination `argv` (absolute
  // path first) with `environment`, the data, and teardown. `signal_fd`
  // (optional) is a signalfd whose signals terminate the call; `lock_down`
  // (optional) runs between set-up and the first byte.
  CallResult run(SourceEndpoint source, const std::vector<std::string>& argv,
                 const std::vector<std::string>& environment, int signal_fd,
                 const LockDown& lock_down = {});

 private:
  class PluginHandle;
  friend class PluginHandle;

  // A child process of the call: the destination (children_[0]) or a
  // plugin's filter program.
  struct Child {
    Destination process;
    std::optional<std::size_t> plugin;  // the filter's plugin; none for the destination
    Direction direction = Direction::src2dst;
    std::size_t reading_flow = 0;  // a filter's: the flow of `direction` reading its stdout
    std::string stderr_line;
  };
  // Where a plugin sits in one direction: its flow and its stage there.
  struct StagePlace {
    std::size_t flow;
    std::size_t stage;
  };

  bool admit(CallResult& result);
  bool start(SourceEndpoint source, const std::vector<std::string>& argv,
             const std::vector<std::string>& environment, int signal_fd, const LockDown& lock_down,
             CallResult& result);
  bool build_direction(Direction direction, const std::vector<std::string>& environment,
                       std::string& error);
  std::unique_ptr<ByteFifo> make_fifo(Direction direction, const std::vector<std::size_t>& plugins,
                                      int input_fd, int output_fd);
  void close_source_output();
  bool watch(int fd, std::uint32_t events, std::uint64_t key);
  void loop();
  void dispatch(std::uint64_t key, std::uint32_t events);
  void child_exited(std::size_t child);
  void fire_due_timers();
  void check_flows();
  bool done() const;
  void read_child_stderr(std::size_t child, bool flush);
  void finish(CallResult& result);
  void stop_children(bool destination_too);
  void end_call(CallOutcome outcome, std::string reason);

  // Requests from plugin `index`.
  void plugin_abort(std::size_t index, std::string_view reason);
  void plugin_cut(std::size_t index, Direction direction);
  void plugin_wake(std::size_t index, Direction direction);
  void plugin_pause(std::size_t index, Direction direction, bool paused);
  void plugin_notify_drained(std::size_t index, Direction direction);
  // The flow and stage of a plugin, once the flows exist and if the plugin
  // is a stage of that direction.
  Flow* place_of(std::size_t index, Direction direction, std::size_t& stage);
  std::vector<std::unique_ptr<Flow>>& flows(Direction direction) {
    return flows_[index_of(direction)];
  }
  const std::vector<std::unique_ptr<Flow>>& flows(Direction direction) const {
    return flows_[index_of(direction)];
  }

  // Requests made during on_start, before the flows exist.
  struct EarlyRequest {
    std::size_t plugin;
    Direction direction;
    enum class Kind : std::uint8_t { cut, pause } kind;
  };
  void apply_early_requests();
  std::vector<EarlyRequest> early_requests_;

  CallInfo info_;
  std::vector<ChainPlugin> plugins_;
  std::vector<std::unique_ptr<PluginHandle>> handles_;
  Journal& journal_;
  SharedState& state_;
  FileSinks file_sinks_;
  TimerSet timers_;

  UniqueFd epoll_;
  std::vector<Child> children_;
  // Per direction, in stream order: the first reads from the sender, the
  // last writes to the receiver, filter programs join the others.
  std::vector<std::unique_ptr<Flow>> flows_[2];
  std::vector<std::optional<StagePlace>> places_[2];
  bool flows_built_ = false;
  SourceEndpoint source_;
  UniqueFd null_output_;  // /dev/null, to end a source output that is no socket
  int source_input_flags_ = -1;
  int source_output_flags_ = -1;
  bool source_output_is_socket_ = false;
  int signal_fd_ = -1;

  bool aborted_ = false;  // the call ends now; flows stop at the next check
  CallOutcome end_outcome_ = CallOutcome::completed;
  std::string end_reason_;
  std::string end_plugin_;
  Clock::time_point started_;
};

}  // namespace qrexec_proxy
