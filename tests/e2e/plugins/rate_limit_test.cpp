// rate_limit end to end: bytes arrive whole, and no faster than the rate.
#include "support/emulation.hpp"

#include <gtest/gtest.h>

namespace qrexec_proxy::test {
namespace {

constexpr const char* kChains = R"({
  "up": {"plugins": ["rate_limit"], "config": {"rate_limit": {"src2dst_rate": 500000}}},
  "down": {"plugins": ["pass", "rate_limit"],
           "config": {"1": {"dst2src_rate": 200000, "burst": 50000}}}
})";

TEST(RateLimit, HoldsTheSenderToTheRateAndDeliversEveryByte) {
  Emulation emulation;
  emulation.write_config(kChains);
  const std::string data = random_bytes(1024 * 1024);
  ProcessOptions options;
  options.input = data;
  const ProcessResult result = emulation.call("qrexec-proxy+up+dst+qrexec-mirror", options);
  EXPECT_EQ(result.exit_status, 0);
  EXPECT_EQ(result.err, "");
  EXPECT_EQ(result.out.size(), data.size());
  EXPECT_TRUE(result.out == data) << "the mirrored bytes differ";
  // One second's worth passes at once, the rest at 500000 bytes/s.
  const double least = static_cast<double>(data.size() - 500000) / 500000;
  EXPECT_GE(result.elapsed.count(), static_cast<long>(least * 1000)) << "faster than the rate";
}

TEST(RateLimit, LimitsTheReplyDirectionWithItsOwnBurst) {
  Emulation emulation;
  emulation.write_config(kChains);
  const ProcessResult result = emulation.call("qrexec-proxy+down+dst+test.Emit+300000");
  EXPECT_EQ(result.exit_status, 0);
  EXPECT_EQ(result.out, std::string(300000, 'x'));
  EXPECT_GE(result.elapsed.count(), (300000 - 50000) * 1000 / 200000) << "faster than the rate";
}

}  // namespace
}  // namespace qrexec_proxy::test
