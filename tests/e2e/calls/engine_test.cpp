// The engine end to end: bulk data, half-close, one-way chains, byte
// limits, destination arguments and exit statuses, and the journal.
#include "support/emulation.hpp"
#include "support/filecopy_builder.hpp"
#include "support/journal_query.hpp"
#include "support/temp_dir.hpp"

#include <gtest/gtest.h>

#include <set>

namespace qrexec_proxy::test {
namespace {

constexpr const char* kChains = R"({
  "pass": {"plugins": ["pass"]},
  "none": {"plugins": []},
  "one-way": {"plugins": ["stop_dst"]},
  "reverse": {"plugins": ["stop_src"]},
  "limits": {"plugins": ["byte_limit"], "config": {"0": {"src2dst_limit": 1000, "dst2src_limit": 500}}},
  "zero": {"plugins": ["byte_limit"], "config": {"byte_limit": {"src2dst_limit": 0}}},
  "twice": {"plugins": ["byte_limit", "pass", "byte_limit"],
            "config": {"0": {"src2dst_limit": 300}, "2": {"src2dst_limit": 200}}}
})";

class Engine : public ::testing::Test {
 protected:
  Engine() { emulation.write_config(kChains); }
  ProcessResult call(const std::string& argument, const std::string& input = "") {
    ProcessOptions options;
    options.input = input;
    options.timeout = std::chrono::seconds(120);
    return emulation.call("qrexec-proxy+" + argument, options);
  }
  Emulation emulation;
};

TEST_F(Engine, MovesRandomBytesExactlyBothWaysAtOnce) {
  const std::string data = random_bytes(64 * 1024 * 1024);
  for (const char* chain : {"pass", "none"}) {
    SCOPED_TRACE(chain);
    const ProcessResult result = call(std::string(chain) + "+dst+qrexec-mirror", data);
    EXPECT_EQ(result.exit_status, 0);
    EXPECT_EQ(result.out.size(), data.size());
    EXPECT_TRUE(result.out == data) << "the mirrored bytes differ";
    EXPECT_EQ(result.err, "");
  }
}

TEST_F(Engine, HalfCloseLetsTheOtherDirectionGoOn) {
  // test.Count answers only after the end of its input.
  const ProcessResult result = call("pass+dst+test.Count", std::string(12345, 'a'));
  EXPECT_EQ(result.exit_status, 0);
  EXPECT_EQ(result.out, "12345\n");
}

TEST_F(Engine, OneWayLeaksNotOneByteBack) {
  const std::string data = random_bytes(1024 * 1024);
  // A mirror tries as hard as a destination can to send bytes back.
  emulation.add_service("dst", "test.Tee",
                        "#!/bin/sh\nexec tee \"$QREXEC_EMU_ROOT/dst/out/tee\"\n");
  const ProcessResult result = call("one-way+dst+test.Tee", data);
  EXPECT_EQ(result.exit_status, 0);
  EXPECT_EQ(result.out, "");
  EXPECT_EQ(result.err, "");
  EXPECT_TRUE(read_file(emulation.output("tee")) == data)
      << "the destination did not get every byte";
}

TEST_F(Engine, ReverseOneWayLeaksNotOneByteForward) {
  const ProcessResult result = call("reverse+dst+test.Reply+reverse", random_bytes(100000));
  EXPECT_EQ(result.exit_status, 0);
  EXPECT_EQ(read_file(emulation.output("reverse")), "");
  EXPECT_EQ(result.out, "a reply that must not reach the source\n");
}

TEST_F(Engine, ByteLimitsAreExactToTheByte) {
  EXPECT_EQ(call("limits+dst+test.Count", std::string(5000, 'a')).out, "1000\n");
  EXPECT_EQ(call("limits+dst+test.Count", std::string(1000, 'a')).out, "1000\n");
  EXPECT_EQ(call("limits+dst+test.Count", std::string(999, 'a')).out, "999\n");
  EXPECT_EQ(call("limits+dst+test.Emit+100000").out, std::string(500, 'x'));
  EXPECT_EQ(call("limits+dst+test.Emit+500").out, std::string(500, 'x'));
  EXPECT_EQ(call("zero+dst+test.Count", std::string(5000, 'a')).out, "0\n");
  // Two limits in one chain: the smaller one wins.
  EXPECT_EQ(call("twice+dst+test.Count", std::string(5000, 'a')).out, "200\n");
}

