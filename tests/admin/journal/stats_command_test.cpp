// `qrexec-proxy-admin stats`, end to end: figures of calls made through
// the emulation, read back from the real journal.
#include "admin_cli.hpp"

#include "support/agent_call.hpp"
#include "support/emulation.hpp"
#include "support/journal_query.hpp"

#include <gtest/gtest.h>

#include <sstream>

namespace qrexec_proxy::test {
namespace {

class StatsCommand : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(journal_running());
  }
  AdminCli admin;
};

// The entry for `key` in `stats --json --by BY`, once it counts `calls`.
nlohmann::json entry(const AdminCli& admin, const std::string& by, const std::string& key,
                     std::uint64_t calls) {
  nlohmann::json found;
  eventually([&] {
    for (const auto& group : admin.run_json({"stats", "--json", "--by", by}))
      if (group[by] == key) found = group;
    return !found.is_null() && found["calls"] == calls;
  });
  return found;
}

TEST_F(StatsCommand, CountsTheCallsOfASourceByHowTheyEnded) {
  Emulation emulation;
  emulation.write_config(R"({"pass": {"plugins": ["pass"]},
      "short": {"plugins": ["timeout"], "config": {"timeout": {"src2dst_timeout": 0.2}}}})");
  ProcessOptions options;
  options.input = "0123456789";
  for (int i = 0; i < 3; ++i)
    ASSERT_EQ(emulation.call("qrexec-proxy+pass+dst+qrexec-mirror", options).exit_status, 0);
  ASSERT_EQ(emulation.call("qrexec-proxy+nosuchchain+dst+qrexec-mirror").exit_status, 126);
  // A source that never ends its input: the timeout aborts the call.
  ASSERT_EQ(
      emulation.call_from_shell("sleep 2", "qrexec-proxy+short+dst+qrexec-mirror").exit_status,
      124);

  const auto group = entry(admin, "source", emulation.source(), 5);
  ASSERT_FALSE(group.is_null());
  EXPECT_EQ(group["calls"], 5);
  EXPECT_EQ(group["completed"], 3);
  EXPECT_EQ(group["refused"], 1);
  EXPECT_EQ(group["aborted"], 1);
  EXPECT_EQ(group["stopped"], 0);
  EXPECT_EQ(group["src2dst_bytes"], 30);
  EXPECT_EQ(group["dst2src_bytes"], 30);
  EXPECT_GT(group["duration_p50_us"].get<std::uint64_t>(), 0u);
  EXPECT_LE(group["duration_p50_us"], group["duration_p95_us"]);
  EXPECT_LE(group["duration_p95_us"], group["duration_max_us"]);
  // The aborted call waited for its timeout: it is the longest.
  EXPECT_GE(group["duration_max_us"].get<std::uint64_t>(), 200'000u);

  // People get a table with the same figures.
  const ProcessResult table = admin.run({"stats", "--by", "source"});
  EXPECT_EQ(table.exit_status, 0) << table.err;
  EXPECT_TRUE(table.out.starts_with("SOURCE ")) << table.out;
  // Its row, whatever the width of the columns (other sources' names).
  std::vector<std::string> row;
  std::istringstream lines(table.out);
  for (std::string line; std::getline(lines, line);) {
    std::istringstream words(line);
    std::vector<std::string> fields;
    for (std::string word; words >> word;) fields.push_back(word);
    if (!fields.empty() && fields[0] == emulation.source()) row = fields;
  }
  ASSERT_GE(row.size(), 8u) << table.out;
  EXPECT_EQ(std::vector<std::string>(row.begin() + 1, row.begin() + 8),
            (std::vector<std::string>{"5", "3", "1", "1", "0", "30", "30"}))
      << table.out;
}

TEST_F(StatsCommand, BadArguments) {
  EXPECT_EQ(admin.run({"stats", "--by", "plugin"}).exit_status, 2);
  EXPECT_EQ(admin.run({"stats", "--since", "the day before"}).exit_status, 2);
}

}  // namespace
}  // namespace qrexec_proxy::test
