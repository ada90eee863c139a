// Least privilege of the running service, seen from outside through /proc:
// it holds no descriptor it inherited, runs with no_new_privs and under its
// seccomp filter, and its destination is started without that filter and
// without the inherited descriptors. (That a forbidden call kills the
// process is shown by tests/sandbox/syscall_filter_test.cpp.)
#include "support/agent_call.hpp"
#include "support/emulation.hpp"
#include "support/leak_check.hpp"

#include <gtest/gtest.h>

#include <filesystem>

#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

namespace qrexec_proxy::test {
namespace {

using namespace std::chrono_literals;

class LeastPrivilege : public ::testing::Test {
 protected:
  LeastPrivilege() { emulation.write_config(R"({"pass": {"plugins": ["pass"]}})"); }
  void TearDown() override { leaks.expect_nothing_left(); }

  Emulation emulation;
  LeakCheck leaks{{emulation.state_dir()}};
};

TEST_F(LeastPrivilege, InheritedDescriptorsReachNeitherTheProxyNorTheDestination) {
  // A pipe whose write end the service inherits as descriptor 7 (and 12,
  // numbered past a gap). Its read end sees end of stream only once every
  // copy of the write end is closed: in the proxy, in the destination
  // client, and in whatever that runs.
  int ends[2];
  ASSERT_EQ(::pipe2(ends, O_CLOEXEC), 0);
  AgentCall::Options options;
  options.inherited = {{ends[1], 7}, {ends[1], 12}};
  AgentCall call(emulation, "pass+dst+test.Sleep+3", options);
  ::close(ends[1]);
  ASSERT_TRUE(eventually([&] { return !descendants_of(call.pid()).empty(); }));
  pollfd hangup{ends[0], POLLIN, 0};
  EXPECT_EQ(::poll(&hangup, 1, 2000), 1);
  EXPECT_TRUE(hangup.revents & POLLHUP) << "someone still holds the inherited descriptor";
  EXPECT_FALSE(call.wait(0ms)) << "the call should still be running";

  // And /proc agrees: nothing of the proxy's refers to the pipe.
  struct stat pipe_info {};
  ASSERT_EQ(::fstat(ends[0], &pipe_info), 0);
  const std::string pipe_name = "pipe:[" + std::to_string(pipe_info.st_ino) + "]";
  for (const pid_t pid : {call.pid(), children_of(call.pid()).at(0).pid})
    for (const auto& [fd, target] : open_descriptors(pid))
      EXPECT_NE(target, pipe_name) << "process " << pid << " descriptor " << fd;
  ::close(ends[0]);

  call.end_input();
  EXPECT_EQ(call.read_output(60s), "");
  EXPECT_EQ(call.wait(60s), 0);
  EXPECT_EQ(call.read_error(), "");
}

TEST_F(LeastPrivilege, TheRunningServiceIsFilteredAndItsDestinationIsNot) {
  AgentCall call(emulation, "pass+dst+test.Sleep+3");
  // The filter is in force once the destination runs and the call is set
  // up; give it the moment that takes.
  ASSERT_TRUE(eventually([&] { return status_field(call.pid(), "Seccomp") == "2"; }))
      << "Seccomp: " << status_field(call.pid(), "Seccomp");
  EXPECT_EQ(status_field(call.pid(), "NoNewPrivs"), "1");
  const auto children = children_of(call.pid());
  ASSERT_EQ(children.size(), 1u);
  // The destination client runs unfiltered (a filter would survive its
  // execve), but cannot gain privileges either.
  EXPECT_EQ(status_field(children[0].pid, "Seccomp"), "0");
  EXPECT_EQ(status_field(children[0].pid, "NoNewPrivs"), "1");

  const std::string data = "through the filtered proxy\n";
  ASSERT_TRUE(call.write(data));
  call.end_input();
  EXPECT_EQ(call.read_output(60s), data);
  EXPECT_EQ(call.wait(60s), 0);
  EXPECT_EQ(call.read_error(), "");
}

TEST_F(LeastPrivilege, ChildrenGetAnAllowListedEnvironmentAndAFixedPath) {
  // The client and an exec filter write down their environment. The
  // service's own holds what qrexec-agent and a login shell may put there:
  // the calling qube's request, and whatever the user's profile exports.
  namespace fs = std::filesystem;
  const fs::path client_seen = emulation.root() / "client-environment";
  const fs::path filter_seen = emulation.root() / "filter-environment";
  const fs::path client = emulation.root() / "client";
  write_file(client, "#!/bin/sh\n/usr/bin/env >'" + client_seen.string() + "'\nexec '" +
                         emulator_path().string() + "' \"$@\"\n");
  fs::permissions(client, fs::perms::owner_all);
  emulation.write_config(R"({"filtered": {"plugins": ["exec"], "config": {"exec": {"src2dst":
      ["/bin/sh", "-c", "/usr/bin/env >')" +
                         filter_seen.string() + R"('; exec cat"]}}}})");
  ProcessOptions options;
  options.input = "bytes\n";
  options.environment = {
      "QREXEC_PROXY_CLIENT=" + client.string(), "QREXEC_REQUESTED_TARGET_KEYWORD=@default",
      "QREXEC_REQUESTED_TARGET_TYPE=keyword",   "PROFILE_SECRET=from ~/.profile",
      "PATH=/home/user/bin:/usr/bin:/bin",      "LANG=C.UTF-8"};
  const ProcessResult result =
      emulation.run_service_as_agent("filtered+dst+qrexec-mirror", options);
  ASSERT_EQ(result.exit_status, 0) << result.err;
  EXPECT_EQ(result.out, "bytes\n");
  for (const fs::path& seen : {client_seen, filter_seen}) {
    SCOPED_TRACE(seen.filename().string());
    const std::string environment = "\n" + read_file(seen);  // every line starts after a \n
    EXPECT_NE(environment.find("\nPATH=/usr/local/bin:/usr/bin:/bin\n"), std::string::npos)
        << environment;
    EXPECT_NE(environment.find("LANG=C.UTF-8\n"), std::string::npos) << environment;
    for (const char* hidden : {"QREXEC_REQUESTED_TARGET", "QREXEC_REMOTE_DOMAIN", "QREXEC_SERVICE_",
                               "PROFILE_SECRET", "/home/user/bin"})
      EXPECT_EQ(environment.find(hidden), std::string::npos) << hidden << " in\n" << environment;
  }
  // The filter's own description of the call is added by the exec plugin.
  EXPECT_NE(read_file(filter_seen).find("QREXEC_PROXY_CALL_CHAIN=filtered\n"), std::string::npos);
}

}  // namespace
}  // namespace qrexec_proxy::test
