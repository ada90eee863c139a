// The live registry end to end: `calls` lists exactly the calls that run,
// with counters that grow; `stop` ends the one it names with a record that
// says who did; a SIGKILLed call's entry is never shown; `stats` counts the
// stopped call; the registry is the service user's and root's only.
#include "support/emulation.hpp"
#include "support/eventually.hpp"
#include "support/journal_query.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <csignal>
#include <filesystem>
#include <future>

#include <sys/stat.h>

namespace qrexec_proxy::test {
namespace {

namespace fs = std::filesystem;

constexpr const char* kChains = R"({
  "slow": {"plugins": ["pass"]},
  "stream": {"plugins": ["pass"]}
})";

// A source that sends a little every 50 ms until its call has gone (its
// next write then fails).
constexpr const char* kTrickle = "while printf 'xxxxxxxxxx'; do sleep 0.05; done";

class LiveCalls : public ::testing::Test {
 protected:
  LiveCalls() { emulation.write_config(kChains); }
  ~LiveCalls() override {
    // Calls still running end with their sources.
    for (auto& call : running)
      if (call.valid()) call.wait();
  }

  nlohmann::json calls(const std::vector<std::string>& filters = {}) {
    std::vector<std::string> args = {"calls", "--json"};
    args.insert(args.end(), filters.begin(), filters.end());
    const ProcessResult result = emulation.admin(args);
    EXPECT_EQ(result.exit_status, 0) << result.err;
    return result.exit_status == 0 ? nlohmann::json::parse(result.out) : nlohmann::json::array();
  }
  // The running call of `chain` once it shows, else null.
  nlohmann::json wait_for(const std::string& chain, std::size_t count = 1) {
    nlohmann::json found;
    eventually([&] {
      const auto list = calls({"--chain", chain});
      if (list.size() != count) return false;
      found = list[0];
      return true;
    });
    return found;
  }
  void start(const std::string& script, const std::string& argument) {
    ProcessOptions options;
    options.timeout = std::chrono::seconds(120);
    running.push_back(std::async(std::launch::async, [this, script, argument, options] {
      return emulation.call_from_shell(script, argument, options);
    }));
  }

  Emulation emulation;
  std::vector<std::future<ProcessResult>> running;
};

TEST_F(LiveCalls, CallsListsExactlyTheRunningCallsWithGrowingCounters) {
  EXPECT_EQ(calls().size(), 0u);
  start(kTrickle, "qrexec-proxy+slow+dst+test.Sleep+30");
  start(kTrickle, "qrexec-proxy+stream+dst+test.Sink+trickle");
  ASSERT_FALSE(wait_for("slow").is_null());
  const auto stream = wait_for("stream");
  ASSERT_FALSE(stream.is_null());
  const auto all = calls();
  ASSERT_EQ(all.size(), 2u);
  for (const auto& call : all) {
    EXPECT_EQ(call["source"], emulation.source());
    EXPECT_EQ(call["target"], "dst");
    EXPECT_EQ(call["entry"], "explicit");
    EXPECT_GT(call["pid"].get<int>(), 0);
    EXPECT_EQ(call["id"].get<std::string>().size(), 8u);
  }
  EXPECT_EQ(calls({"--chain", "stream"})[0]["service"], "test.Sink+trickle");
  EXPECT_EQ(calls({"--source", "nobody"}).size(), 0u);
  // The trickling call's bytes grow while it runs.
  const auto first = stream["src2dst_bytes"].get<std::uint64_t>();
  EXPECT_TRUE(eventually([&] {
    const auto now = calls({"--chain", "stream"});
    return now.size() == 1 && now[0]["src2dst_bytes"].get<std::uint64_t>() > first + 100;
  }));
  // The text form has a row per call.
  const ProcessResult table = emulation.admin({"calls"});
  EXPECT_NE(table.out.find("test.Sleep+30"), std::string::npos) << table.out;
  EXPECT_NE(table.out.find("test.Sink+trickle"), std::string::npos) << table.out;

  // --watch redraws with the rate each way from the second look on.
  const ProcessResult watch = emulation.admin(
      {"calls", "--watch", "--interval", "0.3", "--count", "2", "--chain", "stream"});
  EXPECT_EQ(watch.exit_status, 0) << watch.err;
  EXPECT_NE(watch.out.find("TO-DST RATE"), std::string::npos) << watch.out;
  EXPECT_NE(watch.out.find("B/s"), std::string::npos) << watch.out;

  // Both stopped, so the test ends quickly.
  for (const auto& call : calls())
    EXPECT_EQ(emulation.admin({"stop", call["id"].get<std::string>()}).exit_status, 0);
}

