// proxy.json, end to end: the most calls at once, and how long a
// destination may go on once its source has finished.
#include "support/agent_call.hpp"
#include "support/emulation.hpp"
#include "support/held_calls.hpp"
#include "support/journal_query.hpp"

#include <gtest/gtest.h>

#include <future>

namespace qrexec_proxy::test {
namespace {

using namespace std::chrono_literals;

class ProxySettingsTest : public ::testing::Test {
 protected:
  ProxySettingsTest() {
    emulation.write_config(R"({"pass": {"plugins": ["pass"]},
                               "one-way": {"plugins": ["stop_dst"]}})");
  }
  void write_settings(const std::string& json) {
    write_file(emulation.config_dir() / "proxy.json", json);
  }

  Emulation emulation;
  HeldCalls held{emulation};  // test.Hold destinations
};

TEST_F(ProxySettingsTest, ACallBeyondMaxCallsIsRefused) {
  ASSERT_TRUE(journal_running());
  write_settings(R"({"max_calls": 2})");
  std::vector<std::future<ProcessResult>> holders;
  for (int i = 0; i < 2; ++i)
    holders.push_back(std::async(std::launch::async, [this] {
      ProcessOptions options;
      options.input = "held\n";
      return emulation.call("qrexec-proxy+pass+dst+test.Hold", options);
    }));
  ASSERT_TRUE(eventually([&] { return held.started() == 2; }, 60s));
  const ProcessResult refused = emulation.call("qrexec-proxy+pass+dst+qrexec-mirror");
  EXPECT_EQ(refused.exit_status, 126);
  EXPECT_EQ(refused.out, "");
  held.release();
  for (auto& holder : holders) EXPECT_EQ(holder.get().out, "held\n");
  // Their slots are free again.
  ProcessOptions options;
  options.input = "again\n";
  EXPECT_EQ(emulation.call("qrexec-proxy+pass+dst+qrexec-mirror", options).out, "again\n");
  const auto records = journal_records({"SOURCE=" + emulation.source(), "OUTCOME=refused"});
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(field(records[0], "REASON"),
            "the proxy runs as many calls as it may at once (max_calls 2)");
}

TEST_F(ProxySettingsTest, ADestinationThatGoesOnAfterItsSourceFinishedIsStopped) {
  ASSERT_TRUE(journal_running());
  write_settings(R"({"finish_timeout": 1})");
  // One-way: once the source has sent its end, nothing can reach it; the
  // destination takes the bytes and then does not exit.
  emulation.add_service("dst", "test.Linger", "#!/bin/sh\ncat >/dev/null\nexec sleep 60\n");
  ProcessOptions options;
  options.input = "the last bytes\n";
  const ProcessResult result = emulation.call("qrexec-proxy+one-way+dst+test.Linger", options);
  EXPECT_EQ(result.exit_status, 124);
  EXPECT_LT(result.elapsed, 30s) << "the destination was not stopped";
  const auto records = journal_records({"SOURCE=" + emulation.source(), "EVENT=summary"});
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(field(records[0], "OUTCOME"), "aborted");
  EXPECT_NE(field(records[0], "REASON").find("finish_timeout"), std::string::npos)
      << field(records[0], "REASON");
}

TEST_F(ProxySettingsTest, AnInvalidSettingFailsEveryCall) {
  write_settings(R"({"max_calls": 0})");
  EXPECT_EQ(emulation.call("qrexec-proxy+pass+dst+qrexec-mirror").exit_status, 125);
  write_settings(R"({"max_call": 10})");
  EXPECT_EQ(emulation.call("qrexec-proxy+pass+dst+qrexec-mirror").exit_status, 125);
}

}  // namespace
}  // namespace qrexec_proxy::test
