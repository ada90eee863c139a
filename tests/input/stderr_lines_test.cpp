#include "input/stderr_lines.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace qrexec_proxy {
namespace {

struct Collected {
  std::vector<std::string> lines;
  std::vector<std::size_t> cut;
  StderrLines::Sink sink() {
    return [this](std::string_view line, std::size_t cut_bytes) {
      lines.emplace_back(line);
      cut.push_back(cut_bytes);
    };
  }
};

TEST(StderrLines, SplitsOnNewlinesAcrossReads) {
  StderrLines lines(1024);
  Collected out;
  lines.feed("first li", out.sink());
  lines.feed("ne\nsecond\nthi", out.sink());
  EXPECT_EQ(out.lines, (std::vector<std::string>{"first line", "second"}));
  lines.feed("rd\n\n", out.sink());
  EXPECT_EQ(out.lines, (std::vector<std::string>{"first line", "second", "third", ""}));
  lines.finish(out.sink());
  EXPECT_EQ(out.lines.size(), 4u) << "nothing was left to flush";
}

TEST(StderrLines, TheLastLineWithoutItsNewlineComesAtTheEnd) {
  StderrLines lines(1024);
  Collected out;
  lines.feed("no newline", out.sink());
  EXPECT_TRUE(out.lines.empty());
  lines.finish(out.sink());
  EXPECT_EQ(out.lines, std::vector<std::string>{"no newline"});
}

TEST(StderrLines, LinesAreCutAtTheirMaximumAndMadeSafe) {
  StderrLines lines(8);
  Collected out;
  lines.feed("0123456789abcdef\n", out.sink());
  lines.feed("\x1b[31mred\r\n", out.sink());
  lines.feed("a\\b\xff\n", out.sink());
  EXPECT_EQ(out.lines, (std::vector<std::string>{"01234567", "\\x1b[31mred", "a\\x5cb\\xff"}));
  EXPECT_EQ(out.cut, (std::vector<std::size_t>{8, 1, 0}));
  // A line cut over several reads counts every byte left out.
  lines.feed("0123456789", out.sink());
  lines.feed("abcdef", out.sink());
  lines.finish(out.sink());
  EXPECT_EQ(out.lines.back(), "01234567");
  EXPECT_EQ(out.cut.back(), 8u);
}

}  // namespace
}  // namespace qrexec_proxy
