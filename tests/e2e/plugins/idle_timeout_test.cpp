// idle_timeout end to end: a quiet call is aborted, a busy one is not,
// whichever way its bytes move.
#include "support/emulation.hpp"
#include "support/journal_query.hpp"

#include <gtest/gtest.h>

namespace qrexec_proxy::test {
namespace {

class IdleTimeout : public ::testing::Test {
 protected:
  IdleTimeout() {
    emulation.write_config(
        R"({"idle": {"plugins": ["idle_timeout"], "config": {"idle_timeout": {"timeout": 1.5}}}})");
    // Sends a line every 0.2 s for 2 s, reading nothing.
    emulation.add_service("dst", "test.Trickle",
                          "#!/bin/sh\nfor i in 1 2 3 4 5 6 7 8 9 10; do echo $i; sleep 0.2; "
                          "done\n");
  }
  Emulation emulation;
};

TEST_F(IdleTimeout, AbortsACallInWhichNothingMoves) {
  ASSERT_TRUE(journal_running());
  ProcessOptions options;
  options.input = "x";
  // test.Sleep stays silent for 10 s before it answers.
  const ProcessResult result = emulation.call("qrexec-proxy+idle+dst+test.Sleep+10", options);
  EXPECT_EQ(result.exit_status, 124);
  EXPECT_EQ(result.err, "");
  EXPECT_GE(result.elapsed.count(), 1500);
  EXPECT_LT(result.elapsed.count(), 10000) << "the call was not aborted";
  const auto records = journal_records({"SOURCE=" + emulation.source(), "EVENT=summary"});
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(field(records[0], "OUTCOME"), "aborted");
  EXPECT_EQ(field(records[0], "PLUGIN"), "idle_timeout");
  EXPECT_EQ(field(records[0], "REASON"), "idle_timeout: no byte moved either way for 1.5 s");
}

TEST_F(IdleTimeout, LetsACallRunWhileTheDestinationSends) {
  const ProcessResult result = emulation.call("qrexec-proxy+idle+dst+test.Trickle");
  EXPECT_EQ(result.exit_status, 0);
  EXPECT_EQ(result.out, "1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n");
}

TEST_F(IdleTimeout, LetsACallRunWhileTheSourceSends) {
  // The source sends a line every 0.2 s for 2 s; the destination is silent.
  ProcessOptions options;
  options.environment = emulation.environment(emulation.source());
  const ProcessResult result =
      run_process({"/bin/sh", "-c",
                   "for i in 1 2 3 4 5 6 7 8 9 10; do echo $i; sleep 0.2; done | exec \"$0\" proxy "
                   "qrexec-proxy+idle+dst+test.Sink+trickle",
                   emulator_path().string()},
                  options);
  EXPECT_EQ(result.exit_status, 0);
  EXPECT_EQ(read_file(emulation.output("trickle")), "1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n");
}

}  // namespace
}  // namespace qrexec_proxy::test
