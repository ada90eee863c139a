#include "support/make_plugin.hpp"
#include "support/null_context.hpp"
#include "support/temp_dir.hpp"

#include <gtest/gtest.h>

#include <sys/stat.h>

#include <chrono>

namespace qrexec_proxy {
namespace {

class CountPlugin : public ::testing::Test {
 protected:
  Admission start(const nlohmann::json& options, const std::string& chain = "limited") {
    test::NullContext context(dir.path());
    context.info.chain = chain;
    context.now_value = now;
    const auto plugin = test::make_plugin("count", options);
    Admission admission = plugin->on_start(context);
    last_records = context.records;
    return admission;
  }
  std::filesystem::path record(const std::string& chain = "limited") const {
    return dir / "count" / chain;
  }

  test::TempDir dir;
  // The engine's clock as the calls see it; the tests move it.
  Clock::time_point now = Clock::time_point{} + std::chrono::hours(1);
  std::vector<test::NullContext::Record> last_records;
};

TEST_F(CountPlugin, AdmitsUpToTheLimitThenRefuses) {
  const nlohmann::json options = {{"limit", 3}, {"limit_interval", 600}};
  for (int call = 1; call <= 3; ++call) {
    EXPECT_EQ(start(options).kind(), Admission::Kind::admit);
    ASSERT_EQ(last_records.size(), 1u);
    EXPECT_EQ(last_records[0].message,
              "count: call " + std::to_string(call) + " of 3 calls per 600 s");
  }
  const Admission refused = start(options);
  EXPECT_EQ(refused.kind(), Admission::Kind::refuse);
  EXPECT_EQ(refused.reason(), "count: limit of 3 calls per 600 s reached");
  ASSERT_EQ(last_records.size(), 1u);
  EXPECT_EQ(last_records[0].priority, Priority::warning);
  // Refused calls are not counted: the record holds the three admitted.
  EXPECT_EQ(test::read_file(record()).size(), 3u * 21);
}

TEST_F(CountPlugin, ChainsAreCountedApart) {
  const nlohmann::json options = {{"limit", 1}, {"limit_interval", 600}};
  EXPECT_EQ(start(options, "a").kind(), Admission::Kind::admit);
  EXPECT_EQ(start(options, "b").kind(), Admission::Kind::admit);
  EXPECT_EQ(start(options, "a").kind(), Admission::Kind::refuse);
}

TEST_F(CountPlugin, CallsStopCountingAfterTheInterval) {
  const nlohmann::json options = {{"limit", 2}, {"limit_interval", 0.2}};
  EXPECT_EQ(start(options).kind(), Admission::Kind::admit);
  EXPECT_EQ(start(options).kind(), Admission::Kind::admit);
  EXPECT_EQ(start(options).kind(), Admission::Kind::refuse);
  now += std::chrono::milliseconds(199);
  EXPECT_EQ(start(options).kind(), Admission::Kind::refuse);
  now += std::chrono::milliseconds(1);
  EXPECT_EQ(start(options).kind(), Admission::Kind::admit);
  // Expired calls are gone from the record: it stays small.
  EXPECT_EQ(test::read_file(record()).size(), 21u);
}

TEST_F(CountPlugin, ARecordFromTheFutureCountsAsNow) {
  // After a reboot, times in a kept record are ahead of the clock.
  std::filesystem::create_directories(dir / "count");
  test::write_file(record(), "09999999999999999999\n");
  const nlohmann::json options = {{"limit", 1}, {"limit_interval", 0.2}};
  EXPECT_EQ(start(options).kind(), Admission::Kind::refuse);
  now += std::chrono::milliseconds(200);
  EXPECT_EQ(start(options).kind(), Admission::Kind::admit);
}

TEST_F(CountPlugin, ADamagedRecordFailsClosed) {
  std::filesystem::create_directories(dir / "count");
  test::write_file(record(), "not a record\n");
  const Admission admission = start({{"limit", 5}, {"limit_interval", 60}});
  EXPECT_EQ(admission.kind(), Admission::Kind::fail);
  EXPECT_NE(admission.reason().find("is not a call count record"), std::string::npos);
  EXPECT_EQ(test::read_file(record()), "not a record\n");  // left for a look
}

TEST_F(CountPlugin, AnUnusableStateDirectoryFailsClosed) {
  test::write_file(dir / "file", "");
  const Admission admission =
      start({{"limit", 5}, {"limit_interval", 60}, {"state_dir", (dir / "file" / "x").string()}});
  EXPECT_EQ(admission.kind(), Admission::Kind::fail);
  EXPECT_NE(admission.reason().find("cannot create"), std::string::npos) << admission.reason();
}

TEST_F(CountPlugin, AConfiguredStateDirectoryIsUsed) {
  const auto mine = dir / "elsewhere";
  EXPECT_EQ(start({{"limit", 5}, {"limit_interval", 60}, {"state_dir", mine.string()}}).kind(),
            Admission::Kind::admit);
  EXPECT_TRUE(std::filesystem::exists(mine / "limited"));
  EXPECT_FALSE(std::filesystem::exists(record()));
}

TEST_F(CountPlugin, OptionsAreCheckedAtLoad) {
  EXPECT_EQ(test::option_error("count", {{"limit_interval", 60}}),
            "limit: required option is missing");
  EXPECT_EQ(test::option_error("count", {{"limit", 2}}),
            "limit_interval: required option is missing");
  EXPECT_EQ(test::option_error("count", {{"limit", 0}, {"limit_interval", 60}}),
            "limit: must be between 1 and 10000, not 0");
  EXPECT_EQ(test::option_error("count", {{"limit", 2}, {"limit_interval", 0}}),
            "limit_interval: must be between 0.001 and 315360000, not 0");
  EXPECT_EQ(test::option_error("count", {{"limit", 2}, {"limit_interval", 1}, {"state_dir", "x"}}),
            "state_dir: must be an absolute path (or empty for the default), not \"x\"");
  EXPECT_EQ(test::option_error("count", {{"limit", 2}, {"limit_interval", 180}}), "");
}

}  // namespace
}  // namespace qrexec_proxy
