// A whole call in the test's own process: a socket pair as the caller,
// /bin/cat as the destination, plugins made here.
#include "engine/call.hpp"

#include "support/temp_dir.hpp"

#include <gtest/gtest.h>

#include <sys/socket.h>
#include <unistd.h>

namespace qrexec_proxy {
namespace {

// Asks in on_start for what only makes sense once bytes move.
class EarlyAsker final : public Plugin {
 public:
  explicit EarlyAsker(std::vector<Direction>& drained) : drained_(drained) {}
  Admission on_start(PluginContext& context) override {
    context.pause_input(Direction::dst2src, true);
    context.pause_input(Direction::dst2src, false);
    context.wake(Direction::src2dst);
    context.notify_when_drained(Direction::src2dst);
    return Admission::admit();
  }
  void on_drained(PluginContext&, Direction direction) override { drained_.push_back(direction); }

 private:
  std::vector<Direction>& drained_;
};

struct CallerSocket {
  CallerSocket() { EXPECT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, ends), 0); }
  ~CallerSocket() {
    for (const int end : ends)
      if (end >= 0) ::close(end);
  }
  int ends[2] = {-1, -1};  // ours, the service's
};

CallResult run_call(std::vector<ChainPlugin> plugins, const std::string& input,
                    std::string& output) {
  CallerSocket caller;
  EXPECT_EQ(::write(caller.ends[0], input.data(), input.size()),
            static_cast<ssize_t>(input.size()));
  ::shutdown(caller.ends[0], SHUT_WR);
  Journal journal;
  test::TempDir state_dir;
  SharedState state(state_dir.path());
  Call call({"chain", "src", "dst", "test.Service"}, std::move(plugins), journal, state);
  // The service's stdin and stdout: two descriptors of its end.
  const int service_output = ::dup(caller.ends[1]);
  const CallResult result =
      call.run({caller.ends[1], service_output}, {"/bin/cat"}, {"PATH=/usr/bin:/bin"}, -1);
  // The service's end goes, as the service's process would: what it sent is
  // all there is to read.
  ::close(service_output);
  ::close(caller.ends[1]);
  caller.ends[1] = -1;
  char buffer[4096];
  ssize_t got = 0;
  while ((got = ::read(caller.ends[0], buffer, sizeof buffer)) > 0)
    output.append(buffer, static_cast<std::size_t>(got));
  return result;
}

TEST(Call, RequestsMadeInOnStartAreDoneOnceTheBytesMove) {
  std::vector<Direction> drained;
  std::vector<ChainPlugin> plugins;
  plugins.push_back({"early", std::make_unique<EarlyAsker>(drained), false});
  std::string output;
  const CallResult result = run_call(std::move(plugins), "through the chain\n", output);
  EXPECT_EQ(result.outcome, CallOutcome::completed) << result.reason;
  EXPECT_EQ(result.exit_status, 0);
  EXPECT_EQ(output, "through the chain\n");
  // notify_when_drained, asked before the flows existed, was not lost.
  EXPECT_EQ(drained, std::vector<Direction>{Direction::src2dst});
}

}  // namespace
}  // namespace qrexec_proxy
