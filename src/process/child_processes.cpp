#include "process/child_processes.hpp"

#include <array>
#include <cerrno>
#include <chrono>
#include <csignal>

#include <poll.h>
#include <unistd.h>

namespace qrexec_proxy {
namespace {

// How long children get to exit after SIGTERM before SIGKILL.
constexpr std::chrono::milliseconds kTerminateGrace{2000};
// The longest stderr line kept; the rest of a line is left out.
constexpr std::size_t kMaxStderrLine = 1024;

}  // namespace

int ChildProcesses::start_destination(const std::vector<std::string>& argv,
                                      const std::vector<std::string>& environment) {
  auto spawned = ChildProcess::spawn(argv, environment);
  if (!spawned.child) return spawned.error_number;
  children_.push_back({std::move(*spawned.child), std::nullopt, Direction::src2dst, 0,
                       StderrLines(kMaxStderrLine)});
  return 0;
}

int ChildProcesses::start_filter(std::size_t plugin, Direction direction, std::size_t reading_flow,
                                 const std::vector<std::string>& argv,
                                 const std::vector<std::string>& environment) {
  auto spawned = ChildProcess::spawn(argv, environment);
  if (!spawned.child) return spawned.error_number;
  children_.push_back(
      {std::move(*spawned.child), plugin, direction, reading_flow, StderrLines(kMaxStderrLine)});
  return 0;
}

std::vector<pid_t> ChildProcesses::pids() const {
  std::vector<pid_t> pids;
  for (const auto& child : children_) pids.push_back(child.process.pid());
  return pids;
}

void ChildProcesses::read_stderr(std::size_t index, bool finish, const StderrSink& sink) {
  Child& child = children_[index];
  if (child.process.stderr_fd() < 0) return;
  const auto to_sink = [&](std::string_view safe_line, std::size_t cut_bytes) {
    sink(child, safe_line, cut_bytes);
  };
  std::array<char, 4096> chunk;
  while (true) {
    const ssize_t got = ::read(child.process.stderr_fd(), chunk.data(), chunk.size());
    if (got > 0) {
      child.stderr_lines.feed(std::string_view(chunk.data(), static_cast<std::size_t>(got)),
                              to_sink);
      continue;
    }
    if (got < 0 && (errno == EAGAIN || errno == EINTR) && !finish) return;
    // End of file, an error, or the end of the call: nothing more will come.
    child.stderr_lines.finish(to_sink);
    if (got == 0 || (got < 0 && errno != EAGAIN && errno != EINTR)) child.process.close_stderr();
    return;
  }
}

// Leaders are collected last: until then their pids, and so their groups'
// ids, cannot belong to anyone else.
void ChildProcesses::stop(bool destination_too) {
  std::vector<ChildProcess*> running;
  for (std::size_t i = destination_too ? 0 : 1; i < children_.size(); ++i)
    if (!children_[i].process.exit_status()) running.push_back(&children_[i].process);
  for (ChildProcess* child : running) child->signal(SIGTERM);
  const auto deadline = std::chrono::steady_clock::now() + kTerminateGrace;
  for (ChildProcess* child : running) {
    pollfd exited{child->pidfd(), POLLIN, 0};
    while (!child->has_exited()) {
      const auto left =
          std::chrono::ceil<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now())
              .count();
      if (left <= 0) break;
      ::poll(&exited, 1, static_cast<int>(left));
    }
  }
  for (ChildProcess* child : running) {
    child->signal(SIGKILL);
    child->wait();
  }
}

}  // namespace qrexec_proxy
