// The engine for one call: one thread, one epoll loop. It owns every
// descriptor, timer and buffer; plugins reach it only through their
// PluginContext (engine/plugin_handle.hpp).
//
// The call conducts: it asks the plugins to admit the call, starts its
// child processes (process/child_processes.hpp), has each direction's
// flows built (engine/flow_builder.hpp), runs the event loop until the
// call ends, and accounts for it.
#pragma once

#include "capabilities/file_sinks.hpp"
#include "capabilities/shared_state.hpp"
#include "engine/call_monitor.hpp"
#include "engine/chain_plugin.hpp"
#include "engine/event_key.hpp"
#include "engine/flow_builder.hpp"
#include "engine/plugin_handle.hpp"
#include "engine/timer_set.hpp"
#include "io/unique_fd.hpp"
#include "log/journal.hpp"
#include "plugin_api/plugin.hpp"
#include "process/child_processes.hpp"
#include "process/stderr_records.hpp"

#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace qrexec_proxy {

enum class CallOutcome : std::uint8_t {
  completed,    // the destination ran to its end; its status is the call's
  refused,      // a plugin refused the call before the destination started
  aborted,      // a plugin aborted the running call
  source_gone,  // the caller went away mid-call
  terminated,   // the proxy was told to stop (SIGTERM...)
  stopped,      // an administrator stopped it (qrexec-proxy-admin stop)
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

// What proxy.json bounds in a call.
struct CallLimits {
  // How long the destination may go on once the source has finished (sent
  // its end, and nothing more can reach it); none: for ever.
  std::optional<Clock::duration> finish_timeout;
  // The most records the call's plugins may write; by default, no bound.
  std::size_t plugin_records = std::numeric_limits<std::size_t>::max();
};

class Call final : private PluginRequests {
 public:
  Call(CallInfo info, std::vector<ChainPlugin> plugins, Journal& journal, SharedState& state,
       CallLimits limits = {});
  ~Call();
  Call(const Call&) = delete;
  Call& operator=(const Call&) = delete;

  // Runs the call to its end: admission, the destination `argv` (absolute
  // path first) with `environment`, the data, and teardown. `signal_fd`
  // (optional) is a signalfd whose signals terminate the call; `lock_down`
  // (optional) runs between set-up and the first byte. `monitor`
  // (optional) is told the call's progress and asked for stop requests
  // when SIGUSR1 comes through `signal_fd`.
  CallResult run(SourceEndpoint source, const std::vector<std::string>& argv,
                 const std::vector<std::string>& environment, int signal_fd,
                 const LockDown& lock_down = {}, CallMonitor* monitor = nullptr);

 private:
  bool admit(CallResult& result);
  void wait_before_refusing(Clock::duration wait);
  bool start(const std::vector<std::string>& argv, const std::vector<std::string>& environment,
             const LockDown& lock_down, CallResult& result);
  bool watch_everything();
  bool watch(int fd, std::uint32_t events, const EventKey& key);
  void close_source_output();
  void loop();
  void dispatch(const EventKey& key, std::uint32_t events);
  // engine/call_control.cpp: signals, and what the monitor sees and asks.
  void read_signal();
  void apply_stop(const StopRequest& request);
  void report_progress();
  void child_exited(std::size_t child);
  void fire_due_timers();
  void check_flows();
  bool done() const;
  void caller_left();
  void watch_the_end();
  int wait_timeout_ms() const;
  void finish(CallResult& result);
  // Ends the call before its natural end; the first reason given counts.
  void end_early(CallOutcome outcome, std::string reason);

  // PluginRequests: from plugin `plugin`.
  void plugin_abort(std::size_t plugin, std::string_view reason) override;
  void plugin_cut(std::size_t plugin, Direction direction) override;
  void plugin_wake(std::size_t plugin, Direction direction) override;
  void plugin_pause(std::size_t plugin, Direction direction, bool paused) override;
  void plugin_notify_drained(std::size_t plugin, Direction direction) override;
  bool plugin_inject(std::size_t plugin, Direction direction,
                     std::span<const std::byte> bytes) override;
  // The flow and stage of a plugin, once the flows exist and if the plugin
  // is a stage of that direction.
  Flow* place_of(std::size_t plugin, Direction direction, std::size_t& stage);
  std::vector<std::unique_ptr<Flow>>& flows(Direction direction) {
    return directions_[index_of(direction)].flows;
  }
  const std::vector<std::unique_ptr<Flow>>& flows(Direction direction) const {
    return directions_[index_of(direction)].flows;
  }

  // Requests made during on_start, before the flows exist: each is done
  // once they do, in the order asked.
  struct EarlyRequest {
    enum class Kind : std::uint8_t { cut, pause, resume, wake, notify_drained };
    std::size_t plugin;
    Direction direction;
    Kind kind;
  };
  void apply_early_requests();
  // One record of how many records the plugins' budget left out, if any.
  void log_plugin_records_left_out();
  std::vector<EarlyRequest> early_requests_;

  CallInfo info_;
  std::vector<ChainPlugin> plugins_;
  Journal& journal_;
  SharedState& state_;
  RecordBudget plugin_records_;
  FileSinks file_sinks_;
  TimerSet timers_;
  CallServices services_;
  std::vector<std::unique_ptr<PluginHandle>> handles_;
  std::vector<PluginContext*> contexts_;  // handles_, as the flow builder takes them
  std::vector<std::string> plugin_names_;
  StderrRecords stderr_records_;

  UniqueFd epoll_;
  std::optional<ChildProcesses> children_;
  DirectionFlows directions_[2];
  bool flows_built_ = false;
  SourceEndpoint source_;
  UniqueFd null_output_;  // /dev/null, to end a source output that is no socket
  int source_input_flags_ = -1;
  int source_output_flags_ = -1;
  bool source_output_is_socket_ = false;
  int signal_fd_ = -1;
  CallMonitor* monitor_ = nullptr;
  CallPhase reported_phase_ = CallPhase::admitting;

  // The end of a call whose source has finished: a destination that goes
  // on longer than finish_timeout is stopped.
  std::optional<Clock::duration> finish_timeout_;
  std::optional<Clock::time_point> finish_deadline_;
  // The caller closed its connection owing nothing: the destination has a
  // moment to exit (qrexec ends the call with its status), and must send
  // nothing more.
  bool caller_left_ = false;
  Clock::time_point caller_left_deadline_{};
  std::uint64_t received_when_caller_left_ = 0;

  // The call is ending before its natural end (a plugin's abort, a signal,
  // a vanished caller, a failure): the flows stop at their next check.
  bool ending_early_ = false;
  CallOutcome end_outcome_ = CallOutcome::completed;
  std::string end_reason_;
  std::string end_plugin_;
  Clock::time_point started_;
};

}  // namespace qrexec_proxy
