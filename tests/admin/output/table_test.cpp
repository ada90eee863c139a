#include "admin/output/table.hpp"

#include <gtest/gtest.h>

namespace qrexec_proxy::admin {
namespace {

TEST(Table, AlignsColumnsUnderACapitalisedHeader) {
  Table table({"name", "plugins", "file"});
  table.add_row({"limit", "byte_limit", "/etc/a.json"});
  table.add_row({"3pass", "pass,pass,pass", "/etc/b.json"});
  EXPECT_EQ(table.render(Style(false)),
            "NAME   PLUGINS         FILE\n"
            "limit  byte_limit      /etc/a.json\n"
            "3pass  pass,pass,pass  /etc/b.json\n");
}

TEST(Table, LeavesNoTrailingSpaces) {
  Table table({});
  table.add_row({"a", "", ""});
  table.add_row({"", "b", "c"});
  EXPECT_EQ(table.render(Style(false)), "a\n   b  c\n");
}

TEST(Table, ColoursOnlyWhenAskedAndKeepsAlignment) {
  Table table({"x", "y"});
  table.add_row({Cell("ok", Colour::green), "1"});
  EXPECT_EQ(table.render(Style(false)), "X   Y\nok  1\n");
  EXPECT_EQ(table.render(Style(true)), "\033[1mX\033[0m   \033[1mY\033[0m\n\033[32mok\033[0m  1\n");
}

TEST(Table, ShowsControlBytesEscaped) {
  Table table({});
  table.add_row({"a\033[2Jb", "c"});
  EXPECT_EQ(table.render(Style(false)), "a\\x1b[2Jb  c\n");
}

TEST(Table, CountsUtf8CharactersNotBytes) {
  Table table({});
  table.add_row({"\xc3\xa9t\xc3\xa9", "x"});
  table.add_row({"abcd", "y"});
  EXPECT_EQ(table.render(Style(false)), "\xc3\xa9t\xc3\xa9   x\nabcd  y\n");
}

}  // namespace
}  // namespace qrexec_proxy::admin
