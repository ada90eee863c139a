#include "support/agent_spawn.hpp"

#include <cstring>

#include <fcntl.h>
#include <spawn.h>
#include <sys/socket.h>
#include <unistd.h>

namespace qrexec_proxy::test {

AgentSpawn spawn_as_agent(const std::vector<std::string>& argv,
                          const std::vector<std::string>& environment, const sigset_t& signal_mask,
                          const std::vector<std::pair<int, int>>& inherited, bool one_socket) {
  AgentSpawn result;
  int pairs[3][2];
  for (int made = 0; made < 3; ++made) {
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pairs[made]) != 0) {
      result.error = std::string("socketpair: ") + std::strerror(errno);
      for (int k = 0; k < made; ++k)
        for (const int fd : pairs[k]) ::close(fd);
      return result;
    }
  }

  posix_spawn_file_actions_t actions;
  ::posix_spawn_file_actions_init(&actions);
  for (int fd = 0; fd < 3; ++fd)
    ::posix_spawn_file_actions_adddup2(&actions, pairs[one_socket && fd == 1 ? 0 : fd][1], fd);
  for (const auto& [ours, theirs] : inherited)
    ::posix_spawn_file_actions_adddup2(&actions, ours, theirs);
  posix_spawnattr_t attributes;
  ::posix_spawnattr_init(&attributes);
  sigset_t all;
  sigfillset(&all);
  ::posix_spawnattr_setsigdefault(&attributes, &all);
  ::posix_spawnattr_setsigmask(&attributes, &signal_mask);
  ::posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);

  std::vector<char*> args, env;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  for (const auto& e : environment) env.push_back(const_cast<char*>(e.c_str()));
  env.push_back(nullptr);
  const int error =
      ::posix_spawn(&result.pid, args[0], &actions, &attributes, args.data(), env.data());
  ::posix_spawn_file_actions_destroy(&actions);
  ::posix_spawnattr_destroy(&attributes);

  for (auto& pair : pairs) ::close(pair[1]);
  if (error != 0) {
    for (auto& pair : pairs) ::close(pair[0]);
    result.pid = -1;
    result.error = std::string("posix_spawn: ") + std::strerror(error);
    return result;
  }
  result.input = pairs[0][0];
  if (one_socket) {
    ::close(pairs[1][0]);
    result.output = ::fcntl(pairs[0][0], F_DUPFD_CLOEXEC, 0);
  } else {
    result.output = pairs[1][0];
  }
  result.errors = pairs[2][0];
  return result;
}

}  // namespace qrexec_proxy::test
