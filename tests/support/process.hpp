// Runs a program with pipes on stdin, stdout and stderr, feeding and
// collecting all three at once so neither side can block the other.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <sys/types.h>

namespace qrexec_proxy::test {

struct ProcessResult {
  int exit_status = -1;  // as a shell reports it: code, or 128+N for signal N
  std::string out;
  std::string err;
  bool timed_out = false;
  std::chrono::milliseconds elapsed{0};
};

struct ProcessOptions {
  std::vector<std::string> environment;  // replaces ours when not empty
  std::string input;
  // Written after `input_delay`; stdin is closed after the input unless
  // keep_stdin_open.
  std::chrono::milliseconds input_delay{0};
  bool keep_stdin_open = false;
  std::chrono::milliseconds timeout{60000};  // killed after this
  // Use AF_UNIX socketpairs instead of pipes (as qrexec-agent does).
  bool sockets = false;
  // Called with the child's pid once it runs.
  std::function<void(pid_t)> on_start;
};

ProcessResult run_process(const std::vector<std::string>& argv, const ProcessOptions& options = {});

// Our environment as NAME=VALUE entries, with `overrides` replacing or
// adding entries.
std::vector<std::string> environment_with(const std::vector<std::string>& overrides);
// `environment` with each NAME=VALUE of `entries` replacing any entry of
// the same name.
void set_entries(std::vector<std::string>& environment, const std::vector<std::string>& entries);

}  // namespace qrexec_proxy::test
