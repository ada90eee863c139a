#include "engine/call.hpp"

#include "engine/exit_status.hpp"
#include "log/log_text.hpp"

#include <array>
#include <cerrno>
#include <csignal>
#include <cstring>

#include <fcntl.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

namespace qrexec_proxy {
namespace {

bool is_socket(int fd) {
  struct stat info {};
  return ::fstat(fd, &info) == 0 && S_ISSOCK(info.st_mode);
}

int make_nonblocking(int fd) {
  const int flags = ::fcntl(fd, F_GETFL);
  if (flags >= 0 && (flags & O_NONBLOCK) == 0) ::fcntl(fd, F_SETFL, flags | O_NONBLOCK);
  return flags;
}

// How long a destination may take to exit once its caller has left, owing
// it nothing (the caller's tool is done: the destination is exiting).
constexpr std::chrono::seconds kLeftCallerGrace{5};

std::string errno_text(int error_number) {
  return std::strerror(error_number);
}

}  // namespace

std::string_view to_string(CallOutcome outcome) {
  switch (outcome) {
    case CallOutcome::completed:
      return outcome_name::completed;
    case CallOutcome::refused:
      return outcome_name::refused;
    case CallOutcome::aborted:
      return outcome_name::aborted;
    case CallOutcome::source_gone:
      return outcome_name::source_gone;
    case CallOutcome::terminated:
      return outcome_name::terminated;
    case CallOutcome::failed:
      return outcome_name::failed;
    case CallOutcome::stopped:
      return outcome_name::stopped;
  }
  return outcome_name::failed;
}

Call::Call(CallInfo info, std::vector<ChainPlugin> plugins, Journal& journal, SharedState& state,
           CallLimits limits)
    : info_(std::move(info)),
      plugins_(std::move(plugins)),
      journal_(journal),
      state_(state),
      plugin_records_(limits.plugin_records),
      services_{info_, timers_, journal_, plugin_records_, state_, file_sinks_, *this},
      stderr_records_(journal_, plugin_names_),
      finish_timeout_(limits.finish_timeout) {
  for (std::size_t i = 0; i < plugins_.size(); ++i) {
    handles_.push_back(std::make_unique<PluginHandle>(services_, plugins_[i], i));
    contexts_.push_back(handles_.back().get());
    plugin_names_.push_back(plugins_[i].name);
  }
}

Call::~Call() {
  // Flows refer to plugins and descriptors: they go first.
  for (auto& direction : directions_) direction.flows.clear();
  // Restored as they were, but never with O_ASYNC: the system call filter
  // kills a process that asks for it (sandbox/allow_list).
  if (source_input_flags_ >= 0) ::fcntl(source_.input_fd, F_SETFL, source_input_flags_ & ~O_ASYNC);
  if (source_output_flags_ >= 0)
    ::fcntl(source_.output_fd, F_SETFL, source_output_flags_ & ~O_ASYNC);
}

void Call::end_early(CallOutcome outcome, std::string reason) {
  if (ending_early_) return;
  ending_early_ = true;
  end_outcome_ = outcome;
  end_reason_ = std::move(reason);
}

// --- set-up --------------------------------------------------------------------

bool Call::admit(CallResult& result) {
  for (std::size_t i = 0; i < plugins_.size(); ++i) {
    const Admission admission = plugins_[i].plugin->on_start(*handles_[i]);
    if (ending_early_) {
      result.outcome = CallOutcome::refused;
      result.reason = end_reason_;
      result.plugin = plugins_[i].name;
      return false;
    }
    if (admission.kind() == Admission::Kind::admit) continue;
    if (plugins_[i].audit) {
      handles_[i]->audit("refuse", "refuse the call (" + admission.reason() + ")");
      continue;
    }
    result.outcome =
        admission.kind() == Admission::Kind::refuse ? CallOutcome::refused : CallOutcome::failed;
    result.reason = admission.reason();
    result.plugin = plugins_[i].name;
    if (admission.delay() > Clock::duration::zero()) wait_before_refusing(admission.delay());
    return false;
  }
  return true;
}

// Nothing of the call has started: the only things to watch are the caller
// leaving (its connection hung up: a caller that has only ended its input
// still waits for the answer) and a signal to stop.
void Call::wait_before_refusing(Clock::duration wait) {
  const auto deadline = Clock::now() + wait;
  std::array<pollfd, 3> watched = {pollfd{source_.input_fd, 0, 0}, pollfd{source_.output_fd, 0, 0},
                                   pollfd{signal_fd_, POLLIN, 0}};
  const nfds_t count = signal_fd_ >= 0 ? 3 : 2;
  while (true) {
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now());
    if (left <= std::chrono::milliseconds::zero()) return;
    const int ready = ::poll(watched.data(), count, static_cast<int>(left.count()));
    if (ready < 0 && errno == EINTR) continue;
    if (ready != 0) return;  // the caller hung up, a signal came, or poll failed
  }
}

