// The installed service started the way qrexec-agent starts it (stdin,
// stdout and stderr on AF_UNIX socketpairs, the QREXEC_* environment),
// driven step by step: a test writes, stops reading, closes its ends,
// signals or watches the service at will. For calls run to completion in
// one go, Emulation::run_service_as_agent is simpler.
#pragma once

#include "support/emulation.hpp"
#include "support/eventually.hpp"

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <sys/types.h>

namespace qrexec_proxy::test {

class AgentCall {
 public:
  struct Options {
    // Entries added to (or replacing those of) the agent's environment.
    std::vector<std::string> environment;
    // Put before the service's path, e.g. {"/usr/bin/unshare", "-m", ...}.
    std::vector<std::string> wrapper;
    // Descriptors the service inherits: {ours, its number}. qrexec-agent
    // passes none, but a service must not rely on that.
    std::vector<std::pair<int, int>> inherited;
    bool pass_argv = true;    // the argument in argv[1], as qrexec does
    bool one_socket = false;  // stdin and stdout are one socket
  };

  AgentCall(const Emulation& emulation, const std::string& argument, Options options);
  AgentCall(const Emulation& emulation, const std::string& argument)
      : AgentCall(emulation, argument, Options{}) {}
  // Kills and collects the service if it still runs; closes our ends.
  ~AgentCall();
  AgentCall(const AgentCall&) = delete;
  AgentCall& operator=(const AgentCall&) = delete;

  pid_t pid() const { return pid_; }

  // Writes all of `bytes` to the service's stdin; false if it stopped
  // taking them within `timeout` or is gone.
  bool write(std::string_view bytes, std::chrono::milliseconds timeout = std::chrono::seconds(60));
  // End of stream for the service's stdin (the caller's EOF).
  void end_input();
  // The caller vanishes: every end of ours is closed.
  void close_all();

  // Reads the service's stdout, handing each piece to `sink`, until end of
  // stream; false if that did not come within `timeout`.
  bool read_output(const std::function<void(std::string_view)>& sink,
                   std::chrono::milliseconds timeout = std::chrono::seconds(60));
  // All of the service's stdout, up to end of stream.
  std::string read_output(std::chrono::milliseconds timeout = std::chrono::seconds(60));
  // Bytes the service has sent to its stdout that we have not read yet.
  std::size_t unread_output() const;
  // All of the service's stderr, up to end of stream (it should be none).
  std::string read_error(std::chrono::milliseconds timeout = std::chrono::seconds(60));

  // The exit status (128+N for signal N) once the service has exited, or
  // nothing if it still runs after `timeout`.
  std::optional<int> wait(std::chrono::milliseconds timeout);
  void signal(int signal_number) const;

 private:
  bool read_to_end(int fd, const std::function<void(std::string_view)>& sink,
                   std::chrono::milliseconds timeout);

  pid_t pid_ = -1;
  std::optional<int> exit_status_;
  int input_ = -1;   // its stdin
  int output_ = -1;  // its stdout
  int error_ = -1;   // its stderr
};

}  // namespace qrexec_proxy::test
