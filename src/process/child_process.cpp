#include "process/child_process.hpp"

#include <cerrno>
#include <csignal>
#include <cstring>
#include <utility>

#include <fcntl.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>

namespace qrexec_proxy {
namespace {

// The pipes that carry the call to and from the child. Large ones
// let the engine move many bytes with each splice() and wake up less often;
// the kernel may refuse the size (per-user pipe limits), which only costs
// speed.
constexpr int kCallPipeCapacity = 1024 * 1024;

struct PipeEnds {
  UniqueFd read;
  UniqueFd write;
};

bool make_pipe(PipeEnds& ends, int capacity = 0) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return false;
  ends.read.reset(fds[0]);
  ends.write.reset(fds[1]);
  if (capacity > 0) (void)::fcntl(fds[1], F_SETPIPE_SZ, capacity);
  return true;
}

// glibc 2.36 declares pidfd_open without C linkage for C++: call the kernel.
int open_pidfd(pid_t pid) {
  return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
}

bool set_nonblocking(int fd) {
  const int flags = ::fcntl(fd, F_GETFL);
  return flags >= 0 && ::fcntl(fd, F_SETFL, flags | O_NONBLOCK) == 0;
}

class SpawnAttributes {
 public:
  SpawnAttributes() {
    ::posix_spawnattr_init(&attr_);
    ::posix_spawn_file_actions_init(&actions_);
  }
  ~SpawnAttributes() {
    ::posix_spawnattr_destroy(&attr_);
    ::posix_spawn_file_actions_destroy(&actions_);
  }
  posix_spawnattr_t attr_;
  posix_spawn_file_actions_t actions_;
};

}  // namespace

ChildSpawn ChildProcess::spawn(const std::vector<std::string>& argv,
                               const std::vector<std::string>& environment) {
  ChildSpawn result;
  PipeEnds in, out, err;
  if (!make_pipe(in, kCallPipeCapacity) || !make_pipe(out, kCallPipeCapacity) || !make_pipe(err)) {
    result.error_number = errno;
    return result;
  }
  SpawnAttributes spawn;
  sigset_t all_signals, no_signals;
  sigfillset(&all_signals);
  sigemptyset(&no_signals);
  ::posix_spawnattr_setsigdefault(&spawn.attr_, &all_signals);
  ::posix_spawnattr_setsigmask(&spawn.attr_, &no_signals);
  ::posix_spawnattr_setpgroup(&spawn.attr_, 0);
  ::posix_spawnattr_setflags(
      &spawn.attr_, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETPGROUP);
  ::posix_spawn_file_actions_adddup2(&spawn.actions_, in.read.get(), 0);
  ::posix_spawn_file_actions_adddup2(&spawn.actions_, out.write.get(), 1);
  ::posix_spawn_file_actions_adddup2(&spawn.actions_, err.write.get(), 2);
  ::posix_spawn_file_actions_addclosefrom_np(&spawn.actions_, 3);

  std::vector<char*> arguments;
  for (const auto& argument : argv) arguments.push_back(const_cast<char*>(argument.c_str()));
  arguments.push_back(nullptr);
  std::vector<char*> variables;
  for (const auto& variable : environment) variables.push_back(const_cast<char*>(variable.c_str()));
  variables.push_back(nullptr);

  pid_t pid = -1;
  const int error = ::posix_spawn(&pid, arguments[0], &spawn.actions_, &spawn.attr_,
                                  arguments.data(), variables.data());
  if (error != 0) {
    result.error_number = error;
    return result;
  }
  ChildProcess child;
  child.pid_ = pid;
  child.pidfd_.reset(open_pidfd(pid));
  child.stdin_ = std::move(in.write);
  child.stdout_ = std::move(out.read);
  child.stderr_ = std::move(err.read);
  if (!child.pidfd_ || !set_nonblocking(child.stdin_fd()) || !set_nonblocking(child.stdout_fd()) ||
      !set_nonblocking(child.stderr_fd())) {
    result.error_number = errno;
    child.signal(SIGKILL);
    while (::waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
    }
    child.exit_status_ = 128 + SIGKILL;
    return result;
  }
  result.child.emplace(std::move(child));
  return result;
}

ChildProcess::ChildProcess(ChildProcess&& other) noexcept
    : pid_(std::exchange(other.pid_, -1)),
      pidfd_(std::move(other.pidfd_)),
      stdin_(std::move(other.stdin_)),
      stdout_(std::move(other.stdout_)),
      stderr_(std::move(other.stderr_)),
      exit_status_(other.exit_status_) {}

ChildProcess::~ChildProcess() {
  if (pid_ > 0 && !exit_status_) {
    // Never leave a child behind: an early return or a bug still ends it.
    signal(SIGKILL);
    while (::waitpid(pid_, nullptr, 0) < 0 && errno == EINTR) {
    }
  }
}

bool ChildProcess::reap() {
  if (exit_status_) return true;
  if (pid_ <= 0) return false;
  int status = 0;
  const pid_t got = ::waitpid(pid_, &status, WNOHANG);
  if (got != pid_) return false;
  if (WIFEXITED(status))
    exit_status_ = WEXITSTATUS(status);
  else if (WIFSIGNALED(status))
    exit_status_ = 128 + WTERMSIG(status);
  else
    return false;
  return true;
}

bool ChildProcess::has_exited() const {
  if (exit_status_) return true;
  if (pid_ <= 0) return false;
  siginfo_t info{};
  return ::waitid(P_PID, static_cast<id_t>(pid_), &info, WEXITED | WNOHANG | WNOWAIT) == 0 &&
         info.si_pid == pid_;
}

void ChildProcess::wait() {
  if (exit_status_ || pid_ <= 0) return;
  int status = 0;
  while (::waitpid(pid_, &status, 0) < 0)
    if (errno != EINTR) return;
  exit_status_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

void ChildProcess::signal(int signal_number) const {
  if (pid_ <= 0 || exit_status_) return;
  // The child leads its own group; its helpers go too.
  if (::kill(-pid_, signal_number) != 0) ::kill(pid_, signal_number);
}

}  // namespace qrexec_proxy
