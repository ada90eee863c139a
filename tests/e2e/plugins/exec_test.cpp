// The exec plugin end to end: filter programs in the data path.
#include "support/emulation.hpp"
#include "support/journal_query.hpp"

#include <gtest/gtest.h>

namespace qrexec_proxy::test {
namespace {

class Exec : public ::testing::Test {
 protected:
  Exec() {
    // Filter programs of the proxy qube, written as a user would.
    write_file(emulation.root() / "filters/upper", "#!/bin/sh\nexec /usr/bin/tr a-z A-Z\n");
    write_file(emulation.root() / "filters/who",
               "#!/bin/sh\nprintf '%s %s %s %s %s\\n' \"$QREXEC_PROXY_CALL_CHAIN\" "
               "\"$QREXEC_PROXY_CALL_SOURCE\" \"$QREXEC_PROXY_CALL_TARGET\" "
               "\"$QREXEC_PROXY_CALL_SERVICE\" \"$QREXEC_PROXY_CALL_DIRECTION\"\nexec cat\n");
    write_file(emulation.root() / "filters/fail",
               "#!/bin/sh\necho 'filter gives up' >&2\nhead -c 3 >/dev/null\nexit 3\n");
    // Passes lines of digits; at the first other line it closes its output,
    // and only then fails.
    write_file(emulation.root() / "filters/digits",
               "#!/bin/sh\nwhile IFS= read -r line; do\n"
               "  case $line in *[!0-9]*) exec >&-; sleep 0.3; exit 1 ;; esac\n"
               "  printf '%s\\n' \"$line\"\ndone\n");
    for (const char* name : {"upper", "who", "fail", "digits"})
      std::filesystem::permissions(emulation.root() / "filters" / name,
                                   std::filesystem::perms::owner_all);
    const std::string filters = (emulation.root() / "filters").string();
    emulation.write_config(R"({
      "upper": {"plugins": ["exec"], "config": {"exec": {"src2dst": [")" +
                           filters + R"(/upper"]}}},
      "both": {"plugins": ["exec", "exec"], "config": {
        "0": {"src2dst": ["/usr/bin/tr", "-d", "x"], "dst2src": ["/usr/bin/tr", "a-z", "A-Z"]},
        "1": {"dst2src": ["/usr/bin/rev"]}}},
      "limited": {"plugins": ["exec", "byte_limit"], "config": {
        "exec": {"src2dst": ["/usr/bin/tr", "-d", "x"]}, "byte_limit": {"src2dst_limit": 5}}},
      "who": {"plugins": ["exec"], "config": {"exec": {"dst2src": [")" +
                           filters + R"(/who"]}}},
      "fail": {"plugins": ["exec"], "config": {"exec": {"src2dst": [")" +
                           filters + R"(/fail"]}}},
      "digits": {"plugins": ["exec"], "config": {"exec": {"src2dst": [")" +
                           filters + R"(/digits"]}}},
      "bulk": {"plugins": ["pass", "exec", "pass"], "config": {"exec": {"src2dst": ["/bin/cat"], "dst2src": ["/bin/cat"]}}}
    })");
  }
  ProcessResult call(const std::string& argument, const std::string& input) {
    ProcessOptions options;
    options.input = input;
    return emulation.call("qrexec-proxy+" + argument, options);
  }
  Emulation emulation;
};

TEST_F(Exec, AFilterProgramTransformsTheBytes) {
  const ProcessResult result = call("upper+dst+qrexec-mirror", "hello world\n");
  EXPECT_EQ(result.exit_status, 0);
  EXPECT_EQ(result.out, "HELLO WORLD\n");
  EXPECT_EQ(result.err, "");
}

TEST_F(Exec, FiltersChainInBothDirectionsInChainOrder) {
  // src2dst: tr -d x; dst2src meets the second exec first (rev), then tr.
  const ProcessResult result = call("both+dst+qrexec-mirror", "abxcx\n");
  EXPECT_EQ(result.exit_status, 0);
  EXPECT_EQ(result.out, "CBA\n");
}

TEST_F(Exec, PluginsAfterAFilterSeeItsOutput) {
  EXPECT_EQ(call("limited+dst+test.Count", "axbxcxdxexfxgx").out, "5\n");
}

TEST_F(Exec, TheProgramKnowsTheCall) {
  const ProcessResult result = call("who+dst+test.Args+an.arg", "");
  EXPECT_EQ(result.exit_status, 0);
  EXPECT_TRUE(
      result.out.starts_with("who " + emulation.source() + " dst test.Args+an.arg dst2src\n"))
      << result.out;
}

TEST_F(Exec, AFailingProgramAbortsTheCallAndSaysWhy) {
  ASSERT_TRUE(journal_running());
  const ProcessResult result = call("fail+dst+qrexec-mirror", "some bytes\n");
  EXPECT_EQ(result.exit_status, 124);
  EXPECT_EQ(result.err, "");
  const auto summary = journal_records({"SOURCE=" + emulation.source(), "EVENT=summary"});
  ASSERT_EQ(summary.size(), 1u);
  EXPECT_EQ(field(summary[0], "OUTCOME"), "aborted");
  EXPECT_EQ(field(summary[0], "PLUGIN"), "exec");
  EXPECT_EQ(
      field(summary[0], "REASON"),
      "src2dst program " + (emulation.root() / "filters/fail").string() + " exited with status 3");
  const auto stderr_records =
      journal_records({"SOURCE=" + emulation.source(), "EVENT=plugin", "PLUGIN=exec"});
  ASSERT_EQ(stderr_records.size(), 1u);
  EXPECT_EQ(field(stderr_records[0], "MESSAGE"), "exec src2dst program: filter gives up");
}

TEST_F(Exec, AProgramFailingAfterItsLastByteStillAbortsTheCall) {
  // The destination gets the digits and the end of its input, and exits 0
  // before the program's failure is known: the call must still abort.
  EXPECT_EQ(call("digits+dst+test.Count", "123\n456\n").out, "8\n");
  const ProcessResult result = call("digits+dst+test.Count", "123\nabc\n");
  EXPECT_EQ(result.exit_status, 124);
  EXPECT_EQ(result.err, "");
}

TEST_F(Exec, BulkDataPassesFiltersByteExact) {
  const std::string data = random_bytes(8 * 1024 * 1024);
  const ProcessResult result = call("bulk+dst+qrexec-mirror", data);
  EXPECT_EQ(result.exit_status, 0);
  EXPECT_TRUE(result.out == data) << result.out.size() << " bytes came back";
}

TEST_F(Exec, ProgramsAreCheckedWhenTheConfigLoads) {
  emulation.write_config(
      R"({"bad": {"plugins": ["exec"], "config": {"exec": {"src2dst": ["tr", "a", "b"]}}}})");
  EXPECT_EQ(call("bad+dst+qrexec-mirror", "x").exit_status, 125);
  emulation.write_config(
      R"({"bad": {"plugins": ["exec"], "config": {"exec": {"dst2src": ["/nonexistent/filter"]}}}})");
  EXPECT_EQ(call("bad+dst+qrexec-mirror", "x").exit_status, 125);
}

}  // namespace
}  // namespace qrexec_proxy::test