void Call::close_source_output() {
  if (source_output_is_socket_) {
    ::shutdown(source_.output_fd, SHUT_WR);
    return;
  }
  // Keep the descriptor number taken so nothing else lands on it. (Opened
  // at set-up: nothing is opened once the call runs, syscall_filter.hpp.)
  ::dup2(null_output_.get(), source_.output_fd);
  null_output_.reset();
}

bool Call::watch(int fd, std::uint32_t events, const EventKey& key) {
  epoll_event event{};
  event.events = events;
  event.data.u64 = key.packed();
  if (::epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, fd, &event) == 0) return true;
  if (errno != EPERM) return false;
  // Regular files cannot be polled: they are always ready.
  Flow& f = *flows(key.direction)[key.index];
  if (key.kind == EventKind::flow_input) f.set_input_ready();
  if (key.kind == EventKind::flow_output) f.set_output_ready();
  return true;
}

bool Call::watch_everything() {
  for (const Direction direction : kBothDirections) {
    const auto& direction_flows = flows(direction);
    for (std::size_t k = 0; k < direction_flows.size(); ++k) {
      const Flow& f = *direction_flows[k];
      if (!watch(f.input_fd(), EPOLLIN | EPOLLRDHUP | EPOLLET,
                 {EventKind::flow_input, direction, k}) ||
          !watch(f.output_fd(), EPOLLOUT | EPOLLET, {EventKind::flow_output, direction, k}))
        return false;
    }
  }
  for (std::size_t i = 0; i < children_->size(); ++i) {
    const ChildProcess& child = (*children_)[i].process;
    if (!watch(child.stderr_fd(), EPOLLIN | EPOLLET, {EventKind::child_stderr, {}, i}) ||
        !watch(child.pidfd(), EPOLLIN, {EventKind::child_exit, {}, i}))
      return false;
  }
  return signal_fd_ < 0 || watch(signal_fd_, EPOLLIN, {EventKind::signals});
}

bool Call::start(const std::vector<std::string>& argv, const std::vector<std::string>& environment,
                 const LockDown& lock_down, CallResult& result) {
  auto fail = [&](std::string reason) {
    result.outcome = CallOutcome::failed;
    result.reason = std::move(reason);
    return false;
  };
  epoll_.reset(::epoll_create1(EPOLL_CLOEXEC));
  if (!epoll_) return fail("epoll_create1: " + errno_text(errno));

  // The destination first, then each direction's filter programs.
  std::size_t filters = 0;
  for (const auto& entry : plugins_)
    for (const Direction direction : kBothDirections)
      filters += entry.plugin->filter_program(direction) != nullptr ? 1 : 0;
  children_.emplace(1 + filters);
  if (const int failure = children_->start_destination(argv, environment))
    return fail("cannot start " + escape_for_log(argv.front()) + ": " + errno_text(failure));

  source_input_flags_ = make_nonblocking(source_.input_fd);
  source_output_flags_ = make_nonblocking(source_.output_fd);
  source_output_is_socket_ = is_socket(source_.output_fd);
  if (!source_output_is_socket_) {
    null_output_.reset(::open("/dev/null", O_WRONLY | O_CLOEXEC));
    if (!null_output_) return fail("cannot open /dev/null: " + errno_text(errno));
  }

  FlowBuilder builder(info_, plugins_, contexts_, *children_,
                      {source_.input_fd, source_.output_fd, [this] { close_source_output(); }},
                      environment);
  std::string error;
  for (const Direction direction : kBothDirections)
    if (!builder.build(direction, directions_[index_of(direction)], error)) return fail(error);
  flows_built_ = true;
  apply_early_requests();

  if (!watch_everything()) return fail("epoll_ctl: " + errno_text(errno));
  if (lock_down) {
    const std::vector<pid_t> pids = children_->pids();
    if (std::string why = lock_down(pids); !why.empty())
      return fail("cannot lock the process down: " + why);
  }
  return true;
}

// --- the running call ----------------------------------------------------------

void Call::child_exited(std::size_t index) {
  ChildProcesses::Child& child = (*children_)[index];
  if (!child.process.reap() || !child.plugin) return;
  const int status = *child.process.exit_status();
  if (status == 0) return;
  // A filter program that fails cannot be trusted with the rest of the
  // stream: the call ends (or, in audit mode, says it would).
  const std::string program =
      escape_for_log(plugins_[*child.plugin].plugin->filter_program(child.direction)->front());
  handles_[*child.plugin]->abort(std::string(to_string(child.direction)) + " program " + program +
                                 (status > 128 ? " died of signal " + std::to_string(status - 128)
                                               : " exited with status " + std::to_string(status)));
}

