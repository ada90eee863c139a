#include "support/logged_bytes.hpp"
#include "support/make_plugin.hpp"
#include "support/null_context.hpp"
#include "support/temp_dir.hpp"

#include <gtest/gtest.h>

namespace qrexec_proxy {
namespace {

using nlohmann::json;

// Offers `text` to the plugin as one chunk; expects it all to pass.
void offer(Plugin& plugin, test::NullContext& context, Direction direction, std::string& text) {
  DataView view{direction, text.size(), std::as_writable_bytes(std::span(text)), false};
  const Verdict verdict = plugin.on_data(context, view);
  EXPECT_EQ(verdict.kind(), Verdict::Kind::pass);
  EXPECT_EQ(verdict.count(), text.size());
}

// The bytes the records of one direction show, in stream order, checking
// that they follow each other without gap.
std::string logged_stream(const test::NullContext& context, Direction direction,
                          const std::string& decode, const std::string& encoding = "") {
  std::string stream;
  for (const auto& record : context.records) {
    if (record.field("DIRECTION") != to_string(direction)) continue;
    EXPECT_EQ(record.field("OFFSET"), std::to_string(stream.size()));
    const std::string data = record.field("DATA");
    const auto bytes = decode == "base64" ? test::decode_base64(data)
                       : decode == "hex"  ? test::decode_hex(data)
                                          : test::unescape_text(data, encoding);
    EXPECT_TRUE(bytes.has_value()) << data;
    EXPECT_EQ(record.field("LENGTH"), std::to_string(bytes.value_or("").size()));
    stream += bytes.value_or("");
  }
  return stream;
}

TEST(SniffPlugin, ReadsBytesInBothDirectionsAndPassesThemAll) {
  const auto plugin = test::make_plugin("sniff");
  for (const Direction direction : kBothDirections) {
    EXPECT_TRUE(plugin->needs(direction).reads_bytes);
    EXPECT_FALSE(plugin->needs(direction).drops_bytes);
  }
}

TEST(SniffPlugin, LogsEachChunkWithItsDirectionAsTheOriginalDid) {
  const auto plugin = test::make_plugin("sniff");
  test::NullContext context;
  context.info = {"debug", "work", "vault", "my.Service+arg"};
  std::string request = "hello", reply = "world!";
  offer(*plugin, context, Direction::src2dst, request);
  offer(*plugin, context, Direction::dst2src, reply);
  ASSERT_EQ(context.records.size(), 2u);
  EXPECT_EQ(context.records[0].message, "(data:debug:my.Service+arg) work -> vault: aGVsbG8=");
  EXPECT_EQ(context.records[0].priority, Priority::info);
  EXPECT_EQ(context.records[0].field("DIRECTION"), "src2dst");
  EXPECT_EQ(context.records[0].field("DECODE"), "base64");
  EXPECT_EQ(context.records[0].field("DATA"), "aGVsbG8=");
  EXPECT_EQ(context.records[0].field("OFFSET"), "0");
  EXPECT_EQ(context.records[0].field("LENGTH"), "5");
  EXPECT_EQ(context.records[0].field("ENCODING"), "(missing)");
  EXPECT_EQ(context.records[1].message, "(data:debug:my.Service+arg) vault -> work: d29ybGQh");
  EXPECT_EQ(context.records[1].field("DIRECTION"), "dst2src");
}

TEST(SniffPlugin, LongChunksAreSplitIntoBoundedRecordsThatDecodeBack) {
  for (const char* decode : {"base64", "hex", "str"}) {
    SCOPED_TRACE(decode);
    const auto plugin = test::make_plugin("sniff", {{"decode", decode}, {"record_bytes", 768}});
    test::NullContext context;
    std::string first = test::random_bytes(2000), second = test::random_bytes(1000);
    offer(*plugin, context, Direction::src2dst, first);
    offer(*plugin, context, Direction::src2dst, second);
    EXPECT_GE(context.records.size(), 5u);  // 3 + 2 records at least
    for (const auto& record : context.records) EXPECT_LE(std::stoul(record.field("LENGTH")), 768u);
    EXPECT_TRUE(logged_stream(context, Direction::src2dst, decode, "utf-8") == first + second);
  }
}

TEST(SniffPlugin, RecordsHoldUpTo16KiBByDefault) {
  const auto plugin = test::make_plugin("sniff", {{"decode", "hex"}});
  test::NullContext context;
  std::string data = test::random_bytes(40000);
  offer(*plugin, context, Direction::dst2src, data);
  ASSERT_EQ(context.records.size(), 3u);  // 16384 + 16384 + 7232
  EXPECT_EQ(context.records[0].field("LENGTH"), "16384");
  EXPECT_EQ(context.records[1].field("OFFSET"), "16384");
  EXPECT_EQ(context.records[2].field("LENGTH"), "7232");
  EXPECT_TRUE(logged_stream(context, Direction::dst2src, "hex", "utf-8") == data);
}

TEST(SniffPlugin, TextIsEscapedSoNothingRawReachesTheJournal) {
  const auto plugin = test::make_plugin("sniff", {{"decode", "string"}});
  test::NullContext context;
  std::string hostile =
      "ls\r\n\x1b]0;owned\x07\xc2\x9b"
      "2J\xff caf\xc3\xa9";
  offer(*plugin, context, Direction::src2dst, hostile);
  ASSERT_EQ(context.records.size(), 1u);
  EXPECT_EQ(context.records[0].field("DATA"),
            "ls\\r\\n\\x1b]0;owned\\x07\\u009b2J\\xff caf\xc3\xa9");
  EXPECT_EQ(context.records[0].field("DECODE"), "str");
  EXPECT_EQ(context.records[0].field("ENCODING"), "utf-8");
}

TEST(SniffPlugin, TheOriginalsAsciiConfigWorks) {
  const auto plugin = test::make_plugin("sniff", {{"decode", "str"}, {"encoding", "ascii"}});
  test::NullContext context;
  std::string text = "caf\xc3\xa9\n";
  offer(*plugin, context, Direction::dst2src, text);
  ASSERT_EQ(context.records.size(), 1u);
  EXPECT_EQ(context.records[0].field("DATA"), "caf\\xc3\\xa9\\n");
  EXPECT_EQ(context.records[0].field("ENCODING"), "ascii");
}

TEST(SniffPlugin, UnknownDecodingsAndEncodingsAreFoundAtLoad) {
  EXPECT_EQ(test::option_error("sniff", {{"decode", "hex"}}), "");
  EXPECT_EQ(test::option_error("sniff", {{"encoding", "ISO-8859-1"}}), "");
  EXPECT_EQ(test::option_error("sniff", {{"decode", "rot13"}}),
            "decode: must be one of base64, hex, str, string, not \"rot13\"");
  EXPECT_EQ(test::option_error("sniff", {{"decode", "str"}, {"encoding", "utf-16"}}),
            "encoding: must be utf-8, ascii or latin-1, not \"utf-16\"");
  EXPECT_EQ(test::option_error("sniff", {{"encoding", 8}}),
            "encoding: must be a string, not number");
}

}  // namespace
}  // namespace qrexec_proxy
