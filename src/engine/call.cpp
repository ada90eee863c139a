#include "engine/call.hpp"

#include "engine/exit_status.hpp"
#include "engine/flow_plan.hpp"
#include "io/in_place_fifo.hpp"
#include "io/pipe_fifo.hpp"
#include "io/ring_fifo.hpp"
#include "log/log_text.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <limits>

#include <fcntl.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

namespace qrexec_proxy {
namespace {

// a + b, or the largest size when that overflows (the fifo then cannot be
// made and the call fails closed).
std::size_t hold_sum(std::size_t a, std::size_t b) {
  return b > std::numeric_limits<std::size_t>::max() - a ? std::numeric_limits<std::size_t>::max()
                                                         : a + b;
}

// Sizes of the data path. A pipe of 1 MiB lets one splice() move a lot;
// the kernel may grant less (per-user pipe limits), which only costs speed.
constexpr std::size_t kPipeCapacity = 1024 * 1024;
// In-memory buffer for plugins that read bytes, unless one needs more.
constexpr std::size_t kRingCapacity = 256 * 1024;
// How long a destination gets to exit after SIGTERM before SIGKILL.
constexpr int kTerminateGraceMs = 2000;
constexpr std::size_t kMaxStderrLine = 1024;

// epoll keys: what became ready, and which one.
enum class EventKind : std::uint64_t {
  flow_input = 1,
  flow_output,
  child_stderr,
  child_exit,
  signals
};

std::uint64_t event_key(EventKind kind, std::size_t direction = 0, std::size_t index = 0) {
  return static_cast<std::uint64_t>(kind) << 48 | static_cast<std::uint64_t>(direction) << 32 |
         static_cast<std::uint64_t>(index);
}
EventKind kind_of(std::uint64_t key) {
  return static_cast<EventKind>(key >> 48);
}
Direction direction_of(std::uint64_t key) {
  return ((key >> 32) & 0xffff) == 0 ? Direction::src2dst : Direction::dst2src;
}
std::size_t index_of_key(std::uint64_t key) {
  return static_cast<std::size_t>(key & 0xffffffff);
}

bool splice_capable(int fd) {
  struct stat info {};
  if (::fstat(fd, &info) != 0) return false;
  return S_ISSOCK(info.st_mode) || S_ISFIFO(info.st_mode) || S_ISREG(info.st_mode);
}

bool is_socket(int fd) {
  struct stat info {};
  return ::fstat(fd, &info) == 0 && S_ISSOCK(info.st_mode);
}

int make_nonblocking(int fd) {
  const int flags = ::fcntl(fd, F_GETFL);
  if (flags >= 0 && (flags & O_NONBLOCK) == 0) ::fcntl(fd, F_SETFL, flags | O_NONBLOCK);
  return flags;
}

std::string errno_text(int error_number) {
  return std::strerror(error_number);
}

}  // namespace

std::string_view to_string(CallOutcome outcome) {
  switch (outcome) {
    case CallOutcome::completed:
      return "completed";
    case CallOutcome::refused:
      return "refused";
    case CallOutcome::aborted:
      return "aborted";
    case CallOutcome::source_gone:
      return "source-gone";
    case CallOutcome::terminated:
      return "terminated";
    case CallOutcome::failed:
      return "failed";
  }
  return "failed";
}

// A plugin's window on the call.
class Call::PluginHandle final : public PluginContext {
 public:
  PluginHandle(Call& call, std::size_t index) : call_(call), index_(index) {}

