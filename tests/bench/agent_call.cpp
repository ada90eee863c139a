#include "agent_call.hpp"

#include "support/agent_spawn.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <csignal>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <memory>
#include <sstream>

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

namespace qrexec_proxy::bench {
namespace {

// LeakSanitizer stops an exiting process with ptrace to look for leaks,
// which it cannot while the benchmark traces it: in sanitizer builds
// (./run-tests runs the smoke test in one) no peak RSS is measured.
#ifdef QREXEC_PROXY_SANITIZE
constexpr bool kSanitizerBuild = true;
#else
constexpr bool kSanitizerBuild = false;
#endif

using Clock = std::chrono::steady_clock;

constexpr std::size_t kWriteChunk = 1024 * 1024;
constexpr std::size_t kReadChunk = 256 * 1024;
constexpr auto kRssSampleEvery = std::chrono::milliseconds(5);
// The first RSS sample waits until the service has started its work.
constexpr auto kFirstRssSample = std::chrono::milliseconds(100);

// The input of bulk calls: pseudo-random bytes that repeat only every
// kInputPeriod bytes, a period no power-of-two chunk of the stream lines up
// with. Real traffic is rarely more regular, and a short period would flatter
// sniff: journald stores a record's text once however often it recurs, and
// compresses regular text far faster.
constexpr std::size_t kInputPeriod = 1024 * 1024 + 4093;

// kInputPeriod bytes, followed by the first kWriteChunk of them again, so
// that a write may start anywhere in the period.
const std::vector<char>& input_pattern() {
  static const std::vector<char> pattern = [] {
    std::vector<char> bytes(kInputPeriod + kWriteChunk);
    std::uint64_t state = 0x9e3779b97f4a7c15ULL;
    for (std::size_t i = 0; i < kInputPeriod; ++i) {
      state ^= state << 13;  // xorshift64
      state ^= state >> 7;
      state ^= state << 17;
      bytes[i] = static_cast<char>(state >> 56);
    }
    std::copy_n(bytes.begin(), kWriteChunk, bytes.begin() + kInputPeriod);
    return bytes;
  }();
  return pattern;
}

// A "NAME:   VALUE kB" line of /proc/PID/status, or -1.
long status_kib(pid_t pid, std::string_view field) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.size() > field.size() && line.compare(0, field.size(), field) == 0 &&
        line[field.size()] == ':')
      return std::strtol(line.c_str() + field.size() + 1, nullptr, 10);
  }
  return -1;
}

// CPU time of one process (all its threads), in seconds, from the
// scheduler's nanosecond count; it stays readable while the process is a
// zombie, so this is its whole life.
double own_cpu_seconds(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/schedstat");
  unsigned long long nanoseconds = 0;
  if (!(in >> nanoseconds)) return -1;
  return static_cast<double>(nanoseconds) / 1e9;
}

double seconds_of(const timeval& value) {
  return static_cast<double>(value.tv_sec) + static_cast<double>(value.tv_usec) / 1e6;
}

void set_nonblocking(int fd) {
  ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
}

class ActiveCall {
 public:
  ActiveCall(const CallPlan& plan, CallRecord& record) : plan_(plan), record_(record) {}
  ~ActiveCall() {
    for (int* fd : {&input_, &output_, &errors_, &pidfd_})
      if (*fd >= 0) ::close(*fd);
  }
  ActiveCall(const ActiveCall&) = delete;
  ActiveCall& operator=(const ActiveCall&) = delete;

  bool start(const sigset_t& child_mask) {
    started_ = Clock::now();
    const test::AgentSpawn spawned =
        test::spawn_as_agent(plan_.argv, plan_.environment, child_mask);
    if (spawned.pid < 0) return fail(spawned.error);
    pid_ = spawned.pid;
    input_ = spawned.input;
    output_ = spawned.output;
    errors_ = spawned.errors;
    pidfd_ = static_cast<int>(::syscall(SYS_pidfd_open, pid_, 0));
    if (plan_.trace_exit) {
      if (kSanitizerBuild)
        record_.note = "no peak RSS: sanitizer build";
      else if (::ptrace(PTRACE_SEIZE, pid_, nullptr, PTRACE_O_TRACEEXIT) != 0)
        record_.note = std::string("no peak RSS: ptrace: ") + std::strerror(errno);
      else
        traced_ = true;
    }
    for (int fd : {input_, output_, errors_}) set_nonblocking(fd);
    input_started_ = Clock::now();
    if (plan_.input_bytes == 0 && input_text().empty()) finish_input();
    return true;
  }

  bool done() const { return reaped_ && output_ < 0 && errors_ < 0; }
  pid_t pid() const { return pid_; }

  // Adds this call's descriptors to `fds`; `owners` says which call and role.
  void add_polls(std::vector<pollfd>& fds, std::vector<std::pair<ActiveCall*, int>>& owners,
                 Clock::time_point now) {
    auto add = [&](int fd, short events, int role) {
      fds.push_back({fd, events, 0});
      owners.emplace_back(this, role);
    };
    if (input_ >= 0 && !input_done_) add(input_, POLLOUT, 0);
    if (output_ >= 0 && reading_allowed(now)) add(output_, POLLIN, 1);
    if (errors_ >= 0) add(errors_, POLLIN, 2);
    if (pidfd_ >= 0 && !reaped_) add(pidfd_, POLLIN, 3);
  }

