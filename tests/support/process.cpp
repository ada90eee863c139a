#include "support/process.hpp"

#include <cerrno>
#include <csignal>
#include <cstring>
#include <stdexcept>

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace qrexec_proxy::test {
namespace {

void make_channel(bool sockets, int fds[2]) {
  const int ok =
      sockets ? ::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) : ::pipe2(fds, O_CLOEXEC);
  if (ok != 0) throw std::runtime_error("cannot create a channel");
}

}  // namespace

std::vector<std::string> environment_with(const std::vector<std::string>& overrides) {
  std::vector<std::string> result;
  for (char** entry = environ; *entry != nullptr; ++entry) {
    const std::string text = *entry;
    const std::string name = text.substr(0, text.find('='));
    bool replaced = false;
    for (const auto& override_entry : overrides)
      replaced |= override_entry.substr(0, override_entry.find('=')) == name;
    if (!replaced) result.push_back(text);
  }
  result.insert(result.end(), overrides.begin(), overrides.end());
  return result;
}

void set_entries(std::vector<std::string>& environment, const std::vector<std::string>& entries) {
  for (const auto& entry : entries) {
    const std::string name = entry.substr(0, entry.find('=') + 1);
    std::erase_if(environment,
                  [&](const std::string& existing) { return existing.starts_with(name); });
    environment.push_back(entry);
  }
}

ProcessResult run_process(const std::vector<std::string>& argv, const ProcessOptions& options) {
  ::signal(SIGPIPE, SIG_IGN);  // a child that stops reading must not kill the test
  // The child writes to its stdout channel end 1; for socketpairs both ends
  // work both ways, and the child only ever uses its own end.
  int in[2], out[2], err[2];
  make_channel(options.sockets, in);
  make_channel(options.sockets, out);
  make_channel(options.sockets, err);
  const int child_in = options.sockets ? in[1] : in[0];
  const int parent_in = options.sockets ? in[0] : in[1];

  posix_spawn_file_actions_t actions;
  ::posix_spawn_file_actions_init(&actions);
  ::posix_spawn_file_actions_adddup2(&actions, child_in, 0);
  ::posix_spawn_file_actions_adddup2(&actions, out[1], 1);
  ::posix_spawn_file_actions_adddup2(&actions, err[1], 2);
  posix_spawnattr_t attributes;
  ::posix_spawnattr_init(&attributes);
  sigset_t defaults;
  sigfillset(&defaults);
  ::posix_spawnattr_setsigdefault(&attributes, &defaults);
  sigset_t none;
  sigemptyset(&none);
  ::posix_spawnattr_setsigmask(&attributes, &none);
  ::posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);

  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  std::vector<char*> env;
  for (const auto& e : options.environment) env.push_back(const_cast<char*>(e.c_str()));
  env.push_back(nullptr);

  const auto started = std::chrono::steady_clock::now();
  pid_t pid = -1;
  const int spawn_error = ::posix_spawn(&pid, args[0], &actions, &attributes, args.data(),
                                        options.environment.empty() ? environ : env.data());
  ::posix_spawn_file_actions_destroy(&actions);
  ::posix_spawnattr_destroy(&attributes);
  ::close(child_in);
  ::close(out[1]);
  ::close(err[1]);
  if (spawn_error != 0) {
    ::close(parent_in);
    ::close(out[0]);
    ::close(err[0]);
    throw std::runtime_error("cannot start " + argv[0] + ": " + std::strerror(spawn_error));
  }
  if (options.on_start) options.on_start(pid);

  for (const int fd : {parent_in, out[0], err[0]}) ::fcntl(fd, F_SETFL, O_NONBLOCK);
  ProcessResult result;
  int input_fd = parent_in;
  std::size_t written = 0;
  int out_fd = out[0];
  int err_fd = err[0];
  char buffer[65536];
  auto close_input = [&] {
    if (input_fd < 0) return;
    if (options.sockets)
      ::shutdown(input_fd, SHUT_WR);
    else {
      ::close(input_fd);
      input_fd = -1;
    }
  };
  bool input_closed = false;
  // Keep feeding stdin even after stdout and stderr closed: a one-way call
  // closes them early and still reads everything.
  auto input_pending = [&] {
    return input_fd >= 0 && !input_closed &&
           (written < options.input.size() || !options.keep_stdin_open);
  };
  int status = 0;
  bool exited = false;
  while (out_fd >= 0 || err_fd >= 0 || input_pending()) {
    if (out_fd < 0 && err_fd < 0 && ::waitpid(pid, &status, WNOHANG) == pid) {
      exited = true;  // nobody is left to read the rest of the input
      break;
    }
    const auto now = std::chrono::steady_clock::now();
    if (now - started > options.timeout) {
      ::kill(pid, SIGKILL);
      result.timed_out = true;
      break;
    }
    const bool input_due = now - started >= options.input_delay;
    if (input_due && !input_closed && written == options.input.size() && !options.keep_stdin_open) {
      close_input();
      input_closed = true;
    }
    pollfd fds[3];
    int count = 0;
    if (out_fd >= 0) fds[count++] = {out_fd, POLLIN, 0};
    if (err_fd >= 0) fds[count++] = {err_fd, POLLIN, 0};
    const bool writing =
        input_due && !input_closed && input_fd >= 0 && written < options.input.size();
    if (writing) fds[count++] = {input_fd, POLLOUT, 0};
    ::poll(fds, static_cast<nfds_t>(count), 20);
    for (int i = 0; i < count; ++i) {
      if (fds[i].revents == 0) continue;
      if (fds[i].fd == input_fd) {
        const ssize_t put = ::write(input_fd, options.input.data() + written,
                                    std::min<std::size_t>(options.input.size() - written, 1 << 20));
        if (put > 0)
          written += static_cast<std::size_t>(put);
        else if (put < 0 && errno != EAGAIN) {
          written = options.input.size();  // the reader is gone
          close_input();
          input_closed = true;
        }
        continue;
      }
      std::string& sink = fds[i].fd == out_fd ? result.out : result.err;
      const ssize_t got = ::read(fds[i].fd, buffer, sizeof buffer);
      if (got > 0) {
        sink.append(buffer, static_cast<std::size_t>(got));
      } else if (got == 0 || errno != EAGAIN) {
        if (fds[i].fd == out_fd) {
          ::close(out_fd);
          out_fd = -1;
        } else {
          ::close(err_fd);
          err_fd = -1;
        }
      }
    }
  }
  if (input_fd >= 0) ::close(input_fd);
  if (out_fd >= 0) ::close(out_fd);
  if (err_fd >= 0) ::close(err_fd);
  while (!exited && ::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  result.exit_status = WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
  result.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - started);
  return result;
}

}  // namespace qrexec_proxy::test