  const CallInfo& call() const override { return call_.info_; }
  Clock::time_point now() const override { return Clock::now(); }
  TimerId start_timer(Clock::duration delay) override {
    return call_.timers_.start(index_, Clock::now() + delay);
  }
  void cancel_timer(TimerId id) override { call_.timers_.cancel(id); }
  void log(Priority priority, std::string_view message, std::span<const LogField> fields) override {
    // Room for the plugin's own fields plus PLUGIN; more are left out.
    std::array<LogField, 16> all{};
    std::size_t count = 0;
    all[count++] = {"PLUGIN", call_.plugins_[index_].name};
    for (const auto& field : fields)
      if (count < all.size()) all[count++] = field;
    call_.journal_.send(priority, journal_event::plugin, message, {all.data(), count});
  }
  void abort(std::string_view reason) override {
    if (audit_mode()) return audit("abort", "abort the call (" + std::string(reason) + ")");
    call_.plugin_abort(index_, reason);
  }
  void cut(Direction direction) override {
    if (audit_mode()) return audit("cut", "cut " + std::string(to_string(direction)));
    call_.plugin_cut(index_, direction);
  }
  void wake(Direction direction) override { call_.plugin_wake(index_, direction); }
  void pause_input(Direction direction, bool paused) override {
    call_.plugin_pause(index_, direction, paused);
  }
  void notify_when_drained(Direction direction) override {
    call_.plugin_notify_drained(index_, direction);
  }
  SharedState& shared_state() override { return call_.state_; }
  bool audit_mode() const override { return call_.plugins_[index_].audit; }
  void audit(std::string_view action, std::string_view what) override {
    const std::string& name = call_.plugins_[index_].name;
    const LogField fields[] = {{"PLUGIN", name}, {"ACTION", action}};
    call_.journal_.send(Priority::notice, journal_event::audit,
                        "audit: " + name + " would " + std::string(what), fields);
  }
  FileSinks& file_sinks() override { return call_.file_sinks_; }

