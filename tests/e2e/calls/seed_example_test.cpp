// The original proxy's README example, as a new user runs it: the timeout
// chain in front of a mirror service in the destination qube.
#include "support/emulation.hpp"
#include "support/journal_query.hpp"

#include <gtest/gtest.h>

namespace qrexec_proxy::test {
namespace {

TEST(SeedExample, HelloWorldIsMirroredThroughTheTimeoutChain) {
  Emulation emulation;
  emulation.use_installed_config();
  ProcessOptions options;
  options.input = "hello world\n";
  const ProcessResult result = emulation.call("qrexec-proxy+timeout+dst+qrexec-mirror", options);
  EXPECT_EQ(result.exit_status, 0);
  EXPECT_EQ(result.out, "hello world\n");
  EXPECT_EQ(result.err, "");
}

TEST(SeedExample, InputDelayedPastTheTimeoutIsCutAndLogged) {
  ASSERT_TRUE(journal_running());
  Emulation emulation;
  emulation.use_installed_config();
  ProcessOptions options;
  options.input = "hello world\n";
  options.input_delay = std::chrono::seconds(3);
  const ProcessResult result = emulation.call("qrexec-proxy+timeout+dst+qrexec-mirror", options);
  EXPECT_EQ(result.exit_status, 124);  // aborted by a plugin
  EXPECT_EQ(result.out, "");
  EXPECT_EQ(result.err, "");
  // The timeout of 1 s cut the call, long before the input came.
  EXPECT_LT(result.elapsed, std::chrono::milliseconds(2900));

  const auto records = journal_records({"SOURCE=" + emulation.source(), "EVENT=summary"});
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(field(records[0], "OUTCOME"), "aborted");
  EXPECT_EQ(field(records[0], "PLUGIN"), "timeout");
  EXPECT_EQ(field(records[0], "REASON"), "timeout: src2dst not finished within 1 s");
  EXPECT_EQ(field(records[0], "CHAIN"), "timeout");
  EXPECT_EQ(field(records[0], "TARGET"), "dst");
  EXPECT_EQ(field(records[0], "SERVICE"), "qrexec-mirror");
  const auto plugin_records =
      journal_records({"SOURCE=" + emulation.source(), "EVENT=plugin", "PLUGIN=timeout"});
  ASSERT_EQ(plugin_records.size(), 1u);
  EXPECT_EQ(field(plugin_records[0], "MESSAGE"),
            "timeout: src2dst not finished within 1 s, aborting the call");
}

}  // namespace
}  // namespace qrexec_proxy::test
