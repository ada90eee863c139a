// A child process of a call: the destination (qrexec-client-vm DST
// SERVICE, or any command for local runs) or a filter program of the exec
// plugin, with pipes for stdin, stdout and stderr. Its stdin and stdout
// carry the call's bytes; its stderr is read by the engine and sent to the
// journal, never to the caller.
#pragma once

#include "io/unique_fd.hpp"

#include <optional>
#include <string>
#include <vector>

#include <sys/types.h>

namespace qrexec_proxy {

struct ChildSpawn;

class ChildProcess {
 public:
  // Starts `argv[0]` (an absolute path) with `argv` in its own process
  // group, default signal dispositions, an empty signal mask, and only
  // descriptors 0-2 open. `environment` replaces ours.
  static ChildSpawn spawn(const std::vector<std::string>& argv,
                          const std::vector<std::string>& environment);

  ChildProcess(ChildProcess&& other) noexcept;
  ChildProcess& operator=(ChildProcess&&) = delete;
  ~ChildProcess();

  // Our ends, non-blocking: we write its stdin, read its stdout and stderr.
  int stdin_fd() const { return stdin_.get(); }
  int stdout_fd() const { return stdout_.get(); }
  int stderr_fd() const { return stderr_.get(); }
  // Readable when the child has exited.
  int pidfd() const { return pidfd_.get(); }
  pid_t pid() const { return pid_; }

  void close_stdin() { stdin_.reset(); }
  void close_stdout() { stdout_.reset(); }
  void close_stderr() { stderr_.reset(); }

  // Collects the exit status if the child has exited; true once it has.
  bool reap();
  // True once the child has exited, without collecting it: until it is
  // collected its pid, and so its process group id, cannot be reused.
  bool has_exited() const;
  // Waits for the child to exit and collects its status.
  void wait();
  // 0-255 as a shell reports it: the exit code, or 128+N for signal N.
  std::optional<int> exit_status() const { return exit_status_; }
  // Signals the child's whole process group.
  void signal(int signal_number) const;

 private:
  ChildProcess() = default;
  pid_t pid_ = -1;
  UniqueFd pidfd_;
  UniqueFd stdin_;
  UniqueFd stdout_;
  UniqueFd stderr_;
  std::optional<int> exit_status_;
};

struct ChildSpawn {
  std::optional<ChildProcess> child;
  int error_number = 0;  // why posix_spawn failed
};

}  // namespace qrexec_proxy