TEST_F(Engine, TheDestinationServiceGetsItsOwnArgument) {
  ProcessResult result = call("pass+dst+test.Args+some.arg");
  EXPECT_EQ(result.out,
            "argc=1\nargv1=some.arg\nargument=some.arg\nremote=proxy\nfull=test.Args+some.arg\n");
  result = call("pass+dst+test.Args+a+b");
  EXPECT_EQ(result.out, "argc=1\nargv1=a+b\nargument=a+b\nremote=proxy\nfull=test.Args+a+b\n");
  result = call("pass+dst+test.Args");
  EXPECT_EQ(result.out, "argc=0\nargv1=\nargument=\nremote=proxy\nfull=test.Args\n");
}

TEST_F(Engine, TheDestinationsExitStatusReachesTheCaller) {
  for (const int status : {0, 1, 3, 42, 125, 127}) {
    const ProcessResult result = call("pass+dst+test.Exit+" + std::to_string(status), "x");
    EXPECT_EQ(result.exit_status, status);
    EXPECT_EQ(result.err, "");
  }
}

TEST_F(Engine, RefusalAndMissingServiceOfTheDestinationReachTheCaller) {
  emulation.write_policy("qrexec-mirror * proxy dst deny\n* * @anyvm @anyvm allow\n");
  ProcessResult result = call("pass+dst+qrexec-mirror", "x");
  EXPECT_EQ(result.exit_status, 126);
  EXPECT_EQ(result.err, "");
  result = call("pass+dst+test.NoSuchService", "x");
  EXPECT_EQ(result.exit_status, 127);
  EXPECT_EQ(result.err, "");
  result = call("pass+nosuchqube+qrexec-mirror", "x");
  EXPECT_EQ(result.exit_status, 126);
}

TEST_F(Engine, TheDestinationsStderrGoesToTheJournalNotTheCaller) {
  ASSERT_TRUE(journal_running());
  const ProcessResult result = call("pass+dst+test.Stderr", "ping\n");
  EXPECT_EQ(result.exit_status, 0);
  EXPECT_EQ(result.out, "ping\n");
  EXPECT_EQ(result.err, "");
  const auto records =
      journal_records({"SOURCE=" + emulation.source(), "EVENT=destination-stderr"});
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(field(records[0], "MESSAGE"), "destination: a line from the destination's stderr");
}

TEST_F(Engine, EveryCallEndsWithOneSummaryRecord) {
  ASSERT_TRUE(journal_running());
  const ProcessResult result = call("limits+dst+qrexec-mirror", std::string(3000, 'a'));
  EXPECT_EQ(result.out, std::string(500, 'a'));
  const auto records = journal_records({"SOURCE=" + emulation.source(), "EVENT=summary"});
  ASSERT_EQ(records.size(), 1u);
  const auto& summary = records[0];
  EXPECT_EQ(field(summary, "OUTCOME"), "completed");
  EXPECT_EQ(field(summary, "EXIT_STATUS"), "0");
  EXPECT_EQ(field(summary, "CHAIN"), "limits");
  EXPECT_EQ(field(summary, "TARGET"), "dst");
  EXPECT_EQ(field(summary, "SERVICE"), "qrexec-mirror");
  EXPECT_EQ(field(summary, "SRC2DST_RECEIVED"), "3000");
  EXPECT_EQ(field(summary, "SRC2DST_BYTES"), "1000");
  EXPECT_EQ(field(summary, "SRC2DST_DROPPED"), "2000");
  EXPECT_EQ(field(summary, "DST2SRC_RECEIVED"), "1000");
  EXPECT_EQ(field(summary, "DST2SRC_BYTES"), "500");
  EXPECT_FALSE(field(summary, "DURATION_US").empty());
}

}  // namespace
}  // namespace qrexec_proxy::test

