#include "support/agent_call.hpp"

#include "support/agent_spawn.hpp"

#include <cerrno>
#include <csignal>
#include <cstring>
#include <stdexcept>
#include <thread>

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

namespace qrexec_proxy::test {
namespace {

using Clock = std::chrono::steady_clock;

int remaining_ms(Clock::time_point deadline) {
  const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now()).count();
  return left <= 0 ? 0 : static_cast<int>(std::min<long long>(left, 1000));
}

void close_fd(int& fd) {
  if (fd >= 0) ::close(fd);
  fd = -1;
}

}  // namespace

AgentCall::AgentCall(const Emulation& emulation, const std::string& argument, Options options) {
  ::signal(SIGPIPE, SIG_IGN);
  std::vector<std::string> argv = options.wrapper;
  argv.push_back(installed_service().string());
  if (options.pass_argv && !argument.empty()) argv.push_back(argument);
  sigset_t none;
  sigemptyset(&none);
  const AgentSpawn spawned =
      spawn_as_agent(argv, emulation.agent_environment(argument, options.environment), none,
                     options.inherited, options.one_socket);
  if (spawned.pid < 0) throw std::runtime_error("cannot start the service: " + spawned.error);
  pid_ = spawned.pid;
  input_ = spawned.input;
  output_ = spawned.output;
  error_ = spawned.errors;
  for (const int fd : {input_, output_, error_}) ::fcntl(fd, F_SETFL, O_NONBLOCK);
}

AgentCall::~AgentCall() {
  if (pid_ > 0 && !exit_status_) {
    ::kill(pid_, SIGKILL);
    while (::waitpid(pid_, nullptr, 0) < 0 && errno == EINTR) {
    }
  }
  close_all();
}

bool AgentCall::write(std::string_view bytes, std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  while (!bytes.empty()) {
    if (input_ < 0) return false;
    const ssize_t put = ::write(input_, bytes.data(), bytes.size());
    if (put > 0) {
      bytes.remove_prefix(static_cast<std::size_t>(put));
      continue;
    }
    if (put < 0 && errno != EAGAIN && errno != EINTR) return false;
    if (Clock::now() >= deadline) return false;
    pollfd ready{input_, POLLOUT, 0};
    ::poll(&ready, 1, remaining_ms(deadline));
  }
  return true;
}

std::size_t AgentCall::unread_output() const {
  int queued = 0;
  if (output_ < 0 || ::ioctl(output_, FIONREAD, &queued) != 0 || queued < 0) return 0;
  return static_cast<std::size_t>(queued);
}

void AgentCall::end_input() {
  if (input_ >= 0) ::shutdown(input_, SHUT_WR);
}

void AgentCall::close_all() {
  close_fd(input_);
  close_fd(output_);
  close_fd(error_);
}

bool AgentCall::read_to_end(int fd, const std::function<void(std::string_view)>& sink,
                            std::chrono::milliseconds timeout) {
  if (fd < 0) return false;
  const auto deadline = Clock::now() + timeout;
  std::vector<char> buffer(1 << 20);
  while (true) {
    const ssize_t got = ::read(fd, buffer.data(), buffer.size());
    if (got > 0) {
      sink(std::string_view(buffer.data(), static_cast<std::size_t>(got)));
      continue;
    }
    if (got == 0) return true;
    if (errno != EAGAIN && errno != EINTR) return true;  // reset: nothing more will come
    if (Clock::now() >= deadline) return false;
    pollfd ready{fd, POLLIN, 0};
    ::poll(&ready, 1, remaining_ms(deadline));
  }
}

bool AgentCall::read_output(const std::function<void(std::string_view)>& sink,
                            std::chrono::milliseconds timeout) {
  return read_to_end(output_, sink, timeout);
}

std::string AgentCall::read_output(std::chrono::milliseconds timeout) {
  std::string out;
  read_to_end(
      output_, [&](std::string_view piece) { out.append(piece); }, timeout);
  return out;
}

std::string AgentCall::read_error(std::chrono::milliseconds timeout) {
  std::string err;
  read_to_end(
      error_, [&](std::string_view piece) { err.append(piece); }, timeout);
  return err;
}

std::optional<int> AgentCall::wait(std::chrono::milliseconds timeout) {
  if (exit_status_ || pid_ <= 0) return exit_status_;
  const auto deadline = Clock::now() + timeout;
  while (true) {
    int status = 0;
    const pid_t got = ::waitpid(pid_, &status, WNOHANG);
    if (got == pid_) {
      exit_status_ = WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
      return exit_status_;
    }
    if (got < 0 && errno != EINTR) return std::nullopt;
    if (Clock::now() >= deadline) return std::nullopt;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

void AgentCall::signal(int signal_number) const {
  if (pid_ > 0 && !exit_status_) ::kill(pid_, signal_number);
}

}  // namespace qrexec_proxy::test
