#include "core/call.hpp"

#include "core/call_request.hpp"
#include "core/exit_status.hpp"
#include "core/in_place_fifo.hpp"
#include "core/pipe_fifo.hpp"
#include "core/ring_fifo.hpp"

#include <algorithm>
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

// Sizes of the data path. A pipe of 1 MiB lets one splice() move a lot;
// the kernel may grant less (per-user pipe limits), which only costs speed.
constexpr std::size_t kPipeCapacity = 1024 * 1024;
// In-memory buffer for plugins that read bytes, unless one needs more.
constexpr std::size_t kRingCapacity = 256 * 1024;
// How long a destination gets to exit after SIGTERM before SIGKILL.
constexpr int kTerminateGraceMs = 2000;
constexpr std::size_t kMaxStderrLine = 1024;

enum EventKey : std::uint64_t {
  source_input = 1,
  source_output,
  destination_input,
  destination_output,
  destination_stderr,
  destination_exit,
  signals,
};

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
  flows_[0].reset();
  flows_[1].reset();
  if (source_input_flags_ >= 0) ::fcntl(source_.input_fd, F_SETFL, source_input_flags_);
  if (source_output_flags_ >= 0) ::fcntl(source_.output_fd, F_SETFL, source_output_flags_);
}

std::size_t Call::stage_of(std::size_t index, Direction direction) const {
  // dst2src bytes meet the chain's plugins last to first.
  return direction == Direction::src2dst ? index : plugins_.size() - 1 - index;
}

void Call::plugin_abort(std::size_t index, std::string_view reason) {
  if (aborted_) return;
  aborted_ = true;
  end_outcome_ = CallOutcome::aborted;
  end_reason_ = reason;
  end_plugin_ = plugins_[index].name;
}

void Call::plugin_cut(std::size_t index, Direction direction) {
  if (Flow* f = flow(direction))
    f->cut(stage_of(index, direction));
  else
    early_requests_.push_back({index, direction, EarlyRequest::Kind::cut});
}

void Call::plugin_wake(std::size_t, Direction direction) {
  if (Flow* f = flow(direction)) f->wake();
}

