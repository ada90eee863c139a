// Least privilege of the running service, seen from outside through /proc:
// it holds no descriptor it inherited, runs with no_new_privs and under its
// seccomp filter, and its destination is started without that filter and
// without the inherited descriptors. (That a forbidden call kills the
// process is shown by tests/sandbox/syscall_filter_test.cpp.)
#include "support/agent_call.hpp"
#include "support/emulation.hpp"
#include "support/leak_check.hpp"

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace qrexec_proxy::test