TEST_F(LiveCalls, StopEndsTheNamedCallWithARecordOfWhoAndWhy) {
  start(kTrickle, "qrexec-proxy+slow+dst+test.Sleep+30");
  start(kTrickle, "qrexec-proxy+stream+dst+test.Sink+trickle");
  const auto slow = wait_for("slow");
  ASSERT_FALSE(wait_for("stream").is_null());
  const std::string id = slow["id"];
  const ProcessResult stopped = emulation.admin({"stop", id, "--reason", "maintenance window"});
  EXPECT_EQ(stopped.exit_status, 0) << stopped.err;
  EXPECT_EQ(stopped.out, "Call " + id + " stopped.\n");
  // Only that one ended.
  const auto left = calls();
  ASSERT_EQ(left.size(), 1u);
  EXPECT_EQ(left[0]["chain"], "stream");
  EXPECT_EQ(emulation.admin({"stop", id}).exit_status, 1)
      << "a call that ended is not stopped again";

  ASSERT_TRUE(journal_running());
  const auto summary =
      journal_records({"SOURCE=" + emulation.source(), "CHAIN=slow", "EVENT=summary"});
  ASSERT_EQ(summary.size(), 1u);
  EXPECT_EQ(field(summary[0], "OUTCOME"), "stopped");
  EXPECT_EQ(field(summary[0], "EXIT_STATUS"), "124");
  const std::string who =
      std::string(::getuid() == 0 ? "root" : "") + " (uid " + std::to_string(::getuid()) + ")";
  EXPECT_NE(field(summary[0], "REASON").find("stopped by "), std::string::npos);
  EXPECT_NE(field(summary[0], "REASON")
                .find("(uid " + std::to_string(::getuid()) +
                      "): "
                      "maintenance window"),
            std::string::npos)
      << field(summary[0], "REASON") << " / " << who;

  // One direction only: the destination's input ends there (what the
  // source still sends is discarded); this destination, a sink, then
  // exits, and the call ends as it would have.
  const std::string stream_id = left[0]["id"];
  const ProcessResult cut =
      emulation.admin({"stop", stream_id, "--direction", "src2dst", "--reason", "enough"});
  EXPECT_EQ(cut.exit_status, 0) << cut.err;
  EXPECT_TRUE(eventually([&] {
    return !journal_records({"SOURCE=" + emulation.source(), "CHAIN=stream", "EVENT=stop"}).empty();
  }));
  const auto records =
      journal_records({"SOURCE=" + emulation.source(), "CHAIN=stream", "EVENT=stop"});
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(field(records[0], "DIRECTION"), "src2dst");
  EXPECT_NE(field(records[0], "MESSAGE").find(": enough"), std::string::npos);
  EXPECT_TRUE(eventually([&] { return calls().empty(); }));

  // stats counts the stopped calls.
  const ProcessResult stats = emulation.admin({"stats", "--json", "--since", "-1h"});
  ASSERT_EQ(stats.exit_status, 0) << stats.err;
  std::uint64_t stopped_calls = 0;
  for (const auto& group : nlohmann::json::parse(stats.out))
    if (group["chain"] == "slow") stopped_calls = group["stopped"];
  EXPECT_GE(stopped_calls, 1u);
}

TEST_F(LiveCalls, TheEntryOfAKilledCallIsNeverShownOrActedOn) {
  start(kTrickle, "qrexec-proxy+slow+dst+test.Sleep+30");
  const auto slow = wait_for("slow");
  ASSERT_FALSE(slow.is_null());
  const std::string id = slow["id"];
  ASSERT_EQ(::kill(slow["pid"].get<int>(), SIGKILL), 0);
  EXPECT_TRUE(eventually([&] { return calls().empty(); }));
  EXPECT_EQ(emulation.admin({"stop", id}).exit_status, 1);
  // Its file stays for the slot's next call, which writes over it.
  EXPECT_EQ(std::distance(fs::directory_iterator(emulation.state_dir() / "live"),
                          fs::directory_iterator()),
            1);
}

TEST_F(LiveCalls, TheRegistryIsTheServiceUsersOnly) {
  start(kTrickle, "qrexec-proxy+slow+dst+test.Sleep+30");
  const auto slow = wait_for("slow");
  ASSERT_FALSE(slow.is_null());
  struct stat info {};
  ASSERT_EQ(::stat((emulation.state_dir() / "live").c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0700u);
  for (const auto& file : fs::directory_iterator(emulation.state_dir() / "live")) {
    ASSERT_EQ(::stat(file.path().c_str(), &info), 0);
    EXPECT_EQ(info.st_mode & 0777, 0600u);
  }
  EXPECT_EQ(emulation.admin({"stop", "not-an-id"}).exit_status, 1);
  EXPECT_EQ(emulation.admin({"stop", slow["id"].get<std::string>()}).exit_status, 0);
}

}  // namespace
}  // namespace qrexec_proxy::test
