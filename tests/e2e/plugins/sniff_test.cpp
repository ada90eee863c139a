// sniff end to end: what it logs is every byte that passed, in order, and
// nothing raw from the calling qube reaches the journal.
#include "support/emulation.hpp"
#include "support/journal_query.hpp"
#include "support/logged_bytes.hpp"

#include <gtest/gtest.h>

namespace qrexec_proxy::test {
namespace {

constexpr const char* kChains = R"({
  "sniff-base64": {"plugins": ["sniff"]},
  "sniff-hex": {"plugins": ["sniff"], "config": {"sniff": {"decode": "hex"}}},
  "sniff-text": {"plugins": ["sniff"], "config": {"sniff": {"decode": "str"}}},
  "sniff-ascii": {"plugins": ["pass", "sniff"], "config": {"1": {"decode": "string", "encoding": "ascii"}}}
})";

struct Sniffed {
  std::string bytes;  // what the records of one direction decode to
  std::vector<nlohmann::json> records;
};

// The sniff records of one call and direction, decoded in stream order.
// They are all in once the call's summary is.
Sniffed sniffed(const Emulation& emulation, const std::string& chain,
                const std::string& direction) {
  const auto summary =
      journal_records({"SOURCE=" + emulation.source(), "CHAIN=" + chain, "EVENT=summary"});
  EXPECT_EQ(summary.size(), 1u);
  Sniffed result;
  result.records = journal_records(
      {"SOURCE=" + emulation.source(), "CHAIN=" + chain, "PLUGIN=sniff", "DIRECTION=" + direction},
      0, std::chrono::milliseconds(0));
  for (const auto& record : result.records) {
    EXPECT_EQ(field(record, "OFFSET"), std::to_string(result.bytes.size()));
    const std::string decode = field(record, "DECODE");
    const std::string data = field(record, "DATA");
    const auto bytes = decode == "base64" ? decode_base64(data)
                       : decode == "hex"  ? decode_hex(data)
                                          : unescape_text(data, field(record, "ENCODING"));
    EXPECT_TRUE(bytes.has_value()) << "not a rendering: " << data;
    EXPECT_EQ(field(record, "LENGTH"), std::to_string(bytes.value_or("").size()));
    result.bytes += bytes.value_or("");
  }
  return result;
}

class Sniff : public ::testing::Test {
 protected:
  Sniff() { emulation.write_config(kChains); }
  void SetUp() override { ASSERT_TRUE(journal_running()); }
  Emulation emulation;
};

TEST_F(Sniff, WhatIsLoggedDecodesBackToExactlyTheBytesThatPassed) {
  const std::string data = random_bytes(50000);
  for (const char* chain : {"sniff-base64", "sniff-hex", "sniff-text", "sniff-ascii"}) {
    SCOPED_TRACE(chain);
    ProcessOptions options;
    options.input = data;
    const ProcessResult result =
        emulation.call(std::string("qrexec-proxy+") + chain + "+dst+qrexec-mirror", options);
    EXPECT_EQ(result.exit_status, 0);
    EXPECT_TRUE(result.out == data) << "the bytes changed on their way";
    for (const std::string direction : {"src2dst", "dst2src"}) {
      const Sniffed logged = sniffed(emulation, chain, direction);
      EXPECT_GE(logged.records.size(), 50000u / 16384 + 1);
      EXPECT_TRUE(logged.bytes == data)
          << direction << ": logged " << logged.bytes.size() << " bytes, not the ones passed";
      for (const auto& record : logged.records) {
        EXPECT_EQ(field(record, "CHAIN"), chain);
        EXPECT_EQ(field(record, "SOURCE"), emulation.source());
        EXPECT_EQ(field(record, "TARGET"), "dst");
        EXPECT_EQ(field(record, "SERVICE"), "qrexec-mirror");
        const std::string sender = direction == "src2dst" ? emulation.source() : "dst";
        const std::string receiver = direction == "src2dst" ? "dst" : emulation.source();
        EXPECT_EQ(field(record, "MESSAGE"), std::string("(data:") + chain + ":qrexec-mirror) " +
                                                sender + " -> " + receiver + ": " +
                                                field(record, "DATA"));
      }
    }
  }
}

TEST_F(Sniff, HostileTextReachesTheJournalOnlyEscaped) {
  // Terminal escapes (CSI, OSC, C1 CSI), a bell, a fake log line, invalid
  // UTF-8, a bidirectional override, and valid text that must stay readable.
  const std::string hostile =
      "\x1b[2J\x1b]0;pwned\x07\xc2\x9b"
      "31m\r\nMar 1 root: fake\n\xff\xfe\xc0\xaf"
      "\xe2\x80\xae"
      "txt.exe caf\xc3\xa9 \xe2\x82\xac";
  ProcessOptions options;
  options.input = hostile;
  const ProcessResult result = emulation.call("qrexec-proxy+sniff-text+dst+qrexec-mirror", options);
  EXPECT_EQ(result.exit_status, 0);
  EXPECT_EQ(result.out, hostile);
  const Sniffed logged = sniffed(emulation, "sniff-text", "src2dst");
  EXPECT_EQ(logged.bytes, hostile);
  ASSERT_FALSE(logged.records.empty());
  std::string shown;
  for (const auto& record : logged.records) {
    // journalctl prints a field as an array of numbers unless it is
    // printable UTF-8: strings mean no raw control byte or invalid text got in.
    EXPECT_TRUE(record["MESSAGE"].is_string()) << record["MESSAGE"].dump();
    EXPECT_TRUE(record["DATA"].is_string()) << record["DATA"].dump();
    shown += field(record, "DATA");
  }
  EXPECT_EQ(shown,
            "\\x1b[2J\\x1b]0;pwned\\x07\\u009b31m\\r\\nMar 1 root: fake\\n\\xff\\xfe\\xc0\\xaf"
            "\\u202etxt.exe caf\xc3\xa9 \xe2\x82\xac");
}

TEST_F(Sniff, AFloodIsBoundedByMaxRecordsAndSaysWhatWasLeftOut) {
  emulation.write_config(R"({"capped": {"plugins": ["sniff"],
      "config": {"sniff": {"record_bytes": 16, "max_records": 50}}}})");
  ProcessOptions options;
  options.input = random_bytes(100000);
  const ProcessResult result = emulation.call("qrexec-proxy+capped+dst+test.Count", options);
  EXPECT_EQ(result.exit_status, 0);
  EXPECT_EQ(result.out, "100000\n") << "sniff never holds bytes back";
  const auto summary = journal_records({"SOURCE=" + emulation.source(), "EVENT=summary"});
  ASSERT_EQ(summary.size(), 1u);
  const auto records = journal_records({"SOURCE=" + emulation.source(), "PLUGIN=sniff"}, 0,
                                       std::chrono::milliseconds(0));
  // 50 records of bytes, one saying the limit is reached, and one per
  // direction with the bytes left out.
  ASSERT_EQ(records.size(), 53u);
  EXPECT_EQ(field(records[50], "MESSAGE"),
            "sniff: max_records (50) reached: nothing more of this call is logged");
  EXPECT_EQ(field(records[51], "DIRECTION"), "src2dst");
  EXPECT_EQ(field(records[51], "LEFT_OUT"), std::to_string(100000 - 50 * 16));
  EXPECT_EQ(field(records[52], "DIRECTION"), "dst2src");
  EXPECT_EQ(field(records[52], "LEFT_OUT"), "7");
}

}  // namespace
}  // namespace qrexec_proxy::test