  // How soon this call needs attention without any event (slow reading,
  // RSS sampling), or max() when never.
  Clock::time_point next_deadline() const {
    if (reaped_ || output_ < 0) return Clock::time_point::max();
    if (plan_.hold_output.count() == 0 && plan_.slow_read.count() == 0)
      return Clock::time_point::max();
    const auto hold_end = input_started_ + plan_.hold_output;
    const auto slow_end = hold_end + plan_.slow_read;
    if (Clock::now() >= slow_end) return Clock::time_point::max();
    const auto sample = std::max(next_sample_, input_started_ + kFirstRssSample);
    return std::min(sample, std::max(next_slow_read_, hold_end));
  }

  void on_event(int role, short revents) {
    switch (role) {
      case 0:
        write_input();
        break;
      case 1:
        read_output();
        break;
      case 2:
        read_errors();
        break;
      case 3:
        check_exit();
        break;
      default:
        break;
    }
    (void)revents;
  }

  // RSS sampling while the output is held back.
  void tick(Clock::time_point now) {
    if (reaped_) return;
    const auto slow_end = input_started_ + plan_.hold_output + plan_.slow_read;
    if (now < slow_end && now >= next_sample_ && now >= input_started_ + kFirstRssSample) {
      const long rss = status_kib(pid_, "VmRSS");
      if (record_.first_rss_kib < 0) record_.first_rss_kib = rss;
      record_.held_rss_kib = std::max(record_.held_rss_kib, rss);
      next_sample_ = now + kRssSampleEvery;
    }
  }

  // Ptrace stops and the exit; safe to call at any time.
  void check_exit() {
    if (reaped_ || pid_ < 0) return;
    while (true) {
      siginfo_t info{};
      if (::waitid(P_PID, static_cast<id_t>(pid_), &info, WEXITED | WNOHANG | WNOWAIT | __WALL) !=
              0 ||
          info.si_pid != pid_)
        return;
      if (info.si_code == CLD_TRAPPED || info.si_code == CLD_STOPPED) {
        int status = 0;
        if (::waitpid(pid_, &status, WNOHANG | __WALL) != pid_ || !WIFSTOPPED(status)) return;
        int deliver = 0;
        if (status >> 8 == (SIGTRAP | (PTRACE_EVENT_EXIT << 8))) {
          record_.peak_rss_kib = status_kib(pid_, "VmHWM");
        } else if (status >> 16 == 0) {
          deliver = WSTOPSIG(status);  // a signal on its way to the service
        }
        ::ptrace(PTRACE_CONT, pid_, nullptr, deliver);
        continue;
      }
      // Exited: a zombie, whose own CPU time can still be read.
      record_.service_cpu_seconds = own_cpu_seconds(pid_);
      int status = 0;
      rusage usage{};
      if (::wait4(pid_, &status, 0, &usage) != pid_) return;
      record_.tree_cpu_seconds = seconds_of(usage.ru_utime) + seconds_of(usage.ru_stime);
      record_.exit_status = WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
      reaped_ = true;
      if (pidfd_ >= 0) {
        ::close(pidfd_);
        pidfd_ = -1;
      }
      return;
    }
  }

  void kill_it() {
    if (reaped_ || pid_ < 0) return;
    record_.timed_out = true;
    ::kill(pid_, SIGKILL);
  }

  // Records the end, once: the first time the call is seen done.
  void finish(Clock::time_point now) {
    if (finished_) return;
    finished_ = true;
    record_.wall_seconds = std::chrono::duration<double>(now - started_).count();
  }

 private:
  bool fail(std::string what) {
    record_.failure = std::move(what);
    return false;
  }

  bool reading_allowed(Clock::time_point now) const {
    const auto hold_end = input_started_ + plan_.hold_output;
    if (now < hold_end) return false;
    if (now < hold_end + plan_.slow_read) return now >= next_slow_read_;
    return true;
  }

  const std::string& input_text() const {
    return plan_.shared_input ? *plan_.shared_input : plan_.input;
  }

  void finish_input() {
    input_done_ = true;
    if (input_ >= 0) ::shutdown(input_, SHUT_WR);
  }

  void write_input() {
    const std::string& text = input_text();
    const std::uint64_t total = plan_.input_bytes > 0 ? plan_.input_bytes : text.size();
    while (written_ < total) {
      const std::size_t count =
          static_cast<std::size_t>(std::min<std::uint64_t>(total - written_, kWriteChunk));
      const char* data = plan_.input_bytes > 0 ? input_pattern().data() + written_ % kInputPeriod
                                               : text.data() + written_;
      const ssize_t put = ::write(input_, data, count);
      if (put > 0) {
        written_ += static_cast<std::uint64_t>(put);
        continue;
      }
      if (put < 0 && (errno == EAGAIN || errno == EINTR)) return;
      break;  // the service stopped reading
    }
    finish_input();
  }

