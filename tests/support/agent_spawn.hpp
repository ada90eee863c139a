// Starting a service the way qrexec-agent does: stdin, stdout and stderr
// on AF_UNIX socketpairs, every signal at its default. Shared by the tests'
// AgentCall and the benchmark, which add their own handling of the call.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include <signal.h>
#include <sys/types.h>

namespace qrexec_proxy::test {

struct AgentSpawn {
  pid_t pid = -1;
  // Our ends of the service's stdin, stdout and stderr (close-on-exec).
  int input = -1;
  int output = -1;
  int errors = -1;
  std::string error;  // why it did not start; then pid is -1 and no fd open
};

// `inherited`: further descriptors the service gets, {ours, its number}.
// `one_socket`: the service's stdin and stdout are one socket (as some
// agents and socket-activated services have it); our `input` and `output`
// are then two descriptors of our one end.
AgentSpawn spawn_as_agent(const std::vector<std::string>& argv,
                          const std::vector<std::string>& environment, const sigset_t& signal_mask,
                          const std::vector<std::pair<int, int>>& inherited = {},
                          bool one_socket = false);

}  // namespace qrexec_proxy::test