void Call::dispatch(const EventKey& key, std::uint32_t events) {
  switch (key.kind) {
    case EventKind::flow_input:
      flows(key.direction)[key.index]->set_input_ready();
      break;
    case EventKind::flow_output: {
      auto& direction_flows = flows(key.direction);
      Flow& f = *direction_flows[key.index];
      const bool writes_to_source =
          key.direction == Direction::dst2src && key.index + 1 == direction_flows.size();
      if (writes_to_source && (events & (EPOLLERR | EPOLLHUP)) && !f.output_done()) caller_left();
      f.set_output_ready();
      break;
    }
    case EventKind::child_stderr:
      children_->read_stderr(key.index, false,
                             [this](const ChildProcesses::Child& child, std::string_view line,
                                    std::size_t cut) { stderr_records_.line(child, line, cut); });
      break;
    case EventKind::child_exit:
      child_exited(key.index);
      break;
    case EventKind::signals:
      read_signal();
      break;
  }
}

void Call::fire_due_timers() {
  const auto now = Clock::now();
  while (!ending_early_) {
    const auto due = timers_.pop_due(now);
    if (!due) return;
    plugins_[due->owner].plugin->on_timer(*handles_[due->owner], due->id);
  }
}

void Call::check_flows() {
  for (const Direction direction : kBothDirections) {
    const auto& direction_flows = flows(direction);
    for (std::size_t k = 0; k < direction_flows.size(); ++k) {
      const Flow& f = *direction_flows[k];
      switch (f.fault()) {
        case FlowFault::none:
          break;
        case FlowFault::receiver_gone:
          // Into the source: the caller is gone. Into the destination or a
          // filter program: it stopped reading; what it did not take is
          // discarded, as qrexec does when a service closes its stdin.
          if (direction == Direction::dst2src && k + 1 == direction_flows.size()) caller_left();
          break;
        case FlowFault::read_error:
        case FlowFault::write_error:
          end_early(CallOutcome::failed,
                    std::string(to_string(direction)) +
                        (f.fault() == FlowFault::read_error ? " read: " : " write: ") +
                        errno_text(f.fault_errno()));
          break;
        case FlowFault::plugin_error:
          end_early(CallOutcome::failed, std::string(to_string(direction)) +
                                             ": a plugin dropped bytes without declaring it");
          break;
      }
    }
  }
}

// The caller closed its connection. If it was owed nothing, that is how a
// caller that has what it wanted ends (qvm-copy's sender exits the moment
// it has read the receiver's answer): the destination gets a moment to
// exit, and the call ends with its status. A caller that leaves while
// bytes are on their way to it, or while the destination still sends, has
// vanished mid-call.
void Call::caller_left() {
  if (caller_left_ || ending_early_) return;
  auto& to_source = flows(Direction::dst2src);
  for (const auto& f : to_source)
    if (f->holds() > 0)
      return end_early(CallOutcome::source_gone, "the caller closed the connection");
  caller_left_ = true;
  caller_left_deadline_ = Clock::now() + kLeftCallerGrace;
  received_when_caller_left_ = to_source.front()->stats().received;
  to_source.back()->drop_receiver();
}

// Ends a call whose end does not come by itself: a caller gone with the
// destination still sending or not exiting, a destination going on for
// ever after its source has finished.
void Call::watch_the_end() {
  const auto now = Clock::now();
  if (caller_left_) {
    if (flows(Direction::dst2src).front()->stats().received > received_when_caller_left_)
      return end_early(CallOutcome::source_gone,
                       "the caller closed the connection while bytes were still coming to it");
    if (now >= caller_left_deadline_)
      return end_early(CallOutcome::source_gone,
                       "the caller closed the connection, and the destination did not exit");
    return;
  }
  if (!finish_timeout_) return;
  if (!finish_deadline_) {
    const bool source_finished = flows(Direction::src2dst).front()->input_ended() &&
                                 flows(Direction::dst2src).back()->output_done();
    if (source_finished) finish_deadline_ = now + *finish_timeout_;
  } else if (now >= *finish_deadline_) {
    end_early(CallOutcome::aborted,
              "the destination did not exit within " +
                  std::to_string(
                      std::chrono::duration_cast<std::chrono::seconds>(*finish_timeout_).count()) +
                  " s after the source had finished (finish_timeout)");
  }
}

// Until the next timer, or the deadline of the end being watched.
int Call::wait_timeout_ms() const {
  std::optional<Clock::time_point> next = timers_.next_deadline();
  const auto earliest = [&](Clock::time_point candidate) {
    if (!next || candidate < *next) next = candidate;
  };
  if (caller_left_) earliest(caller_left_deadline_);
  if (finish_deadline_) earliest(*finish_deadline_);
  if (!next) return -1;
  const auto wait = *next - Clock::now();
  return wait <= Clock::duration::zero()
             ? 0
             : static_cast<int>(std::chrono::ceil<std::chrono::milliseconds>(wait).count());
}