  void read_output() {
    static thread_local std::array<char, kReadChunk> buffer;
    const auto now = Clock::now();
    const bool slow = now < input_started_ + plan_.hold_output + plan_.slow_read;
    std::size_t budget = slow ? plan_.slow_read_chunk : SIZE_MAX;
    while (budget > 0) {
      const ssize_t got = ::read(output_, buffer.data(), std::min(buffer.size(), budget));
      if (got > 0) {
        record_.output_bytes += static_cast<std::uint64_t>(got);
        if (plan_.keep_output) record_.output.append(buffer.data(), static_cast<std::size_t>(got));
        if (slow) budget -= static_cast<std::size_t>(got);
        continue;
      }
      if (got < 0 && (errno == EAGAIN || errno == EINTR)) break;
      ::close(output_);
      output_ = -1;
      break;
    }
    if (slow) next_slow_read_ = now + std::chrono::milliseconds(1);
  }

  void read_errors() {
    std::array<char, 4096> buffer;
    while (true) {
      const ssize_t got = ::read(errors_, buffer.data(), buffer.size());
      if (got > 0) {
        if (record_.error_output.size() < 65536)
          record_.error_output.append(buffer.data(), static_cast<std::size_t>(got));
        continue;
      }
      if (got < 0 && (errno == EAGAIN || errno == EINTR)) return;
      ::close(errors_);
      errors_ = -1;
      return;
    }
  }

  const CallPlan& plan_;
  CallRecord& record_;
  pid_t pid_ = -1;
  int pidfd_ = -1;
  int input_ = -1;
  int output_ = -1;
  int errors_ = -1;
  bool traced_ = false;
  bool reaped_ = false;
  bool finished_ = false;
  bool input_done_ = false;
  std::uint64_t written_ = 0;
  Clock::time_point started_;
  Clock::time_point input_started_;
  Clock::time_point next_sample_{};
  Clock::time_point next_slow_read_{};
};

}  // namespace

std::vector<CallRecord> run_calls(const std::vector<CallPlan>& plans,
                                  std::chrono::milliseconds timeout) {
  ::signal(SIGPIPE, SIG_IGN);
  // Ptrace stops of traced services arrive as SIGCHLD: read them from a
  // signalfd so the service is never held longer than needed.
  sigset_t chld, previous;
  sigemptyset(&chld);
  sigaddset(&chld, SIGCHLD);
  ::sigprocmask(SIG_BLOCK, &chld, &previous);
  const int signals = ::signalfd(-1, &chld, SFD_CLOEXEC | SFD_NONBLOCK);
  sigset_t child_mask;
  sigemptyset(&child_mask);

  std::vector<CallRecord> records(plans.size());
  std::vector<std::unique_ptr<ActiveCall>> calls;
  calls.reserve(plans.size());
  for (std::size_t i = 0; i < plans.size(); ++i) {
    calls.push_back(std::make_unique<ActiveCall>(plans[i], records[i]));
    if (!calls.back()->start(child_mask)) calls.pop_back();
  }
  const auto deadline = Clock::now() + timeout;
  std::vector<pollfd> fds;
  std::vector<std::pair<ActiveCall*, int>> owners;
  bool killed = false;
  while (true) {
    const auto now = Clock::now();
    bool all_done = true;
    auto wake = Clock::time_point::max();
    fds.clear();
    owners.clear();
    for (auto& call : calls) {
      call->tick(now);
      if (call->done()) continue;
      all_done = false;
      call->add_polls(fds, owners, now);
      wake = std::min(wake, call->next_deadline());
    }
    if (all_done) break;
    if (now >= deadline && !killed) {
      for (auto& call : calls) call->kill_it();
      killed = true;
    }
    if (signals >= 0) {
      fds.push_back({signals, POLLIN, 0});
      owners.emplace_back(nullptr, -1);
    }
    auto wait = std::min(wake, killed ? now + std::chrono::milliseconds(100) : deadline) - now;
    const int wait_ms = static_cast<int>(
        std::clamp<long long>(std::chrono::ceil<std::chrono::milliseconds>(wait).count(), 0, 1000));
    const int ready = ::poll(fds.data(), fds.size(), wait_ms);
    if (ready < 0 && errno != EINTR) break;
    for (std::size_t i = 0; i < fds.size() && ready > 0; ++i) {
      if (fds[i].revents == 0) continue;
      if (owners[i].first == nullptr) {
        signalfd_siginfo info;
        while (::read(signals, &info, sizeof info) == sizeof info) {
        }
        for (auto& call : calls) call->check_exit();
        continue;
      }
      owners[i].first->on_event(owners[i].second, fds[i].revents);
    }
    const auto after = Clock::now();
    for (auto& call : calls)
      if (call->done()) call->finish(after);
  }
  if (signals >= 0) ::close(signals);
  ::sigprocmask(SIG_SETMASK, &previous, nullptr);
  return records;
}

CallRecord run_call(const CallPlan& plan, std::chrono::milliseconds timeout) {
  return run_calls({plan}, timeout).front();
}

}  // namespace qrexec_proxy::bench