void Call::plugin_pause(std::size_t index, Direction direction, bool paused) {
  if (Flow* f = flow(direction)) {
    f->pause_input(stage_of(index, direction), paused);
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
  if (Flow* f = flow(direction)) f->notify_when_drained(stage_of(index, direction));
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

std::unique_ptr<ByteFifo> Call::make_fifo(Direction direction, int input_fd, int output_fd) {
  bool in_memory = !splice_capable(input_fd) || !splice_capable(output_fd);
  std::size_t hold = 0;
  for (const auto& entry : plugins_) {
    const DataNeeds needs = entry.plugin->needs(direction);
    // A plugin that holds bytes waits for a number of them, and only memory
    // can promise room for that many: a pipe counts slots, not bytes, and may
    // be full with far fewer bytes than its size when they came in small writes.
    in_memory |= needs.reads_bytes || needs.drops_bytes || needs.hold_bytes > 0;
    hold = std::max(hold, needs.hold_bytes);
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

bool Call::watch(int fd, std::uint32_t events, std::uint64_t key) {
  epoll_event event{};
  event.events = events;
  event.data.u64 = key;
  if (::epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, fd, &event) == 0) return true;
  if (errno != EPERM) return false;
  // Regular files cannot be polled: they are always ready.
  if (key == source_input) flows_[index_of(Direction::src2dst)]->set_input_ready();
  if (key == source_output) flows_[index_of(Direction::dst2src)]->set_output_ready();
  return true;
}

bool Call::start(SourceEndpoint source, const std::vector<std::string>& argv,
                 const std::vector<std::string>& environment, int signal_fd, CallResult& result) {
  auto fail = [&](std::string reason) {
    result.outcome = CallOutcome::failed;
    result.reason = std::move(reason);
    return false;
  };
  source_ = source;
  signal_fd_ = signal_fd;
  epoll_.reset(::epoll_create1(EPOLL_CLOEXEC));
  if (!epoll_) return fail("epoll_create1: " + errno_text(errno));

  auto spawned = Destination::spawn(argv, environment);
  if (!spawned.destination)
    return fail("cannot start " + escape_for_log(argv.front()) + ": " +
                errno_text(spawned.error_number));
  destination_.emplace(std::move(*spawned.destination));

  source_input_flags_ = make_nonblocking(source.input_fd);
  source_output_flags_ = make_nonblocking(source.output_fd);
  source_output_is_socket_ = is_socket(source.output_fd);

  std::vector<FlowStage> forward, backward;
  for (std::size_t i = 0; i < plugins_.size(); ++i) {
    forward.push_back({plugins_[i].plugin.get(), handles_[i].get(),
                       plugins_[i].plugin->needs(Direction::src2dst).reads_bytes,
                       plugins_[i].audit});
  }
  for (std::size_t i = plugins_.size(); i-- > 0;) {
    backward.push_back({plugins_[i].plugin.get(), handles_[i].get(),
                        plugins_[i].plugin->needs(Direction::dst2src).reads_bytes,
                        plugins_[i].audit});
  }
  auto forward_fifo = make_fifo(Direction::src2dst, source.input_fd, destination_->stdin_fd());
  auto backward_fifo = make_fifo(Direction::dst2src, destination_->stdout_fd(), source.output_fd);
  if (!forward_fifo || !backward_fifo) return fail("cannot allocate buffers: " + errno_text(errno));

  flows_[index_of(Direction::src2dst)] = std::make_unique<Flow>(
      Direction::src2dst, std::move(forward_fifo), std::move(forward), source.input_fd,
      destination_->stdin_fd(), [this] { destination_->close_stdin(); });
  flows_[index_of(Direction::dst2src)] =
      std::make_unique<Flow>(Direction::dst2src, std::move(backward_fifo), std::move(backward),
                             destination_->stdout_fd(), source.output_fd, [this] {
                               if (source_output_is_socket_) {
                                 ::shutdown(source_.output_fd, SHUT_WR);
                               } else {
                                 // Keep the descriptor number taken so nothing else lands on it.
                                 const int null = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
                                 if (null >= 0) {
                                   ::dup2(null, source_.output_fd);
                                   ::close(null);
                                 }
                               }
                             });

  apply_early_requests();

  const std::uint32_t edge = EPOLLET;
  if (!watch(source.input_fd, EPOLLIN | EPOLLRDHUP | edge, source_input) ||
      !watch(source.output_fd, EPOLLOUT | edge, source_output) ||
      !watch(destination_->stdin_fd(), EPOLLOUT | edge, destination_input) ||
      !watch(destination_->stdout_fd(), EPOLLIN | edge, destination_output) ||
      !watch(destination_->stderr_fd(), EPOLLIN | edge, destination_stderr) ||
      !watch(destination_->pidfd(), EPOLLIN, destination_exit) ||
      (signal_fd >= 0 && !watch(signal_fd, EPOLLIN, signals)))
    return fail("epoll_ctl: " + errno_text(errno));
  return true;
}

void Call::read_destination_stderr(bool flush) {
  if (!destination_ || destination_->stderr_fd() < 0) return;
  std::array<char, 4096> chunk;
  auto emit = [this](std::string_view line) {
    const std::string safe = escape_for_log(line, kMaxStderrLine);
    journal_.send(Priority::warning, journal_event::destination_stderr, "destination: " + safe);
  };
  while (true) {
    const ssize_t got = ::read(destination_->stderr_fd(), chunk.data(), chunk.size());
    if (got > 0) {
      for (const char c : std::string_view(chunk.data(), static_cast<std::size_t>(got))) {
        if (c == '\n') {
          emit(stderr_line_);
          stderr_line_.clear();
        } else if (stderr_line_.size() < kMaxStderrLine) {
          stderr_line_.push_back(c);
        }
      }
      continue;
    }
    if (got < 0 && (errno == EAGAIN || errno == EINTR) && !flush) return;
    // End of file, an error, or a final flush: nothing more will come.
    if (!stderr_line_.empty()) emit(stderr_line_);
    stderr_line_.clear();
    if (got == 0 || (got < 0 && errno != EAGAIN && errno != EINTR)) destination_->close_stderr();
    return;
  }
}

void Call::dispatch(std::uint64_t key, std::uint32_t events) {
  Flow& forward = *flows_[index_of(Direction::src2dst)];
  Flow& backward = *flows_[index_of(Direction::dst2src)];
  switch (key) {
    case source_input:
      forward.set_input_ready();
      break;
    case source_output:
      if ((events & (EPOLLERR | EPOLLHUP)) && !backward.output_done()) {
        // The caller's end is closed while it still had bytes to receive.
        if (!aborted_) {
          aborted_ = true;
          end_outcome_ = CallOutcome::source_gone;
          end_reason_ = "the caller closed the connection";
        }
      }
      backward.set_output_ready();
      break;
    case destination_input:
      forward.set_output_ready();
      break;
    case destination_output:
      backward.set_input_ready();
      break;
    case destination_stderr:
      read_destination_stderr(false);
      break;
    case destination_exit:
      destination_->reap();
      break;
    case signals: {
      signalfd_siginfo info{};
      if (::read(signal_fd_, &info, sizeof info) == sizeof info && !aborted_) {
        aborted_ = true;
        end_outcome_ = CallOutcome::terminated;
        end_reason_ = std::string("received ") + ::sigabbrev_np(static_cast<int>(info.ssi_signo));
      }
      break;
    }
    default:
      break;
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
    Flow& f = *flow(direction);
    switch (f.fault()) {
      case FlowFault::none:
        break;
      case FlowFault::receiver_gone:
        if (direction == Direction::dst2src && !aborted_) {
          aborted_ = true;
          end_outcome_ = CallOutcome::source_gone;
          end_reason_ = "the caller closed the connection";
        }
        // src2dst: the destination stopped reading; what it did not take is
        // discarded, as qrexec does when a service closes its stdin.
        break;
      case FlowFault::read_error:
      case FlowFault::write_error:
        if (!aborted_) {
          aborted_ = true;
          end_outcome_ = CallOutcome::failed;
          end_reason_ = std::string(to_string(direction)) +
                        (f.fault() == FlowFault::read_error ? " read: " : " write: ") +
                        errno_text(f.fault_errno());
        }
        break;
      case FlowFault::plugin_error:
        if (!aborted_) {
          aborted_ = true;
          end_outcome_ = CallOutcome::failed;
          end_reason_ =
              std::string(to_string(direction)) + ": a plugin dropped bytes without declaring it";
        }
        break;
    }
  }
}

bool Call::done() const {
  const Flow& backward = *flows_[index_of(Direction::dst2src)];
  // qrexec ends a call when the service has exited and its output is
  // delivered; what the caller still sends then has nowhere to go.
  return destination_->exit_status().has_value() && backward.input_ended() &&
         backward.output_done();
}

void Call::loop() {
  std::array<epoll_event, 8> events;
  while (!aborted_) {
    bool changed = true;
    while (changed && !aborted_) {
      changed = false;
      for (auto& f : flows_) changed |= f->pump(aborted_);
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
      aborted_ = true;
      end_outcome_ = CallOutcome::failed;
      end_reason_ = "epoll_wait: " + errno_text(errno);
      return;
    }
    for (int i = 0; i < count; ++i) dispatch(events[i].data.u64, events[i].events);
    fire_due_timers();
  }
}

void Call::stop_destination() {
  if (!destination_ || destination_->reap()) return;
  destination_->signal(SIGTERM);
  pollfd exited{destination_->pidfd(), POLLIN, 0};
  const auto deadline = Clock::now() + std::chrono::milliseconds(kTerminateGraceMs);
  while (!destination_->reap()) {
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) break;
    ::poll(&exited, 1, static_cast<int>(left));
  }
  if (!destination_->reap()) {
    destination_->signal(SIGKILL);
    ::poll(&exited, 1, -1);
    destination_->reap();
  }
}

void Call::finish(CallResult& result) {
  for (auto& f : flows_)
    if (f) f->stop();
  if (aborted_) stop_destination();
  read_destination_stderr(true);
  if (destination_) result.destination_status = destination_->exit_status();
  if (flows_[0]) result.src2dst = flows_[0]->stats();
  if (flows_[1]) result.dst2src = flows_[1]->stats();
  result.outcome = end_outcome_;
  result.reason = end_reason_;
  result.plugin = end_plugin_;
}

CallResult Call::run(SourceEndpoint source, const std::vector<std::string>& argv,
                     const std::vector<std::string>& environment, int signal_fd) {
  started_ = Clock::now();
  CallResult result;
  if (admit(result) && start(source, argv, environment, signal_fd, result)) {
    loop();
    finish(result);
  } else if (destination_) {
    aborted_ = true;
    stop_destination();
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
