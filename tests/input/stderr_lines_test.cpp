#include "input/stderr_lines.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace qrexec_proxy {
namespace {

struct Collected {
  std::vector<std::string> lines;
  StderrLines::Sink sink() {
    return [this](std::string_view line) { lines.emplace_back(line); };
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
}

}  // namespace
}  // namespace qrexec_proxy
