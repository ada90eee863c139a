#include "admin/journal/call_stats.hpp"

#include <gtest/gtest.h>

namespace qrexec_proxy::admin {
namespace {

CallSummary call(std::string chain, std::string source, std::string outcome,
                 std::uint64_t duration_us, std::uint64_t up = 0, std::uint64_t down = 0) {
  CallSummary summary;
  summary.chain = std::move(chain);
  summary.source = std::move(source);
  summary.target = "dst";
  summary.outcome = std::move(outcome);
  summary.duration_us = duration_us;
  summary.src2dst_bytes = up;
  summary.dst2src_bytes = down;
  return summary;
}

TEST(CallStats, CountsOutcomesAndBytesPerGroup) {
  const std::vector<CallSummary> calls = {call("a", "work", "completed", 10, 100, 1),
                                          call("a", "work", "refused", 0),
                                          call("a", "mail", "aborted", 30, 5),
                                          call("a", "mail", "source-gone", 40),
                                          call("a", "mail", "stopped", 50),
                                          call("b", "work", "completed", 7, 1, 2),
                                          call("b", "work", "failed", 9),
                                          call("b", "work", "terminated", 11)};
  const auto by_chain = call_stats(calls, StatsGroup::chain);
  ASSERT_EQ(by_chain.size(), 2u);
  EXPECT_EQ(by_chain[0].key, "a");
  EXPECT_EQ(by_chain[0].calls, 5u);
  EXPECT_EQ(by_chain[0].completed, 1u);
  EXPECT_EQ(by_chain[0].refused, 1u);
  EXPECT_EQ(by_chain[0].aborted, 2u);  // aborted, source-gone
  EXPECT_EQ(by_chain[0].stopped, 1u);
  EXPECT_EQ(by_chain[0].src2dst_bytes, 105u);
  EXPECT_EQ(by_chain[0].dst2src_bytes, 1u);
  EXPECT_EQ(by_chain[1].key, "b");
  EXPECT_EQ(by_chain[1].aborted, 2u);  // failed, terminated
  const auto by_source = call_stats(calls, StatsGroup::source);
  ASSERT_EQ(by_source.size(), 2u);
  EXPECT_EQ(by_source[0].key, "mail");
  EXPECT_EQ(by_source[0].calls, 3u);
  EXPECT_EQ(by_source[1].key, "work");
  EXPECT_EQ(by_source[1].calls, 5u);
  EXPECT_EQ(call_stats(calls, StatsGroup::target).size(), 1u);
}

TEST(CallStats, DurationPercentilesOfTheCallsThatRan) {
  std::vector<CallSummary> calls;
  for (std::uint64_t us = 1; us <= 100; ++us) calls.push_back(call("c", "s", "completed", us));
  calls.push_back(call("c", "s", "refused", 1'000'000));  // refused: took no time worth counting
  const auto stats = call_stats(calls, StatsGroup::chain);
  ASSERT_EQ(stats.size(), 1u);
  EXPECT_EQ(stats[0].duration_p50_us, 50u);
  EXPECT_EQ(stats[0].duration_p95_us, 95u);
  EXPECT_EQ(stats[0].duration_max_us, 100u);
  const auto one = call_stats({call("c", "s", "completed", 42)}, StatsGroup::chain);
  EXPECT_EQ(one[0].duration_p50_us, 42u);
  EXPECT_EQ(one[0].duration_p95_us, 42u);
  const auto none = call_stats({call("c", "s", "refused", 5)}, StatsGroup::chain);
  EXPECT_EQ(none[0].duration_max_us, 0u);
}

}  // namespace
}  // namespace qrexec_proxy::admin
