// The journal writer speaks journald's native protocol: checked byte for
// byte, and against the real journal for values the plain form cannot
// carry (newlines) and records too large for one datagram.
#include "log/journal.hpp"

#include "support/journal_query.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

#include <nlohmann/json.hpp>

#include <gtest/gtest.h>

#include <sstream>

#include <unistd.h>

namespace qrexec_proxy {
namespace {

TEST(Journal, FieldsUseTheNativeFormat) {
  std::string record;
  append_journal_field(record, "A", "plain value");
  EXPECT_EQ(record, "A=plain value\n");
  record.clear();
  append_journal_field(record, "B", "two\nlines");
  EXPECT_EQ(record, std::string("B\n\x09\0\0\0\0\0\0\0two\nlines\n", 20));
  record.clear();
  append_journal_field(record, "C", "");
  EXPECT_EQ(record, "C=\n");
}

TEST(Journal, MultiLineValuesAndLargeRecordsReachTheJournal) {
  ASSERT_TRUE(test::journal_running());
  const std::string source = "journal-test-" + test::random_suffix(8);
  Journal journal;
  journal.set_source(source, entry_name::explicit_call);
  journal.send(Priority::notice, "test", "first line\nsecond line");
  // Far more than a datagram may hold: it goes in a memfd.
  const std::string large(3 * 1024 * 1024, 'x');
  const LogField fields[] = {{"LARGE", large}};
  journal.send(Priority::notice, "test", "large", fields);

  const auto records = test::journal_records({"SOURCE=" + source}, 2);
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0]["MESSAGE"], "first line\nsecond line");
  EXPECT_EQ(records[0]["EVENT"], "test");
  EXPECT_EQ(records[0]["PRIORITY"], "5");
  EXPECT_EQ(records[0]["ENTRY"], "explicit");
  EXPECT_EQ(records[1]["MESSAGE"], "large");
  EXPECT_EQ(records[1]["LARGE"], large);
}

}  // namespace
}  // namespace qrexec_proxy
