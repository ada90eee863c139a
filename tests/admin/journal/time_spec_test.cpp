#include "admin/journal/time_spec.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <ctime>

namespace qrexec_proxy::admin {
namespace {

using namespace std::chrono;

// Absolute times are local: pin the zone for the test.
class TimeSpec : public ::testing::Test {
 protected:
  void SetUp() override {
    if (const char* tz = std::getenv("TZ")) saved_ = tz;
    ::setenv("TZ", "UTC", 1);
    ::tzset();
  }
  void TearDown() override {
    if (saved_.empty())
      ::unsetenv("TZ");
    else
      ::setenv("TZ", saved_.c_str(), 1);
    ::tzset();
  }
  static TimePoint at(long long epoch_seconds) { return TimePoint(seconds(epoch_seconds)); }
  // 2026-11-26 12:34:56 UTC
  const TimePoint now = at(1795696496);

 private:
  std::string saved_;
};

TEST_F(TimeSpec, AbsoluteForms) {
  EXPECT_EQ(parse_time_spec("2026-11-26", now), at(1795651200));
  EXPECT_EQ(parse_time_spec("2026-11-26 10:00", now), at(1795651200 + 36000));
  EXPECT_EQ(parse_time_spec("2026-11-26T10:00", now), at(1795651200 + 36000));
  EXPECT_EQ(parse_time_spec("2026-11-26 10:00:30", now), at(1795651200 + 36030));
  EXPECT_EQ(parse_time_spec("  2026-11-26 10:00  ", now), at(1795651200 + 36000));
  EXPECT_EQ(parse_time_spec("@1795651200", now), at(1795651200));
}

TEST_F(TimeSpec, AbsoluteTimesFollowTheLocalZone) {
  ::setenv("TZ", "UTC-2", 1);  // POSIX: two hours east of UTC
  ::tzset();
  EXPECT_EQ(parse_time_spec("2026-11-26 10:00", now), at(1795651200 + 8 * 3600));
}

TEST_F(TimeSpec, RelativeForms) {
  EXPECT_EQ(parse_time_spec("-1h", now), now - hours(1));
  EXPECT_EQ(parse_time_spec("-90s", now), now - seconds(90));
  EXPECT_EQ(parse_time_spec("-1h30min", now), now - minutes(90));
  EXPECT_EQ(parse_time_spec("-2d", now), now - hours(48));
  EXPECT_EQ(parse_time_spec("-1w", now), now - hours(168));
  EXPECT_EQ(parse_time_spec("-5m", now), now - minutes(5));
  EXPECT_EQ(parse_time_spec("1 hour ago", now), now - hours(1));
  EXPECT_EQ(parse_time_spec("90 minutes ago", now), now - minutes(90));
  EXPECT_EQ(parse_time_spec("2 days 3 hours ago", now), now - hours(51));
  EXPECT_EQ(parse_time_spec("10sec ago", now), now - seconds(10));
  EXPECT_EQ(parse_time_spec("now", now), now);
}

TEST_F(TimeSpec, DayNames) {
  EXPECT_EQ(parse_time_spec("today", now), at(1795651200));
  EXPECT_EQ(parse_time_spec("yesterday", now), at(1795651200 - 86400));
}

TEST_F(TimeSpec, RefusesWhatItDoesNotUnderstand) {
  for (const char* text : {"",
                           "  ",
                           "soon",
                           "1 hour",
                           "-",
                           "-h",
                           "-1",
                           "-1 fortnight",
                           "hour ago",
                           "ago",
                           "-1h junk",
                           "2026-11-26 25:00",
                           "2026-13-01",
                           "2026-02-30",
                           "2026-11-26 10",
                           "26-11-2026",
                           "2026/11/26",
                           "2026-11-26 10:00:60",
                           "@",
                           "@-5",
                           "@12x",
                           "-99999999999999999999h",
                           "-1000000w",
                           "1 -1 hour ago"}) {
    EXPECT_FALSE(parse_time_spec(text, now).has_value()) << text;
  }
}

}  // namespace
}  // namespace qrexec_proxy::admin
