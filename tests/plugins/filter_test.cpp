#include "plugins/plugin_driver.hpp"
#include "support/null_context.hpp"
#include "support/temp_dir.hpp"

#include <gtest/gtest.h>

#include <random>

namespace qrexec_proxy::test {
namespace {

struct Outcome {
  std::string output;
  std::optional<std::string> aborted;
  std::uint64_t dropped = 0;
  std::vector<NullContext::Record> records;
};

// Runs `input` through filter(options) in src2dst, cut into chunks at
// `cuts` (offsets, ascending).
Outcome run(const nlohmann::json& options, const std::string& input,
            const std::vector<std::size_t>& cuts = {}) {
  auto plugin = make_plugin("filter", options);
  if (!plugin) return {};
  NullContext context;
  DirectionDriver driver(*plugin, context, Direction::src2dst);
  driver.feed_at_cuts(input, cuts);
  return {driver.output(), context.aborted, driver.dropped(), context.records};
}

// The outcome must be the same however the input is cut in two. When the
// call is aborted, what passed before depends on the chunks (the engine
// delivers nothing more once it aborts), but never goes beyond
// `expected_output`.
void expect_same_at_every_split(const nlohmann::json& options, const std::string& input,
                                const std::string& expected_output,
                                const std::optional<std::string>& expected_abort) {
  for (std::size_t split = 0; split <= input.size(); ++split) {
    SCOPED_TRACE("split at " + std::to_string(split));
    const Outcome outcome = run(options, input, {split});
    if (expected_abort)
      EXPECT_TRUE(expected_output.starts_with(outcome.output)) << outcome.output;
    else
      EXPECT_EQ(outcome.output, expected_output);
    EXPECT_EQ(outcome.aborted, expected_abort);
  }
}

TEST(FilterPlugin, AnyCharsetWithoutRulesPassesEverything) {
  const std::string bytes = random_bytes(100000);
  const Outcome outcome = run(nullptr, bytes, {1, 5000, 70000});
  EXPECT_TRUE(outcome.output == bytes);
  EXPECT_FALSE(outcome.aborted);
}

TEST(FilterPlugin, PrintableAcceptsPrintableAsciiTabAndLineEnds) {
  std::string text;
  for (int c = 0x20; c <= 0x7e; ++c) text.push_back(static_cast<char>(c));
  text += "\t\r\n";
  expect_same_at_every_split({{"charset", "printable"}}, text, text, std::nullopt);
}

TEST(FilterPlugin, PrintableAbortsAtTheFirstOtherByte) {
  for (const unsigned char bad : {0x00, 0x01, 0x1b, 0x7f, 0x80, 0xff}) {
    const std::string input = "fine\nal" + std::string(1, static_cast<char>(bad)) + "most\n";
    char hex[8];
    std::snprintf(hex, sizeof hex, "0x%02x", bad);
    const Outcome outcome = run({{"charset", "printable"}}, input, {3});
    ASSERT_TRUE(outcome.aborted) << hex;
    EXPECT_EQ(*outcome.aborted,
              std::string("filter: src2dst at byte 7: byte ") + hex + " is not printable");
    // Streaming: what came before the offending byte went on, nothing after.
    EXPECT_EQ(outcome.output, "fin");
    ASSERT_EQ(outcome.records.size(), 1u);
    EXPECT_EQ(outcome.records[0].priority, Priority::warning);
  }
}

TEST(FilterPlugin, Utf8AcceptsWellFormedTextCutAnywhere) {
  const std::string text = "a\u00e9\u20ac\U0001F600z\n\u07ff\uffff\U0010FFFF\x7f\x01\n";
  expect_same_at_every_split({{"charset", "utf8"}}, text, text, std::nullopt);
  // Held back: at most the start of one sequence (the driver checks
  // hold_bytes); it goes on once its end arrives.
  const Outcome outcome = run({{"charset", "utf8"}}, "x\xf0\x9f\x98\x80", {2, 3, 4});
  EXPECT_EQ(outcome.output, "x\xf0\x9f\x98\x80");
}

TEST(FilterPlugin, Utf8RefusesMalformedText) {
  const char* const malformed[] = {
      "\x80",              // a continuation byte alone
      "\xc0\x80",          // overlong NUL
      "\xc1\xbf",          // overlong
      "\xe0\x80\xaf",      // overlong
      "\xed\xa0\x80",      // a surrogate
      "\xf4\x90\x80\x80",  // above U+10FFFF
      "\xf5\x80\x80\x80",  // no such lead byte
      "\xc3\x28",          // a lead byte without its continuation
      "\xff",
  };
  for (const char* bad : malformed) {
    const std::string input = std::string("ok\n") + bad + "\n";
    SCOPED_TRACE(testing::PrintToString(input));
    for (std::size_t split = 0; split <= input.size(); ++split) {
      const Outcome outcome = run({{"charset", "utf8"}}, input, {split});
      ASSERT_TRUE(outcome.aborted);
      EXPECT_EQ(*outcome.aborted, "filter: src2dst at byte 3: invalid UTF-8");
      EXPECT_TRUE(std::string("ok\n").starts_with(outcome.output));
    }
  }
  const Outcome cut_short = run({{"charset", "utf8"}}, "ok\xe2\x82");
  ASSERT_TRUE(cut_short.aborted);
  EXPECT_EQ(*cut_short.aborted,
            "filter: src2dst at byte 2: a UTF-8 sequence cut short by the end of the stream");
}

TEST(FilterPlugin, MaxLineAbortsALongerLineWhereverTheChunksEnd) {
  const nlohmann::json options = {{"max_line", 5}};
  expect_same_at_every_split(options, "12345\n\n1\n12345", "12345\n\n1\n12345", std::nullopt);
  expect_same_at_every_split(
      options, "12345\n123456\n", "12345\n12345",
      "filter: src2dst at byte 11: a line is longer than max_line (5 bytes)");
}

TEST(FilterPlugin, DenyAbortsOnAMatchSpanningChunksAndPassesNoByteOfTheLine) {
  const nlohmann::json options = {{"deny", {"sec+ret", "^rm -rf"}}, {"max_line", 100}};
  expect_same_at_every_split(options, "hello\nmy secret is out\nbye\n", "hello\n",
                             "filter: src2dst at byte 6: the line matches deny pattern #0 "
                             "\"sec+ret\"");
  // Lines are held until checked: the good ones before went on, whatever
  // the chunks.
  for (const std::size_t split : {0, 3, 6, 10, 22})
    EXPECT_EQ(run(options, "hello\nmy secret is out\nbye\n", {split}).output, "hello\n");
  expect_same_at_every_split(options, "ls\nrm -rf /\n", "ls\n",
                             "filter: src2dst at byte 3: the line matches deny pattern #1 "
                             "\"^rm -rf\"");
  // Anchors are the line's: not a match in the middle of a line.
  expect_same_at_every_split(options, "echo rm -rf\nsecre t\n", "echo rm -rf\nsecre t\n",
                             std::nullopt);
  // The last line needs no '\n' to be checked.
  expect_same_at_every_split(options, "ok\nsecret", "ok\n",
                             "filter: src2dst at byte 3: the line matches deny pattern #0 "
                             "\"sec+ret\"");
}

TEST(FilterPlugin, DenyPatternsAreRe2) {
  const nlohmann::json options = {{"deny", {"(?i)password\\s*=", "\\x00", "\\Cbad"}},
                                  {"max_line", 1000}};
  EXPECT_TRUE(run(options, "PassWord =x\n").aborted);
  EXPECT_TRUE(run(options, std::string("a\0b\n", 4)).aborted);
  EXPECT_TRUE(run(options,
                  "\xff"
                  "bad\n")
                  .aborted);
  EXPECT_FALSE(run(options, "password\n").aborted);
  // A pattern that would take exponential time with backtracking takes
  // linear time with RE2.
  const nlohmann::json slow = {{"deny", {"^(a+)+$"}}, {"max_line", 100000}};
  const Outcome outcome = run(slow, std::string(50000, 'a') + "b\n");
  EXPECT_FALSE(outcome.aborted);
}

TEST(FilterPlugin, DropLeavesOutOffendingLinesWholeAndGoesOn) {
  const nlohmann::json options = {
      {"deny", {"secret"}}, {"max_line", 8}, {"charset", "printable"}, {"action", "drop"}};
  const std::string input =
      "one\nsecret\ntwo\n0123456789abcdef\nthree\nbad\x01\n12345678\nnine long line\n\nlast";
  const std::string expected = "one\ntwo\nthree\n12345678\n\nlast";
  for (std::size_t split = 0; split <= input.size(); ++split) {
    SCOPED_TRACE("split at " + std::to_string(split));
    const Outcome outcome = run(options, input, {split});
    EXPECT_EQ(outcome.output, expected);
    EXPECT_FALSE(outcome.aborted);
    EXPECT_EQ(outcome.dropped, input.size() - expected.size());
    // The first drop is named, the rest only counted.
    ASSERT_EQ(outcome.records.size(), 2u);
    EXPECT_EQ(outcome.records[0].message,
              "filter: dropped a src2dst line at byte 4: the line matches deny pattern #0 "
              "\"secret\" (further drops are only counted)");
    EXPECT_EQ(outcome.records[1].message, "filter: dropped 4 src2dst lines in all");
  }
}

TEST(FilterPlugin, DropsALastLineThatOffends) {
  const nlohmann::json options = {{"deny", {"x"}}, {"max_line", 8}, {"action", "drop"}};
  EXPECT_EQ(run(options, "a\nbxb").output, "a\n");
  EXPECT_EQ(run(options, "a\n0123456789").output, "a\n");
}

TEST(FilterPlugin, RandomChunksGiveTheSameResultAsOneChunk) {
  std::mt19937 random(42);
  std::string input;
  std::uniform_int_distribution<int> length(0, 40);
  std::uniform_int_distribution<int> letter('a', 'f');
  for (int line = 0; line < 2000; ++line) {
    const int size = length(random);
    for (int i = 0; i < size; ++i) input.push_back(static_cast<char>(letter(random)));
    input.push_back('\n');
  }
  const nlohmann::json options = {
      {"deny", {"abc", "^f.*f$"}}, {"max_line", 30}, {"action", "drop"}};
  std::string expected;
  std::size_t start = 0;
  while (start < input.size()) {
    const std::size_t end = input.find('\n', start);
    const std::string line = input.substr(start, end - start);
    const bool bad = line.size() > 30 || line.find("abc") != std::string::npos ||
                     (line.size() >= 2 && line.front() == 'f' && line.back() == 'f');
    if (!bad) expected += line + "\n";
    start = end + 1;
  }
  for (int round = 0; round < 20; ++round) {
    std::vector<std::size_t> cuts;
    for (std::size_t at = 0;;) {
      at += std::uniform_int_distribution<std::size_t>(1, 100)(random);
      if (at >= input.size()) break;
      cuts.push_back(at);
    }
    EXPECT_TRUE(run(options, input, cuts).output == expected) << "round " << round;
  }
}

TEST(FilterPlugin, OnlyTheChosenDirectionIsCheckedOrCopied) {
  auto plugin = make_plugin("filter", {{"charset", "printable"}, {"direction", "dst2src"}});
  const DataNeeds up = plugin->needs(Direction::src2dst);
  EXPECT_FALSE(up.reads_bytes);
  EXPECT_FALSE(up.drops_bytes);
  EXPECT_TRUE(plugin->needs(Direction::dst2src).reads_bytes);
  NullContext context;
  DirectionDriver forward(*plugin, context, Direction::src2dst);
  forward.feed(std::string("\x01\x02", 2));
  EXPECT_EQ(forward.output(), std::string("\x01\x02", 2));
  EXPECT_FALSE(context.aborted);
  DirectionDriver backward(*plugin, context, Direction::dst2src);
  backward.feed(std::string("\x01\x02", 2));
  ASSERT_TRUE(context.aborted);
  EXPECT_EQ(*context.aborted, "filter: dst2src at byte 0: byte 0x01 is not printable");
}

TEST(FilterPlugin, AsksForABufferThatHoldsALine) {
  auto streaming = make_plugin("filter", {{"charset", "utf8"}, {"max_line", 1000}});
  EXPECT_FALSE(streaming->needs(Direction::src2dst).drops_bytes);
  EXPECT_EQ(streaming->needs(Direction::src2dst).hold_bytes, 4u);
  auto lines = make_plugin("filter", {{"action", "drop"}, {"max_line", 1000}});
  EXPECT_TRUE(lines->needs(Direction::dst2src).drops_bytes);
  EXPECT_EQ(lines->needs(Direction::dst2src).hold_bytes, 1001u + 64 * 1024);
  auto deny = make_plugin("filter", {{"deny", {"x"}}, {"max_line", 10}});
  EXPECT_FALSE(deny->needs(Direction::dst2src).drops_bytes);
}

TEST(FilterPlugin, AfterAnAbortThatDoesNotEndTheCallTheDirectionPassesUnchecked) {
  // An abort normally ends the call at once; should it not, the direction
  // must neither stall nor ask again for every later byte.
  for (const nlohmann::json& options : {nlohmann::json{{"charset", "printable"}},
                                        nlohmann::json{{"deny", {"bad"}}, {"max_line", 100}}}) {
    SCOPED_TRACE(options.dump());
    auto plugin = make_plugin("filter", options);
    NullContext context;
    std::string first = "bad \x01\nmore";
    const Verdict verdict = offer_once(*plugin, context, first, false);
    ASSERT_TRUE(context.aborted);
    EXPECT_EQ(verdict.kind(), Verdict::Kind::pass);
    EXPECT_EQ(verdict.count(), first.size());
    context.aborted.reset();
    std::string later = "bad \x02 again\n";
    EXPECT_EQ(offer_once(*plugin, context, later, false).count(), later.size());
    EXPECT_FALSE(context.aborted);
  }
}

TEST(FilterPlugin, OptionsAreCheckedAtLoad) {
  EXPECT_EQ(option_error("filter", {{"deny", {"ok", "(unclosed"}}, {"max_line", 10}}),
            "deny: pattern \"(unclosed\" is not a valid RE2 expression: missing ): (unclosed");
  EXPECT_EQ(option_error("filter", {{"deny", {"a{1000}{1000}"}}, {"max_line", 10}}),
            "deny: pattern \"a{1000}{1000}\" is not a valid RE2 expression: bad repetition "
            "operator: {1000}{1000}");
  const std::string needs_max_line =
      "max_line: must be set when deny is not empty or action is drop: each line is held until "
      "it is checked, and max_line bounds the memory that takes";
  EXPECT_EQ(option_error("filter", {{"deny", {"x"}}}), needs_max_line);
  EXPECT_EQ(option_error("filter", {{"action", "drop"}}), needs_max_line);
  EXPECT_EQ(option_error("filter", {{"max_line", 0}}),
            "max_line: must be between 1 and 16777216 (or -1 for no limit), not 0");
  EXPECT_EQ(option_error("filter", {{"charset", "ascii"}}),
            "charset: must be one of any, printable, utf8, not \"ascii\"");
  EXPECT_EQ(option_error("filter", {{"direction", "up"}}),
            "direction: must be one of src2dst, dst2src, both, not \"up\"");
  EXPECT_EQ(option_error("filter", {{"charset", "printable"}}), "");
}

}  // namespace
}  // namespace qrexec_proxy::test
