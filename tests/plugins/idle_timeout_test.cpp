#include "plugins/plugin_driver.hpp"
#include "support/null_context.hpp"

#include <gtest/gtest.h>

#include <chrono>

namespace qrexec_proxy::test {
namespace {

using namespace std::chrono_literals;

TEST(IdleTimeoutPlugin, AbortsAQuietCall) {
  auto plugin = make_plugin("idle_timeout", {{"timeout", 2}});
  NullContext context;
  EXPECT_FALSE(plugin->needs(Direction::src2dst).reads_bytes);
  ASSERT_EQ(plugin->on_start(context).kind(), Admission::Kind::admit);
  ASSERT_EQ(context.timers.size(), 1u);
  EXPECT_EQ(context.timers[0].second, context.now_value + 2s);
  ASSERT_TRUE(context.fire_next_timer(*plugin));
  ASSERT_TRUE(context.aborted);
  EXPECT_EQ(*context.aborted, "idle_timeout: no byte moved either way for 2 s");
}

TEST(IdleTimeoutPlugin, BytesEitherWayPutTheDeadlineBackWithoutTimerWork) {
  auto plugin = make_plugin("idle_timeout", {{"timeout", 1}});
  NullContext context;
  const auto start = context.now_value;
  plugin->on_start(context);
  context.now_value = start + 700ms;
  EXPECT_EQ(plugin->on_data(context, {Direction::src2dst, 10, {}, false}).count(), 10u);
  context.now_value = start + 900ms;
  EXPECT_EQ(plugin->on_data(context, {Direction::dst2src, 5, {}, false}).count(), 5u);
  // Bytes only noted the time: still the one timer of the start.
  ASSERT_EQ(context.timers.size(), 1u);
  EXPECT_EQ(context.last_timer, 1u);
  ASSERT_TRUE(context.fire_next_timer(*plugin));  // at 1 s: the last byte was 0.1 s ago
  EXPECT_FALSE(context.aborted);
  ASSERT_EQ(context.timers.size(), 1u);
  EXPECT_EQ(context.timers[0].second, start + 1900ms);
  ASSERT_TRUE(context.fire_next_timer(*plugin));
  EXPECT_TRUE(context.aborted);
}

TEST(IdleTimeoutPlugin, OptionsAreCheckedAtLoad) {
  EXPECT_EQ(option_error("idle_timeout", nullptr), "timeout: required option is missing");
  EXPECT_EQ(option_error("idle_timeout", {{"timeout", 0}}),
            "timeout: must be between 0.001 and 31536000, not 0");
  EXPECT_EQ(option_error("idle_timeout", {{"timeout", -1}}),
            "timeout: must be between 0.001 and 31536000, not -1");
  EXPECT_EQ(option_error("idle_timeout", {{"timeout", 0.25}}), "");
}

}  // namespace
}  // namespace qrexec_proxy::test
