#include "admin/output/style.hpp"

#include <gtest/gtest.h>

namespace qrexec_proxy::admin {
namespace {

TEST(Printable, PassesTextAndUtf8) {
  EXPECT_EQ(printable("plain text, with \\ and ~"), "plain text, with \\ and ~");
  EXPECT_EQ(printable("caf\xc3\xa9 \xe2\x82\xac"), "caf\xc3\xa9 \xe2\x82\xac");
}

TEST(Printable, EscapesControlBytesAndBrokenUtf8) {
  EXPECT_EQ(printable("a\nb\tc\x7f"), "a\\x0ab\\x09c\\x7f");
  EXPECT_EQ(printable("\033]0;title\007"), "\\x1b]0;title\\x07");
  // C1 control CSI (U+009B) encoded in UTF-8 drives terminals too.
  EXPECT_EQ(printable("\xc2\x9b"), "\\xc2\\x9b");
  EXPECT_EQ(printable("\xff\xc3"), "\\xff\\xc3");
  // An overlong encoding of '/' is not UTF-8.
  EXPECT_EQ(printable("\xc0\xaf"), "\\xc0\\xaf");
  EXPECT_EQ(printable(std::string("a\0b", 3)), "a\\x00b");
}

TEST(Style, PaintsOnlyWithColour) {
  EXPECT_EQ(Style(false).paint("x", Colour::red), "x");
  EXPECT_EQ(Style(true).paint("x", Colour::red), "\033[31mx\033[0m");
  EXPECT_EQ(Style(true).paint("x", Colour::none), "x");
}

TEST(Style, NoColourWhenStdoutIsNotATerminal) {
  // The tests run with stdout on a pipe or a file.
  if (::isatty(1) == 1) GTEST_SKIP() << "stdout is a terminal";
  EXPECT_FALSE(Style::for_stdout().colour());
}

}  // namespace
}  // namespace qrexec_proxy::admin
