// filter end to end: charsets, line lengths and deny patterns, aborting or
// dropping, in each direction, with lines cut across reads.
#include "support/emulation.hpp"
#include "support/journal_query.hpp"

#include <gtest/gtest.h>

namespace qrexec_proxy::test {
namespace {

constexpr const char* kChains = R"({
  "printable": {"plugins": ["filter"], "config": {"filter": {"charset": "printable"}}},
  "utf8": {"plugins": ["filter"], "config": {"filter": {"charset": "utf8"}}},
  "short": {"plugins": ["filter"], "config": {"filter": {"max_line": 10}}},
  "deny": {"plugins": ["filter"], "config": {"filter": {"deny": ["sec+ret", "^rm "], "max_line": 1000}}},
  "drop-up": {"plugins": ["filter"], "config": {"filter":
    {"deny": ["secret"], "max_line": 20, "charset": "printable", "action": "drop", "direction": "src2dst"}}},
  "drop-down": {"plugins": ["filter"], "config": {"filter":
    {"deny": ["secret"], "max_line": 20, "action": "drop", "direction": "dst2src"}}}
})";

class Filter : public ::testing::Test {
 protected:
  Filter() {
    emulation.write_config(kChains);
    // Stores what it receives and sends it back.
    emulation.add_service("dst", "test.Tee",
                          "#!/bin/sh\nexec tee \"$QREXEC_EMU_ROOT/dst/out/tee\"\n");
  }
  ProcessResult call(const std::string& argument, const std::string& input) {
    ProcessOptions options;
    options.input = input;
    return emulation.call("qrexec-proxy+" + argument, options);
  }
  // The source sends the output of a shell command.
  ProcessResult call_from_shell(const std::string& argument, const std::string& command) {
    ProcessOptions options;
    options.environment = emulation.environment(emulation.source());
    return run_process(
        {"/bin/sh", "-c", "(" + command + ") | exec \"$0\" proxy qrexec-proxy+" + argument,
         emulator_path().string()},
        options);
  }
  std::string summary_reason() {
    const auto records = journal_records({"SOURCE=" + emulation.source(), "EVENT=summary"});
    return records.size() == 1 ? field(records[0], "REASON") : "no single summary";
  }
  Emulation emulation;
};

TEST_F(Filter, CheckedTextPassesUnchangedBothWays) {
  const std::string printable = "plain text,\twith tabs\r\nand lines\n";
  EXPECT_EQ(call("printable+dst+qrexec-mirror", printable).out, printable);
  const std::string text = "h\u00e9llo \u20ac \U0001F600\n";
  std::string big;
  while (big.size() < 1024 * 1024) big += text;
  const ProcessResult result = call("utf8+dst+qrexec-mirror", big);
  EXPECT_EQ(result.exit_status, 0);
  EXPECT_TRUE(result.out == big);
  EXPECT_EQ(call("short+dst+qrexec-mirror", "0123456789\nshort\n").out, "0123456789\nshort\n");
  EXPECT_EQ(call("deny+dst+qrexec-mirror", "a secrt\nfirm rm -f\n").out, "a secrt\nfirm rm -f\n");
}

TEST_F(Filter, EachCharsetAbortsOnABadByte) {
  ASSERT_TRUE(journal_running());
  ProcessResult result = call("printable+dst+qrexec-mirror", "text\nwith \x1b[31m escape\n");
  EXPECT_EQ(result.exit_status, 124);
  EXPECT_EQ(result.err, "");
  EXPECT_EQ(summary_reason(), "filter: src2dst at byte 10: byte 0x1b is not printable");
  Emulation second;
  second.write_config(kChains);
  ProcessOptions latin1;
  latin1.input = "caf\xc3\xa9 latin-1: caf\xe9\n";
  result = second.call("qrexec-proxy+utf8+dst+qrexec-mirror", latin1);
  EXPECT_EQ(result.exit_status, 124);
}

TEST_F(Filter, TheReplyIsCheckedToo) {
  // test.Emit sends 'x' * ARG without a newline: one line, too long.
  const ProcessResult result = call("short+dst+test.Emit+100", "");
  EXPECT_EQ(result.exit_status, 124);
  EXPECT_LT(result.out.size(), 11u);
}

TEST_F(Filter, MaxLineAbortsALongLine) {
  const ProcessResult result = call("short+dst+test.Sink+short", "ok\n0123456789A\nnever\n");
  EXPECT_EQ(result.exit_status, 124);
  const std::string received = read_file(emulation.output("short"));
  EXPECT_TRUE(std::string("ok\n0123456789").starts_with(received)) << received;
}

TEST_F(Filter, DenyAbortsOnAPatternCutAcrossReadsAndNoByteOfItsLinePasses) {
  ASSERT_TRUE(journal_running());
  // The rest of the line is sent once the destination holds "ok\n" (at
  // most 30 s later): the pattern is cut across reads however slow the
  // machine.
  const std::string received = emulation.output("deny").string();
  const ProcessResult result = call_from_shell(
      "deny+dst+test.Sink+deny", "printf 'ok\\nmy sec'; for i in $(seq 600); do [ -s '" + received +
                                     "' ] && break; sleep 0.05; done; printf 'ret\\nnext\\n'");
  EXPECT_EQ(result.exit_status, 124);
  EXPECT_EQ(read_file(emulation.output("deny")), "ok\n");
  EXPECT_EQ(summary_reason(),
            "filter: src2dst at byte 3: the line matches deny pattern #0 \"sec+ret\"");
}

TEST_F(Filter, DropLeavesOutOffendingLinesOfTheRequest) {
  const ProcessResult result = call_from_shell(
      "drop-up+dst+test.Tee",
      "printf 'one\\nthe sec'; sleep 0.3; printf 'ret\\ntwo\\nbell\\a\\n0123456789'; sleep 0.3; "
      "printf '0123456789 too long\\nthree'");
  EXPECT_EQ(result.exit_status, 0);
  EXPECT_EQ(read_file(emulation.output("tee")), "one\ntwo\nthree");
  EXPECT_EQ(result.out, "one\ntwo\nthree");
}

TEST_F(Filter, DropLeavesOutOffendingLinesOfTheReplyOnly) {
  const std::string input = "keep\nsecret here\n\x01 binary is fine\nalso kept\n";
  const ProcessResult result = call("drop-down+dst+test.Tee", input);
  EXPECT_EQ(result.exit_status, 0);
  EXPECT_EQ(read_file(emulation.output("tee")), input) << "the request must pass unchecked";
  EXPECT_EQ(result.out, "keep\n\x01 binary is fine\nalso kept\n");
}

}  // namespace
}  // namespace qrexec_proxy::test