bool Call::done() const {
  const Flow& to_source = *flows(Direction::dst2src).back();
  // qrexec ends a call when the service has exited and its output is
  // delivered; what the caller still sends then has nowhere to go.
  if (!children_->destination().exit_status() || !to_source.input_ended() ||
      !to_source.output_done())
    return false;
  // A filter program that has ended its output is waited for, so that its
  // exit status counts: a failure after its last byte still aborts the call.
  for (std::size_t i = 1; i < children_->size(); ++i) {
    const ChildProcesses::Child& child = (*children_)[i];
    if (flows(child.direction)[child.reading_flow]->input_ended() && !child.process.exit_status())
      return false;
  }
  return true;
}

void Call::loop() {
  std::array<epoll_event, 16> events;
  while (!ending_early_) {
    bool changed = true;
    while (changed && !ending_early_) {
      changed = false;
      for (auto& direction : directions_)
        for (auto& f : direction.flows) changed |= f->pump(ending_early_);
      check_flows();
    }
    report_progress();
    if (ending_early_ || done()) return;
    watch_the_end();
    if (ending_early_) return;
    const int count = ::epoll_wait(epoll_.get(), events.data(), static_cast<int>(events.size()),
                                   wait_timeout_ms());
    if (count < 0) {
      if (errno == EINTR) continue;
      end_early(CallOutcome::failed, "epoll_wait: " + errno_text(errno));
      return;
    }
    for (int i = 0; i < count; ++i)
      dispatch(EventKey::unpacked(events[i].data.u64), events[i].events);
    fire_due_timers();
  }
}

// --- the end -------------------------------------------------------------------

void Call::log_plugin_records_left_out() {
  if (plugin_records_.left_out() == 0) return;
  const std::string left_out = std::to_string(plugin_records_.left_out());
  const LogField fields[] = {{journal_field::plugin_records_left_out, left_out}};
  journal_.send(Priority::warning, journal_event::plugin,
                "plugins: " + left_out + " more records left out: at most " +
                    std::to_string(plugin_records_.most()) +
                    " records of a call's plugins are logged (proxy.json max_plugin_records)",
                fields);
}

void Call::finish(CallResult& result) {
  for (auto& direction : directions_)
    for (auto& f : direction.flows) f->stop();
  // A finished call needs its filter programs no more; one that ends early
  // needs nothing more.
  children_->stop(ending_early_);
  for (std::size_t i = 0; i < children_->size(); ++i)
    children_->read_stderr(i, true,
                           [this](const ChildProcesses::Child& child, std::string_view line,
                                  std::size_t cut) { stderr_records_.line(child, line, cut); });
  stderr_records_.finish();
  log_plugin_records_left_out();
  result.destination_status = children_->destination().exit_status();
  for (const Direction direction : kBothDirections) {
    const auto& direction_flows = flows(direction);
    FlowStats& stats = direction == Direction::src2dst ? result.src2dst : result.dst2src;
    stats.received = direction_flows.front()->stats().received;
    stats.delivered = direction_flows.back()->stats().delivered;
    for (const auto& f : direction_flows) stats.dropped += f->stats().dropped;
  }
  result.outcome = end_outcome_;
  result.reason = end_reason_;
  result.plugin = end_plugin_;
}

CallResult Call::run(SourceEndpoint source, const std::vector<std::string>& argv,
                     const std::vector<std::string>& environment, int signal_fd,
                     const LockDown& lock_down, CallMonitor* monitor) {
  started_ = Clock::now();
  source_ = source;
  signal_fd_ = signal_fd;
  monitor_ = monitor;
  CallResult result;
  if (admit(result) && start(argv, environment, lock_down, result)) {
    loop();
    finish(result);
    report_progress();
  } else if (children_ && !children_->empty()) {
    ending_early_ = true;
    children_->stop(true);
  }
  switch (result.outcome) {
    case CallOutcome::completed:
      result.exit_status = result.destination_status.value_or(exit_status::internal_error);
      break;
    case CallOutcome::refused:
      result.exit_status = exit_status::refused;
      break;
    case CallOutcome::aborted:
    case CallOutcome::source_gone:
    case CallOutcome::stopped:
      result.exit_status = exit_status::aborted;
      break;
    case CallOutcome::terminated:
      result.exit_status = exit_status::terminated;
      break;
    case CallOutcome::failed:
      result.exit_status = exit_status::internal_error;
      break;
  }
  result.duration = Clock::now() - started_;
  if (monitor_ != nullptr) monitor_->phase(CallPhase::ended);
  return result;
}

}  // namespace qrexec_proxy