namespace qrexec_proxy::test {
namespace {

TEST(AuditMode, LogsWhatWouldHaveBeenDoneAndLetsTheTrafficPass) {
  ASSERT_TRUE(journal_running());
  Emulation emulation;
  emulation.write_config(R"({
    "audited": {"plugins": ["byte_limit", "stop_dst", "timeout"],
                "config": {"byte_limit": {"mode": "audit", "src2dst_limit": 10},
                           "stop_dst": {"mode": "audit"},
                           "timeout": {"mode": "audit", "src2dst_timeout": 0.2}}}})");
  ProcessOptions options;
  options.input = std::string(1000, 'a');
  options.input_delay = std::chrono::milliseconds(600);
  const ProcessResult result = emulation.call("qrexec-proxy+audited+dst+qrexec-mirror", options);
  EXPECT_EQ(result.exit_status, 0);
  EXPECT_EQ(result.out, options.input);
  EXPECT_EQ(result.err, "");
  const auto audits = journal_records({"SOURCE=" + emulation.source(), "EVENT=audit"}, 3);
  std::set<std::string> seen;
  for (const auto& record : audits) seen.insert(field(record, "MESSAGE"));
  EXPECT_TRUE(seen.contains("audit: stop_dst would cut dst2src")) << audits.size();
  EXPECT_TRUE(seen.contains("audit: byte_limit would cut src2dst"));
  EXPECT_TRUE(seen.contains(
      "audit: timeout would abort the call (timeout: src2dst not finished within 0.2 s)"));
  const auto summary = journal_records({"SOURCE=" + emulation.source(), "EVENT=summary"});
  ASSERT_EQ(summary.size(), 1u);
  EXPECT_EQ(field(summary[0], "OUTCOME"), "completed");
}

}  // namespace
}  // namespace qrexec_proxy::test

namespace qrexec_proxy::test {
namespace {

TEST(ExternalPlugins, TheInstalledExamplePluginRunsInAChain) {
  Emulation emulation;
  emulation.write_config(R"({
    "masked": {"plugins": ["mask", "pass"], "config": {"mask": {"direction": "dst2src", "replacement": "."}}},
    "audited": {"plugins": ["mask"], "config": {"mask": {"mode": "audit"}}},
    "broken": {"plugins": ["mask"], "config": {"mask": {"replacement": "xy"}}}})");
  ProcessOptions options;
  options.input = "plain\x1b]0;title\x07 text\xc3\xa9\n";
  ProcessResult result = emulation.call("qrexec-proxy+masked+dst+qrexec-mirror", options);
  EXPECT_EQ(result.exit_status, 125);  // one broken chain fails the whole config
  emulation.write_config(R"({
    "masked": {"plugins": ["mask", "pass"], "config": {"mask": {"direction": "dst2src", "replacement": "."}}},
    "audited": {"plugins": ["mask"], "config": {"mask": {"mode": "audit"}}}})");
  result = emulation.call("qrexec-proxy+masked+dst+qrexec-mirror", options);
  EXPECT_EQ(result.exit_status, 0);
  EXPECT_EQ(result.out, "plain.]0;title. text..\n");
  EXPECT_EQ(result.err, "");
  result = emulation.call("qrexec-proxy+audited+dst+qrexec-mirror", options);
  EXPECT_EQ(result.out, options.input);
}

TEST_F(Engine, AFloodOfStderrIsBoundedAndTheSummaryStillComes) {
  ASSERT_TRUE(journal_running());
  // 30,000 lines, the first of them far longer than a record may be.
  emulation.add_service("dst", "test.Flood",
                        "#!/bin/sh\nhead -c 5000 /dev/zero | tr '\\0' x >&2\necho >&2\n"
                        "i=1\nwhile [ $i -lt 30000 ]; do echo \"line $i\" >&2; i=$((i+1)); done\n"
                        "echo done\n");
  const ProcessResult result = call("pass+dst+test.Flood");
  EXPECT_EQ(result.exit_status, 0);
  EXPECT_EQ(result.out, "done\n");
  EXPECT_EQ(result.err, "");
  const auto summary = journal_records({"SOURCE=" + emulation.source(), "EVENT=summary"});
  ASSERT_EQ(summary.size(), 1u);
  EXPECT_EQ(field(summary[0], "OUTCOME"), "completed");
  const auto lines = journal_records({"SOURCE=" + emulation.source(), "EVENT=destination-stderr"},
                                     0, std::chrono::milliseconds(0));
  ASSERT_EQ(lines.size(), 201u) << "200 lines, and one record of what was left out";
  EXPECT_EQ(field(lines[0], "MESSAGE"),
            "destination: " + std::string(1024, 'x') + " [line cut: 3976 more bytes left out]");
  EXPECT_EQ(field(lines[1], "MESSAGE"), "destination: line 1");
  const auto& left_out = lines.back();
  EXPECT_EQ(field(left_out, "STDERR_LINES_LEFT_OUT"), "29800");
  EXPECT_NE(field(left_out, "MESSAGE").find("at most 200 lines"), std::string::npos);
}

