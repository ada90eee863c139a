#include "capabilities/random.hpp"

#include <gtest/gtest.h>

#include <array>
#include <set>

namespace qrexec_proxy {
namespace {

TEST(SecureRandom, NumbersDiffer) {
  std::set<std::uint64_t> seen;
  for (int i = 0; i < 100; ++i) {
    const auto value = secure_random_u64();
    ASSERT_TRUE(value.has_value());
    seen.insert(*value);
  }
  EXPECT_EQ(seen.size(), 100u);  // a repeat among 100 64-bit draws: ~3e-16
}

TEST(SecureRandom, UpToStaysInRangeAndCoversIt) {
  EXPECT_EQ(secure_random_up_to(0), 0u);
  std::array<int, 6> counts{};
  for (int i = 0; i < 6000; ++i) {
    const auto value = secure_random_up_to(5);
    ASSERT_TRUE(value.has_value());
    ASSERT_LE(*value, 5u);
    ++counts[*value];
  }
  // Each of the 6 values is expected 1000 times; 700..1300 is > 10 sigma.
  for (const int count : counts) {
    EXPECT_GT(count, 700);
    EXPECT_LT(count, 1300);
  }
  EXPECT_TRUE(secure_random_up_to(~std::uint64_t{0}).has_value());
}

TEST(SecureRandom, DurationsStayWithinTheirBound) {
  using std::chrono::nanoseconds;
  EXPECT_EQ(secure_random_duration(nanoseconds(0)), nanoseconds(0));
  EXPECT_EQ(secure_random_duration(nanoseconds(-5)), nanoseconds(0));
  const nanoseconds max = std::chrono::milliseconds(500);
  nanoseconds smallest = max, largest{0};
  for (int i = 0; i < 1000; ++i) {
    const auto value = secure_random_duration(max);
    ASSERT_TRUE(value.has_value());
    ASSERT_GE(*value, nanoseconds(0));
    ASSERT_LE(*value, max);
    smallest = std::min(smallest, *value);
    largest = std::max(largest, *value);
  }
  // Spread over the range: 1000 uniform draws all above 10% (or all below
  // 90%) happen with probability 0.9^1000.
  EXPECT_LT(smallest, max / 10);
  EXPECT_GT(largest, max * 9 / 10);
}

}  // namespace
}  // namespace qrexec_proxy
