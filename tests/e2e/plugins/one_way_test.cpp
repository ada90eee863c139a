// The default config's one-way chain (streamline + timeout + stop_dst) end
// to end: every byte reaches the destination, not one comes back.
#include "support/emulation.hpp"
#include "support/journal_query.hpp"

#include <gtest/gtest.h>

namespace qrexec_proxy::test {
namespace {

class OneWay : public ::testing::Test {
 protected:
  OneWay() {
    emulation.use_installed_config();
    // A destination that tries as hard as it can to answer: it echoes every
    // byte while storing them.
    emulation.add_service("dst", "test.Tee",
                          "#!/bin/sh\nexec tee \"$QREXEC_EMU_ROOT/dst/out/tee\"\n");
  }
  Emulation emulation;
};

TEST_F(OneWay, EveryByteReachesTheDestinationAndNotOneReturns) {
  const std::string data = random_bytes(3 * 1024 * 1024 + 17);
  ProcessOptions options;
  options.input = data;
  const ProcessResult result = emulation.call("qrexec-proxy+one-way+dst+test.Tee", options);
  EXPECT_EQ(result.exit_status, 0);
  EXPECT_EQ(result.out, "");
  EXPECT_EQ(result.err, "");
  EXPECT_TRUE(read_file(emulation.output("tee")) == data)
      << "the destination did not get exactly the bytes sent";

  ASSERT_TRUE(journal_running());
  const auto summary = journal_records({"SOURCE=" + emulation.source(), "EVENT=summary"});
  ASSERT_EQ(summary.size(), 1u);
  EXPECT_EQ(field(summary[0], "OUTCOME"), "completed");
  EXPECT_EQ(field(summary[0], "SRC2DST_BYTES"), std::to_string(data.size()));
  EXPECT_EQ(field(summary[0], "DST2SRC_BYTES"), "0");
  EXPECT_EQ(field(summary[0], "DST2SRC_RECEIVED"), std::to_string(data.size()));
}

TEST_F(OneWay, ADestinationThatOnlyTalksGetsNothingThrough) {
  const ProcessResult result = emulation.call("qrexec-proxy+one-way+dst+test.Emit+200000");
  EXPECT_EQ(result.exit_status, 0);
  EXPECT_EQ(result.out, "");
  EXPECT_EQ(result.err, "");
}

TEST_F(OneWay, ASenderThatNeverFinishesIsCutAfterTheTimeout) {
  // streamline waits for the end of the stream, which never comes: the
  // timeout of 5 s ends the call, and the destination got nothing. (The
  // sender stops once nobody reads it any more.)
  ProcessOptions options;
  options.timeout = std::chrono::seconds(30);
  const ProcessResult result =
      emulation.call_from_shell("while printf 'more '; do sleep 0.2; done",
                                "qrexec-proxy+one-way+dst+test.Sink+never", options);
  EXPECT_FALSE(result.timed_out);
  EXPECT_EQ(result.exit_status, 124);
  EXPECT_EQ(result.out, "");
  EXPECT_EQ(result.err, "");
  EXPECT_EQ(read_file(emulation.output("never")), "");
}

}  // namespace
}  // namespace qrexec_proxy::test
