#include "plugins/plugin_driver.hpp"
#include "support/null_context.hpp"

#include <gtest/gtest.h>

#include <chrono>

namespace qrexec_proxy::test {
namespace {

using namespace std::chrono_literals;

DataView counted(Direction direction, std::uint64_t size) {
  return DataView{direction, size, {}, false};
}

TEST(RateLimitPlugin, CountsOnlyAndLeavesUnlimitedDirectionsAlone) {
  auto plugin = make_plugin("rate_limit", {{"src2dst_rate", 1000}});
  const DataNeeds needs = plugin->needs(Direction::src2dst);
  EXPECT_FALSE(needs.reads_bytes);
  EXPECT_FALSE(needs.drops_bytes);
  NullContext context;
  ASSERT_EQ(plugin->on_start(context).kind(), Admission::Kind::admit);
  const Verdict verdict = plugin->on_data(context, counted(Direction::dst2src, 1 << 30));
  EXPECT_EQ(verdict.kind(), Verdict::Kind::pass);
  EXPECT_EQ(verdict.count(), 1u << 30);
  EXPECT_TRUE(context.timers.empty());
}

TEST(RateLimitPlugin, StartsWithOneSecondsWorthThenRefillsAtTheRate) {
  auto plugin = make_plugin("rate_limit", {{"src2dst_rate", 1000}});
  NullContext context;
  plugin->on_start(context);
  EXPECT_EQ(plugin->on_data(context, counted(Direction::src2dst, 100000)).count(), 1000u);
  // Held: one timer, for when a step of the rate has come back.
  ASSERT_EQ(context.timers.size(), 1u);
  EXPECT_GT(context.timers[0].second, context.now_value);
  EXPECT_LE(context.timers[0].second, context.now_value + 100ms);
  // Offered again before the timer: nothing new, and no second timer.
  EXPECT_EQ(plugin->on_data(context, counted(Direction::src2dst, 99000)).count(), 0u);
  EXPECT_EQ(context.timers.size(), 1u);
  context.now_value += 500ms;
  context.fire_due_timers(*plugin);
  ASSERT_EQ(context.wakes.size(), 1u);
  EXPECT_EQ(context.wakes[0], Direction::src2dst);
  EXPECT_EQ(plugin->on_data(context, counted(Direction::src2dst, 99000)).count(), 500u);
}

TEST(RateLimitPlugin, BurstCapsTheBucket) {
  auto plugin = make_plugin("rate_limit", {{"dst2src_rate", 1000}, {"burst", 100}});
  NullContext context;
  plugin->on_start(context);
  EXPECT_EQ(plugin->on_data(context, counted(Direction::dst2src, 5000)).count(), 100u);
  // A long quiet spell fills the bucket only up to the burst.
  context.now_value += 60s;
  EXPECT_EQ(plugin->on_data(context, counted(Direction::dst2src, 5000)).count(), 100u);
}

TEST(RateLimitPlugin, NeverPassesMoreThanBurstPlusRateTimesTime) {
  constexpr std::int64_t rate = 250000;
  constexpr std::int64_t burst = 30000;
  auto plugin = make_plugin("rate_limit", {{"src2dst_rate", rate}, {"burst", burst}});
  NullContext context;
  const auto start = context.now_value;
  plugin->on_start(context);
  std::uint64_t passed = 0;
  const std::uint64_t total = 2'000'000;
  int steps = 0;
  while (passed < total && steps < 100000) {
    passed += plugin->on_data(context, counted(Direction::src2dst, total - passed)).count();
    const double seconds = std::chrono::duration<double>(context.now_value - start).count();
    ASSERT_LE(static_cast<double>(passed), burst + rate * seconds + 1) << "at " << seconds << " s";
    if (passed == total) break;
    // The event loop sleeps until the next timer.
    ASSERT_EQ(context.timers.size(), 1u) << "held without a timer to wake it";
    context.fire_next_timer(*plugin);
    ++steps;
  }
  EXPECT_EQ(passed, total);
  const double seconds = std::chrono::duration<double>(context.now_value - start).count();
  EXPECT_GE(seconds, static_cast<double>(total - burst) / rate);
  EXPECT_LE(seconds, static_cast<double>(total - burst) / rate + 0.1);
  // A few wake-ups a second, not one per byte.
  EXPECT_LE(steps, static_cast<int>(seconds * 25) + 2);
}

TEST(RateLimitPlugin, OptionsAreCheckedAtLoad) {
  EXPECT_EQ(option_error("rate_limit", {{"src2dst_rate", 0}}),
            "src2dst_rate: must be at least 1 (or -1 for no limit), not 0");
  EXPECT_EQ(option_error("rate_limit", {{"burst", 0}}),
            "burst: must be at least 1 (or -1 for one second's worth), not 0");
  EXPECT_EQ(option_error("rate_limit", {{"dst2src_rate", 1.5}}),
            "dst2src_rate: must be a whole number");
  EXPECT_EQ(option_error("rate_limit", nullptr), "");
}

}  // namespace
}  // namespace qrexec_proxy::test

namespace qrexec_proxy::test {
namespace {

TEST(RateLimitPlugin, AuditModePassesAtFullSpeedAndReportsOnce) {
  const auto plugin = make_plugin("rate_limit", {{"src2dst_rate", 100}, {"mode", "audit"}});
  NullContext context;
  context.audit_enabled = true;
  for (int i = 0; i < 3; ++i) {
    const Verdict verdict = plugin->on_data(context, DataView{Direction::src2dst, 5000, {}, false});
    EXPECT_EQ(verdict.count(), 5000u);
  }
  EXPECT_TRUE(context.timers.empty());
  ASSERT_EQ(context.audits.size(), 1u);
  EXPECT_EQ(context.audits[0],
            (std::pair<std::string, std::string>{"delay", "delay src2dst to its rate limit"}));
}

}  // namespace
}  // namespace qrexec_proxy::test