 private:
  Call& call_;
  std::size_t index_;
};

Call::Call(CallInfo info, std::vector<ChainPlugin> plugins, Journal& journal, SharedState& state)
    : info_(std::move(info)), plugins_(std::move(plugins)), journal_(journal), state_(state) {
  for (std::size_t i = 0; i < plugins_.size(); ++i)
    handles_.push_back(std::make_unique<PluginHandle>(*this, i));
}

Call::~Call() {
  // Flows refer to plugins and descriptors: they go first.
  for (auto& direction : flows_) direction.clear();
  if (source_input_flags_ >= 0) ::fcntl(source_.input_fd, F_SETFL, source_input_flags_);
  if (source_output_flags_ >= 0) ::fcntl(source_.output_fd, F_SETFL, source_output_flags_);
}

void Call::end_call(CallOutcome outcome, std::string reason) {
  if (aborted_) return;
  aborted_ = true;
  end_outcome_ = outcome;
  end_reason_ = std::move(reason);
}

Flow* Call::place_of(std::size_t index, Direction direction, std::size_t& stage) {
  if (!flows_built_) return nullptr;
  const auto& place = places_[index_of(direction)][index];
  if (!place) return nullptr;  // the plugin runs a filter program there
  stage = place->stage;
  return flows(direction)[place->flow].get();
}

void Call::plugin_abort(std::size_t index, std::string_view reason) {
  if (aborted_) return;
  end_call(CallOutcome::aborted, std::string(reason));
  end_plugin_ = plugins_[index].name;
}

void Call::plugin_cut(std::size_t index, Direction direction) {
  std::size_t stage = 0;
  if (Flow* f = place_of(index, direction, stage))
    f->cut(stage);
  else if (!flows_built_)
    early_requests_.push_back({index, direction, EarlyRequest::Kind::cut});
}

void Call::plugin_wake(std::size_t index, Direction direction) {
  std::size_t stage = 0;
  if (Flow* f = place_of(index, direction, stage)) f->wake();
}

void Call::plugin_pause(std::size_t index, Direction direction, bool paused) {
  std::size_t stage = 0;
  if (Flow* f = place_of(index, direction, stage)) {
    f->pause_input(stage, paused);
  } else if (flows_built_) {
    return;
  } else if (paused) {
    early_requests_.push_back({index, direction, EarlyRequest::Kind::pause});
  } else {
    std::erase_if(early_requests_, [&](const EarlyRequest& request) {
      return request.plugin == index && request.direction == direction &&
             request.kind == EarlyRequest::Kind::pause;
    });
  }
}

void Call::apply_early_requests() {
  for (const auto& request : early_requests_) {
    if (request.kind == EarlyRequest::Kind::cut)
      plugin_cut(request.plugin, request.direction);
    else
      plugin_pause(request.plugin, request.direction, true);
  }
  early_requests_.clear();
}

void Call::plugin_notify_drained(std::size_t index, Direction direction) {
  std::size_t stage = 0;
  if (Flow* f = place_of(index, direction, stage)) f->notify_when_drained(stage);
}

bool Call::admit(CallResult& result) {
  for (std::size_t i = 0; i < plugins_.size(); ++i) {
    const Admission admission = plugins_[i].plugin->on_start(*handles_[i]);
    if (aborted_) {
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
    return false;
  }
  return true;
}

std::unique_ptr<ByteFifo> Call::make_fifo(Direction direction,
                                          const std::vector<std::size_t>& plugins, int input_fd,
                                          int output_fd) {
  bool in_memory = !splice_capable(input_fd) || !splice_capable(output_fd);
  std::size_t hold = 0;
  for (const std::size_t plugin : plugins) {
    const DataNeeds needs = plugins_[plugin].plugin->needs(direction);
    // A plugin that holds bytes waits for a number of them, and only memory
    // can promise room for that many: a pipe counts slots, not bytes, and may
    // be full with far fewer bytes than its size when they came in small writes.
    in_memory |= needs.reads_bytes || needs.drops_bytes || needs.hold_bytes > 0;
    // Holders in a row each hold their own bytes at once (the first one
    // collecting while the next still waits for more): room for them all,
    // or the chain stalls with a full fifo and no holder satisfied.
    hold = hold_sum(hold, needs.hold_bytes);
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
  if (auto ring = RingFifo::create(std::max(kRingCapacity, hold)))
    return std::make_unique<RingFifo>(std::move(*ring));
  return nullptr;
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

bool Call::watch(int fd, std::uint32_t events, std::uint64_t key) {
  epoll_event event{};
  event.events = events;
  event.data.u64 = key;
  if (::epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, fd, &event) == 0) return true;
  if (errno != EPERM) return false;
  // Regular files cannot be polled: they are always ready.
  Flow& f = *flows(direction_of(key))[index_of_key(key)];
  if (kind_of(key) == EventKind::flow_input) f.set_input_ready();
  if (kind_of(key) == EventKind::flow_output) f.set_output_ready();
  return true;
}

// One direction: its filter programs (children) and its flows.
bool Call::build_direction(Direction direction, const std::vector<std::string>& environment,
                           std::string& error) {
  const FlowPlan plan = plan_flows(plugins_.size(), direction, [&](std::size_t plugin) {
    return plugins_[plugin].plugin->filter_program(direction) != nullptr;
  });
  const std::size_t first_filter = children_.size();
  for (std::size_t position = 0; position < plan.filters.size(); ++position) {
    const std::size_t plugin = plan.filters[position];
    std::vector<std::string> filter_environment = environment;
    filter_environment.push_back("QREXEC_PROXY_CALL_CHAIN=" + info_.chain);
    filter_environment.push_back("QREXEC_PROXY_CALL_SOURCE=" + info_.source);
    filter_environment.push_back("QREXEC_PROXY_CALL_TARGET=" + info_.target);
    filter_environment.push_back("QREXEC_PROXY_CALL_SERVICE=" + info_.service);
    filter_environment.push_back("QREXEC_PROXY_CALL_DIRECTION=" +
                                 std::string(to_string(direction)));
    const std::vector<std::string>& argv = *plugins_[plugin].plugin->filter_program(direction);
    auto spawned = Destination::spawn(argv, filter_environment);
    if (!spawned.destination) {
      error = plugins_[plugin].name + ": cannot start " + escape_for_log(argv.front()) + ": " +
              errno_text(spawned.error_number);
      return false;
    }
    // Segment position + 1 reads what this program writes.
    children_.push_back({std::move(*spawned.destination), plugin, direction, position + 1, {}});
  }

  const std::size_t d = index_of(direction);
  const std::size_t last = plan.segments.size() - 1;
  Destination& destination = children_.front().process;
  places_[d].assign(plugins_.size(), std::nullopt);
  for (std::size_t k = 0; k <= last; ++k) {
    // Children are stable from here on: their descriptors and indices too.
    const std::size_t input_child = first_filter + k - 1;
    const std::size_t output_child = first_filter + k;
    const int input_fd = k > 0 ? children_[input_child].process.stdout_fd()
                         : direction == Direction::src2dst ? source_.input_fd
                                                           : destination.stdout_fd();
    const int output_fd = k < last ? children_[output_child].process.stdin_fd()
                          : direction == Direction::src2dst ? destination.stdin_fd()
                                                            : source_.output_fd;
    std::function<void()> close_output;
    if (k < last)
      close_output = [this, output_child] { children_[output_child].process.close_stdin(); };
    else if (direction == Direction::src2dst)
      close_output = [this] { children_.front().process.close_stdin(); };
    else
      close_output = [this] { close_source_output(); };

    std::vector<FlowStage> stages;
    for (const std::size_t plugin : plan.segments[k]) {
      places_[d][plugin] = StagePlace{k, stages.size()};
      stages.push_back({plugins_[plugin].plugin.get(), handles_[plugin].get(),
                        plugins_[plugin].plugin->needs(direction).reads_bytes,
                        plugins_[plugin].audit});
    }
    auto fifo = make_fifo(direction, plan.segments[k], input_fd, output_fd);
    if (!fifo) {
      error = "cannot allocate buffers: " + errno_text(errno);
      return false;
    }
    flows_[d].push_back(std::make_unique<Flow>(direction, std::move(fifo), std::move(stages),
                                               input_fd, output_fd, std::move(close_output)));
  }
  return true;
}

bool Call::start(SourceEndpoint source, const std::vector<std::string>& argv,
                 const std::vector<std::string>& environment, int signal_fd,
                 const LockDown& lock_down, CallResult& result) {
  auto fail = [&](std::string reason) {
    result.outcome = CallOutcome::failed;
    result.reason = std::move(reason);
    return false;
  };
  source_ = source;
  signal_fd_ = signal_fd;
  epoll_.reset(::epoll_create1(EPOLL_CLOEXEC));
  if (!epoll_) return fail("epoll_create1: " + errno_text(errno));

  // The destination first: children_[0]. Children never move after the
  // flows are built (they hold their descriptors), so reserve room for all.
  std::size_t filters = 0;
  for (const auto& entry : plugins_)
    for (const Direction direction : kBothDirections)
      filters += entry.plugin->filter_program(direction) != nullptr ? 1 : 0;
  children_.reserve(1 + filters);
  auto spawned = Destination::spawn(argv, environment);
  if (!spawned.destination)
    return fail("cannot start " + escape_for_log(argv.front()) + ": " +
                errno_text(spawned.error_number));
  children_.push_back({std::move(*spawned.destination), std::nullopt, Direction::src2dst, 0, {}});

  source_input_flags_ = make_nonblocking(source.input_fd);
  source_output_flags_ = make_nonblocking(source.output_fd);
  source_output_is_socket_ = is_socket(source.output_fd);
  if (!source_output_is_socket_) {
    null_output_.reset(::open("/dev/null", O_WRONLY | O_CLOEXEC));
    if (!null_output_) return fail("cannot open /dev/null: " + errno_text(errno));
  }

  std::string error;
  for (const Direction direction : kBothDirections)
    if (!build_direction(direction, environment, error)) return fail(error);
  flows_built_ = true;
  apply_early_requests();

  const std::uint32_t edge = EPOLLET;
  for (const Direction direction : kBothDirections) {
    const std::size_t d = index_of(direction);
    for (std::size_t k = 0; k < flows_[d].size(); ++k) {
      const Flow& f = *flows_[d][k];
      if (!watch(f.input_fd(), EPOLLIN | EPOLLRDHUP | edge,
                 event_key(EventKind::flow_input, d, k)) ||
          !watch(f.output_fd(), EPOLLOUT | edge, event_key(EventKind::flow_output, d, k)))
        return fail("epoll_ctl: " + errno_text(errno));
    }
  }
  for (std::size_t i = 0; i < children_.size(); ++i) {
    if (!watch(children_[i].process.stderr_fd(), EPOLLIN | edge,
               event_key(EventKind::child_stderr, 0, i)) ||
        !watch(children_[i].process.pidfd(), EPOLLIN, event_key(EventKind::child_exit, 0, i)))
      return fail("epoll_ctl: " + errno_text(errno));
  }
  if (signal_fd >= 0 && !watch(signal_fd, EPOLLIN, event_key(EventKind::signals)))
    return fail("epoll_ctl: " + errno_text(errno));
  if (lock_down) {
    std::vector<pid_t> pids;
    for (const auto& child : children_) pids.push_back(child.process.pid());
    if (std::string why = lock_down(pids); !why.empty())
      return fail("cannot lock the process down: " + why);
  }
  return true;
}

void Call::read_child_stderr(std::size_t index, bool flush) {
  Child& child = children_[index];
  if (child.process.stderr_fd() < 0) return;
  std::array<char, 4096> chunk;
  auto emit = [&](std::string_view line) {
    const std::string safe = escape_for_log(line, kMaxStderrLine);
    if (!child.plugin) {
      journal_.send(Priority::warning, journal_event::destination_stderr, "destination: " + safe);
      return;
    }
    const std::string& name = plugins_[*child.plugin].name;
    const std::string direction(to_string(child.direction));
    const LogField fields[] = {{"PLUGIN", name}, {"DIRECTION", direction}};
    journal_.send(Priority::warning, journal_event::plugin,
                  name + " " + direction + " program: " + safe, fields);
  };
  while (true) {
    const ssize_t got = ::read(child.process.stderr_fd(), chunk.data(), chunk.size());
    if (got > 0) {
      for (const char c : std::string_view(chunk.data(), static_cast<std::size_t>(got))) {
        if (c == '\n') {
          emit(child.stderr_line);
          child.stderr_line.clear();
        } else if (child.stderr_line.size() < kMaxStderrLine) {
          child.stderr_line.push_back(c);
        }
      }
      continue;
    }
    if (got < 0 && (errno == EAGAIN || errno == EINTR) && !flush) return;
    // End of file, an error, or a final flush: nothing more will come.
    if (!child.stderr_line.empty()) emit(child.stderr_line);
    child.stderr_line.clear();
    if (got == 0 || (got < 0 && errno != EAGAIN && errno != EINTR)) child.process.close_stderr();
    return;
  }
}

void Call::child_exited(std::size_t index) {
  Child& child = children_[index];
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

void Call::dispatch(std::uint64_t key, std::uint32_t events) {
  switch (kind_of(key)) {
    case EventKind::flow_input:
      flows(direction_of(key))[index_of_key(key)]->set_input_ready();
      break;
    case EventKind::flow_output: {
      auto& direction_flows = flows(direction_of(key));
      Flow& f = *direction_flows[index_of_key(key)];
      const bool writes_to_source = direction_of(key) == Direction::dst2src &&
                                    index_of_key(key) + 1 == direction_flows.size();
      // The caller's end is closed while it still had bytes to receive.
      if (writes_to_source && (events & (EPOLLERR | EPOLLHUP)) && !f.output_done())
        end_call(CallOutcome::source_gone, "the caller closed the connection");
      f.set_output_ready();
      break;
    }
    case EventKind::child_stderr:
      read_child_stderr(index_of_key(key), false);
      break;
    case EventKind::child_exit:
      child_exited(index_of_key(key));
      break;
    case EventKind::signals: {
      signalfd_siginfo info{};
      if (::read(signal_fd_, &info, sizeof info) == sizeof info)
        end_call(CallOutcome::terminated,
                 std::string("received ") + ::sigabbrev_np(static_cast<int>(info.ssi_signo)));
      break;
    }
  }
}

void Call::fire_due_timers() {
  const auto now = Clock::now();
  while (!aborted_) {
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
          if (direction == Direction::dst2src && k + 1 == direction_flows.size())
            end_call(CallOutcome::source_gone, "the caller closed the connection");
          break;
        case FlowFault::read_error:
        case FlowFault::write_error:
          end_call(CallOutcome::failed,
                   std::string(to_string(direction)) +
                       (f.fault() == FlowFault::read_error ? " read: " : " write: ") +
                       errno_text(f.fault_errno()));
          break;
        case FlowFault::plugin_error:
          end_call(CallOutcome::failed, std::string(to_string(direction)) +
                                            ": a plugin dropped bytes without declaring it");
          break;
      }
    }
  }
}

bool Call::done() const {
  const Flow& to_source = *flows(Direction::dst2src).back();
  // qrexec ends a call when the service has exited and its output is
  // delivered; what the caller still sends then has nowhere to go.
  if (!children_.front().process.exit_status() || !to_source.input_ended() ||
      !to_source.output_done())
    return false;
  // A filter program that has ended its output is waited for, so that its
  // exit status counts: a failure after its last byte still aborts the call.
  for (std::size_t i = 1; i < children_.size(); ++i) {
    const Child& child = children_[i];
    if (flows(child.direction)[child.reading_flow]->input_ended() && !child.process.exit_status())
      return false;
  }
  return true;
}

void Call::loop() {
  std::array<epoll_event, 16> events;
  while (!aborted_) {
    bool changed = true;
    while (changed && !aborted_) {
      changed = false;
      for (auto& direction_flows : flows_)
        for (auto& f : direction_flows) changed |= f->pump(aborted_);
      check_flows();
    }
    if (aborted_ || done()) return;
    int timeout_ms = -1;
    if (const auto deadline = timers_.next_deadline()) {
      const auto wait = *deadline - Clock::now();
      timeout_ms =
          wait <= Clock::duration::zero()
              ? 0
              : static_cast<int>(std::chrono::ceil<std::chrono::milliseconds>(wait).count());
    }
    const int count =
        ::epoll_wait(epoll_.get(), events.data(), static_cast<int>(events.size()), timeout_ms);
    if (count < 0) {
      if (errno == EINTR) continue;
      end_call(CallOutcome::failed, "epoll_wait: " + errno_text(errno));
      return;
    }
    for (int i = 0; i < count; ++i) dispatch(events[i].data.u64, events[i].events);
    fire_due_timers();
  }
}

// SIGTERM to the process group of every child not yet collected, one grace
// period for them all, then SIGKILL to whatever is left of each group
// (helpers that ignored SIGTERM or outlived their leader). Leaders are
// collected last: until then their pids, and so their groups' ids, cannot
// belong to anyone else.
void Call::stop_children(bool destination_too) {
  std::vector<Destination*> running;
  for (std::size_t i = destination_too ? 0 : 1; i < children_.size(); ++i)
    if (!children_[i].process.exit_status()) running.push_back(&children_[i].process);
  for (Destination* child : running) child->signal(SIGTERM);
  const auto deadline = Clock::now() + std::chrono::milliseconds(kTerminateGraceMs);
  for (Destination* child : running) {
    pollfd exited{child->pidfd(), POLLIN, 0};
    while (!child->has_exited()) {
      const auto left =
          std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now()).count();
      if (left <= 0) break;
      ::poll(&exited, 1, static_cast<int>(left));
    }
  }
  for (Destination* child : running) {
    child->signal(SIGKILL);
    child->wait();
  }
}

void Call::finish(CallResult& result) {
  for (auto& direction_flows : flows_)
    for (auto& f : direction_flows) f->stop();
  // A finished call needs its filter programs no more; an aborted one
  // needs nothing more.
  stop_children(aborted_);
  for (std::size_t i = 0; i < children_.size(); ++i) read_child_stderr(i, true);
  result.destination_status = children_.front().process.exit_status();
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
                     const LockDown& lock_down) {
  started_ = Clock::now();
  CallResult result;
  if (admit(result) && start(source, argv, environment, signal_fd, lock_down, result)) {
    loop();
    finish(result);
  } else if (!children_.empty()) {
    aborted_ = true;
    stop_children(true);
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
  return result;
}

}  // namespace qrexec_proxy
