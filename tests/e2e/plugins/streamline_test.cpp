// streamline end to end: bytes arrive exactly, only in whole buffers (or at
// the end of the stream), after delays within their bounds.
#include "support/emulation.hpp"

#include <gtest/gtest.h>

#include <string>

namespace qrexec_proxy::test {
namespace {

constexpr const char* kChains = R"({
  "stream": {"plugins": ["streamline"],
             "config": {"streamline": {"buf_size": 65536, "delay_read": 0.05, "delay_write": 0.05}}},
  "slow": {"plugins": ["streamline"],
           "config": {"streamline": {"buf_size": 4096, "delay_read": 0.3, "delay_write": 0.3}}},
  "stacked": {"plugins": ["streamline", "streamline"],
              "config": {"0": {"buf_size": 300000, "delay_read": 0, "delay_write": 0},
                         "1": {"buf_size": 200000, "delay_read": 0, "delay_write": 0}}}
})";

class Streamline : public ::testing::Test {
 protected:
  Streamline() { emulation.write_config(kChains); }

  // Calls from a shell script that sees the paths of the data and of a
  // time mark as $DATA and $MARK.
  ProcessResult call_from_script(const std::string& script, const std::string& argument) {
    ProcessOptions options;
    options.environment = {"DATA=" + (emulation.root() / "data").string(),
                           "MARK=" + (emulation.root() / "mark").string()};
    return emulation.call_from_shell(script, argument, options);
  }
  // `data` goes through `chain` to a mirror and back, byte-exact.
  void expect_mirrored(const std::string& chain, const std::string& data) {
    ProcessOptions options;
    options.input = data;
    const ProcessResult result =
        emulation.call("qrexec-proxy+" + chain + "+dst+qrexec-mirror", options);
    EXPECT_EQ(result.exit_status, 0);
    EXPECT_EQ(result.err, "");
    EXPECT_EQ(result.out.size(), data.size());
    EXPECT_TRUE(result.out == data) << "the mirrored bytes differ";
  }
  long long time_in(const std::filesystem::path& file) {
    const std::string text = read_file(file);
    EXPECT_FALSE(text.empty()) << file;
    return text.empty() ? 0 : std::stoll(text);
  }

  Emulation emulation;
};

TEST_F(Streamline, SeveralBuffersArriveByteExactBothWays) {
  expect_mirrored("stream", random_bytes(5 * 65536 + 12345));
}

TEST_F(Streamline, HoldersInARowDoNotStallEachOther) {
  // The second streamline keeps up to 200000 bytes that the first passed,
  // while the first collects its next 300000: both at once must fit, or
  // the call stalls with nothing to release. (Larger than the engine's
  // default buffer, so the holders' sizes decide its room.)
  expect_mirrored("stacked", random_bytes(7 * 300000 + 4321));
}

TEST_F(Streamline, TheReceiverSeesNothingBeforeAFullBuffer) {
  const std::string data = random_bytes(3 * 65536 + 1000);
  write_file(emulation.root() / "data", data);
  // One byte short of a buffer, a pause, then the time the buffer becomes
  // full is noted just before the rest is sent. The destination notes when
  // its first byte came: it cannot be earlier.
  const ProcessResult result = call_from_script(
      "head -c 65535 \"$DATA\"; sleep 2; date +%s%N > \"$MARK\"; tail -c +65536 \"$DATA\"",
      "qrexec-proxy+stream+dst+test.FirstByte+full");
  EXPECT_EQ(result.exit_status, 0);
  EXPECT_TRUE(read_file(emulation.output("full")) == data) << "the bytes differ";
  EXPECT_GE(time_in(emulation.output("full.first")), time_in(emulation.root() / "mark"))
      << "the destination got bytes before a buffer was full";
}

TEST_F(Streamline, TheReceiverSeesNothingBeforeTheEndOfAShortStream) {
  const std::string data = random_bytes(1000);
  write_file(emulation.root() / "data", data);
  const ProcessResult result = call_from_script("cat \"$DATA\"; sleep 1; date +%s%N > \"$MARK\"",
                                                "qrexec-proxy+stream+dst+test.FirstByte+short");
  EXPECT_EQ(result.exit_status, 0);
  EXPECT_EQ(read_file(emulation.output("short")), data);
  EXPECT_GE(time_in(emulation.output("short.first")), time_in(emulation.root() / "mark"))
      << "the destination got bytes before the stream ended";
}

TEST_F(Streamline, DelaysStayWithinTheirBounds) {
  // Ten buffers of 4096 bytes: ten write delays and up to ten read delays,
  // each at most 0.3 s.
  const std::string data = random_bytes(10 * 4096);
  ProcessOptions options;
  options.input = data;
  const ProcessResult result = emulation.call("qrexec-proxy+slow+dst+test.Sink+slow", options);
  EXPECT_EQ(result.exit_status, 0);
  EXPECT_TRUE(read_file(emulation.output("slow")) == data);
  // At most 20 * 0.3 s of delays, and generous slack for a busy machine.
  EXPECT_LT(result.elapsed, std::chrono::seconds(6 + 10));
  // At least some delay: ten uniform delays of up to 0.3 s summing to less
  // than 0.3 s has a chance of 1 in 10! (3e-7).
  EXPECT_GE(result.elapsed, std::chrono::milliseconds(300));
}

}  // namespace
}  // namespace qrexec_proxy::test
