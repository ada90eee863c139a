#include "support/make_plugin.hpp"
#include "support/null_context.hpp"

#include <gtest/gtest.h>

namespace qrexec_proxy {
namespace {

using namespace std::chrono_literals;

// Drives one direction of a streamline plugin the way the engine does.
class StreamlineDriver {
 public:
  explicit StreamlineDriver(const nlohmann::json& options)
      : plugin(test::make_plugin("streamline", options)) {}

  Verdict offer(std::uint64_t pending, bool end = false) {
    return plugin->on_data(context, DataView{Direction::src2dst, pending, {}, end});
  }
  // Fires the one pending timer; returns its delay.
  Clock::duration fire_timer() {
    EXPECT_EQ(context.timers.size(), 1u);
    return context.fire_next_timer(*plugin).value_or(Clock::duration::zero());
  }
  void drained() {
    EXPECT_FALSE(context.drained_requests.empty()) << "on_drained without a request";
    context.drained_requests.clear();
    plugin->on_drained(context, Direction::src2dst);
  }
  bool paused() const { return context.paused[index_of(Direction::src2dst)]; }

  std::unique_ptr<Plugin> plugin;
  test::NullContext context;
};

TEST(StreamlinePlugin, NeedsRoomForOneBufferAndNotTheBytes) {
  const auto plugin = test::make_plugin("streamline", {{"buf_size", 65536}});
  for (const Direction direction : kBothDirections) {
    EXPECT_EQ(plugin->needs(direction).hold_bytes, 65536u);
    EXPECT_FALSE(plugin->needs(direction).reads_bytes);
  }
  EXPECT_EQ(test::make_plugin("streamline")->needs(Direction::src2dst).hold_bytes,
            10u * 1024 * 1024);
}

TEST(StreamlinePlugin, HoldsUntilABufferIsFullThenWritesItAfterADelay) {
  StreamlineDriver driver({{"buf_size", 1000}, {"delay_read", 2}, {"delay_write", 3}});
  EXPECT_EQ(driver.offer(1).count(), 0u);
  EXPECT_EQ(driver.offer(999 - 1).count(), 0u);
  EXPECT_TRUE(driver.context.timers.empty());
  EXPECT_FALSE(driver.paused());

  // A full buffer: reading stops, the write waits for a random delay.
  EXPECT_EQ(driver.offer(1500).count(), 0u);
  EXPECT_TRUE(driver.paused());
  EXPECT_EQ(driver.offer(1500).count(), 0u);  // offered again while waiting: still held
  EXPECT_LE(driver.fire_timer(), std::chrono::duration_cast<Clock::duration>(3s));
  EXPECT_EQ(driver.context.wakes.size(), 1u);

  // Exactly one buffer goes; then it waits for the receiver to take it.
  EXPECT_EQ(driver.offer(1500).count(), 1000u);
  EXPECT_EQ(driver.context.drained_requests.size(), 1u);
  EXPECT_EQ(driver.offer(500).count(), 0u);
  EXPECT_TRUE(driver.paused());
  driver.drained();

  // Delivered: a random wait before reading again.
  EXPECT_TRUE(driver.paused());
  EXPECT_LE(driver.fire_timer(), std::chrono::duration_cast<Clock::duration>(2s));
  EXPECT_FALSE(driver.paused());
  EXPECT_EQ(driver.offer(500).count(), 0u);
}

TEST(StreamlinePlugin, TheEndOfTheStreamWritesWhatIsLeft) {
  StreamlineDriver driver({{"buf_size", 1000}, {"delay_read", 0.1}, {"delay_write", 0.1}});
  EXPECT_EQ(driver.offer(2500, true).count(), 0u);
  EXPECT_TRUE(driver.paused());
  std::uint64_t pending = 2500, written = 0;
  for (int cycle = 0; cycle < 3; ++cycle) {
    driver.fire_timer();
    const std::uint64_t passed = driver.offer(pending, true).count();
    EXPECT_EQ(passed, std::min<std::uint64_t>(pending, 1000));
    pending -= passed;
    written += passed;
    driver.drained();
    // Nothing is read after the end: no read delay, the next buffer's
    // write delay starts at once.
    EXPECT_TRUE(driver.context.timers.empty());
    if (pending > 0) {
      EXPECT_EQ(driver.offer(pending, true).count(), 0u);
    }
  }
  EXPECT_EQ(written, 2500u);
  EXPECT_TRUE(driver.context.timers.empty());
}

TEST(StreamlinePlugin, DelaysAreRandomAndWithinTheirBounds) {
  StreamlineDriver driver({{"buf_size", 10}, {"delay_read", 0.2}, {"delay_write", 0.5}});
  std::vector<Clock::duration> reads, writes;
  for (int cycle = 0; cycle < 50; ++cycle) {
    driver.offer(10);
    writes.push_back(driver.fire_timer());
    EXPECT_EQ(driver.offer(10).count(), 10u);
    driver.drained();
    reads.push_back(driver.fire_timer());
  }
  for (const auto& delay : writes) {
    EXPECT_GE(delay, Clock::duration::zero());
    EXPECT_LE(delay, std::chrono::duration_cast<Clock::duration>(500ms));
  }
  for (const auto& delay : reads) {
    EXPECT_GE(delay, Clock::duration::zero());
    EXPECT_LE(delay, std::chrono::duration_cast<Clock::duration>(200ms));
  }
  // Not constant: 50 uniform draws, all in the same 10% of the range, has
  // a chance below 1e-40.
  const auto [low, high] = std::minmax_element(writes.begin(), writes.end());
  EXPECT_GT(*high - *low, std::chrono::duration_cast<Clock::duration>(50ms));
}

TEST(StreamlinePlugin, ZeroDelaysStillGoThroughTheCycle) {
  StreamlineDriver driver({{"buf_size", 10}, {"delay_read", 0}, {"delay_write", 0}});
  driver.offer(10);
  EXPECT_EQ(driver.fire_timer(), Clock::duration::zero());
  EXPECT_EQ(driver.offer(10).count(), 10u);
}

TEST(StreamlinePlugin, OptionsAreCheckedAtLoad) {
  EXPECT_EQ(test::option_error("streamline", {{"buf_size", 0}}),
            "buf_size: must be between 1 and 1073741824, not 0");
  EXPECT_EQ(test::option_error("streamline", {{"delay_write", -1}}),
            "delay_write: must be between 0 and 3600, not -1");
  EXPECT_EQ(test::option_error("streamline", {{"delay_read", 0.25}, {"delay_write", 10}}), "");
}

}  // namespace
}  // namespace qrexec_proxy