// Plugins log what the source makes them log: per offending line in audit
// mode, per file with filecopy. The call's budget of plugin records
// (proxy.json max_plugin_records) bounds them all.
TEST_F(Engine, AFloodOfPluginRecordsIsBoundedAndTheSummaryStillComes) {
  ASSERT_TRUE(journal_running());
  emulation.write_config(R"({"audited": {"plugins": ["filter"], "config": {"filter":
      {"mode": "audit", "charset": "printable", "max_line": 100, "action": "drop"}}}})");
  write_file(emulation.config_dir() / "proxy.json", R"({"max_plugin_records": 50})");
  std::string input;
  for (int line = 0; line < 30000; ++line) input += "\x01\n";  // every line offends
  const ProcessResult result = call("audited+dst+test.Count", input);
  EXPECT_EQ(result.exit_status, 0);
  EXPECT_EQ(result.out, "60000\n") << "audit mode lets every byte pass";
  const auto summary = journal_records({"SOURCE=" + emulation.source(), "EVENT=summary"});
  ASSERT_EQ(summary.size(), 1u);
  EXPECT_EQ(field(summary[0], "OUTCOME"), "completed");
  // The plugins would write 30,002 records: the filter's record of its
  // first drop, an audit record for each line, its count of drops at the
  // end. The call writes its start, 50 of them, one record of the rest,
  // and its summary.
  const auto records =
      journal_records({"SOURCE=" + emulation.source()}, 0, std::chrono::milliseconds(0));
  ASSERT_EQ(records.size(), 53u);
  EXPECT_EQ(field(records[0], "EVENT"), "start");
  EXPECT_EQ(field(records[1], "EVENT"), "plugin");
  for (std::size_t i = 2; i <= 50; ++i) EXPECT_EQ(field(records[i], "EVENT"), "audit") << i;
  EXPECT_EQ(field(records[51], "PLUGIN_RECORDS_LEFT_OUT"), std::to_string(30002 - 50));
  EXPECT_NE(field(records[51], "MESSAGE").find("max_plugin_records"), std::string::npos);
  EXPECT_EQ(field(records[52], "EVENT"), "summary");
}

TEST_F(Engine, ACopyOfManyFilesRecordsAtMostMaxFileRecordsOfThem) {
  ASSERT_TRUE(journal_running());
  emulation.write_config(R"({"copy": {"plugins": ["filecopy"],
                                      "config": {"filecopy": {"max_file_records": 20}}}})");
  FilecopyStream stream;
  for (int file = 0; file < 30000; ++file) stream.file("f" + std::to_string(file), "");
  const ProcessResult result = call("copy+dst+test.Count", stream.end().text());
  EXPECT_EQ(result.exit_status, 0);
  const auto summary = journal_records({"SOURCE=" + emulation.source(), "EVENT=summary"});
  ASSERT_EQ(summary.size(), 1u);
  EXPECT_EQ(field(summary[0], "OUTCOME"), "completed");
  const auto records = journal_records({"SOURCE=" + emulation.source(), "PLUGIN=filecopy"}, 0,
                                       std::chrono::milliseconds(0));
  std::size_t files = 0;
  std::vector<nlohmann::json> copies;
  for (const auto& record : records) {
    if (!field(record, "FILE_PATH").empty()) ++files;
    if (!field(record, "FILECOPY_FILES").empty()) copies.push_back(record);
  }
  EXPECT_EQ(files, 20u);
  ASSERT_EQ(copies.size(), 1u) << "the copy's summary";
  EXPECT_EQ(field(copies[0], "FILECOPY_FILES"), "30000");
  EXPECT_EQ(field(copies[0], "FILECOPY_RECORDS_LEFT_OUT"), "29980");
}

}  // namespace
}  // namespace qrexec_proxy::test
