// `qrexec-proxy-admin log`, end to end: calls made through the emulation
// and with `run`, read back from the real journal.
#include "admin_cli.hpp"

#include "support/emulation.hpp"
#include "support/eventually.hpp"
#include "support/journal_query.hpp"

#include <gtest/gtest.h>

#include <sstream>
#include <thread>

#include <unistd.h>

namespace qrexec_proxy::test {
namespace {

class LogCommand : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(journal_running()); }
  // `log ARGS... --json`, retried until `count` calls are listed: the
  // journal takes a moment to make records readable.
  nlohmann::json calls(std::vector<std::string> args, std::size_t count) const {
    args.insert(args.begin(), "log");
    args.push_back("--json");
    nlohmann::json list;
    eventually(
        [&] {
          list = admin.run_json(args);
          return list.size() >= count;
        },
        std::chrono::seconds(15), std::chrono::milliseconds(100));
    return list;
  }
  AdminCli admin;
};

TEST_F(LogCommand, OneRecordPerCallWithItsFields) {
  Emulation emulation;
  emulation.use_installed_config();
  ProcessOptions options;
  options.input = "twelve bytes";
  ASSERT_EQ(emulation.call("qrexec-proxy+pass+dst+test.Reply+log", options).exit_status, 0);
  const auto list = calls({"--source", emulation.source()}, 1);
  ASSERT_EQ(list.size(), 1U) << list.dump();
  const auto& call = list[0];
  EXPECT_EQ(call["source"], emulation.source());
  EXPECT_EQ(call["chain"], "pass");
  EXPECT_EQ(call["target"], "dst");
  EXPECT_EQ(call["service"], "test.Reply+log");
  EXPECT_EQ(call["entry"], "explicit");
  EXPECT_EQ(call["src2dst_bytes"], 12);
  EXPECT_EQ(call["dst2src_bytes"], std::string("a reply that must not reach the source\n").size());
  EXPECT_EQ(call["outcome"], "completed");
  EXPECT_EQ(call["exit_status"], 0);
  EXPECT_GT(call["duration_us"].get<std::int64_t>(), 0);
  const auto now_us = std::chrono::duration_cast<std::chrono::microseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  EXPECT_LE(call["realtime_usec"].get<std::int64_t>(), now_us);
  EXPECT_GT(call["realtime_usec"].get<std::int64_t>(), now_us - 600'000'000);
  EXPECT_EQ(call["time"].get<std::string>().size(),
            std::string("2026-11-26T10:00:00.000000+00:00").size());
}

TEST_F(LogCommand, TableForPeople) {
  const std::string source = "log-" + random_suffix(8);
  admin.write_config(R"({"pass": {"plugins": ["pass"]}})");
  ProcessOptions options;
  options.input = "abc";
  ASSERT_EQ(admin.run({"run", "pass", "--source", source, "--", "cat"}, options).exit_status, 0);
  ASSERT_EQ(calls({"--source", source}, 1).size(), 1U);
  const ProcessResult result = admin.run({"log", "--source", source});
  EXPECT_EQ(result.exit_status, 0) << result.err;
  std::istringstream lines(result.out);
  std::string header, line, extra;
  std::getline(lines, header);
  std::getline(lines, line);
  EXPECT_FALSE(std::getline(lines, extra)) << extra;
  std::istringstream header_words(header);
  std::vector<std::string> titles;
  for (std::string word; header_words >> word;) titles.push_back(word);
  EXPECT_EQ(titles,
            (std::vector<std::string>{"TIME", "SOURCE", "CHAIN", "TARGET", "SERVICE", "TO-DST",
                                      "TO-SRC", "DURATION", "OUTCOME", "EXIT", "ENTRY"}));
  std::istringstream words(line);
  std::vector<std::string> fields;
  for (std::string word; words >> word;) fields.push_back(word);
  ASSERT_EQ(fields.size(), 13U) << line;  // date and time are two words, "0.001 s" too
  EXPECT_EQ(fields[2], source);
  EXPECT_EQ(fields[3], "pass");
  EXPECT_EQ(fields[4], "local");
  EXPECT_EQ(fields[5], "local");
  EXPECT_EQ(fields[6], "3");
  EXPECT_EQ(fields[7], "3");
  EXPECT_EQ(fields[9], "s");
  EXPECT_EQ(fields[10], "completed");
  EXPECT_EQ(fields[11], "0");
  EXPECT_EQ(fields[12], "run") << "a local run is told from a call of a qube";
  // Columns line up under their titles.
  EXPECT_EQ(header.find("SOURCE"), line.find(source));
}

TEST_F(LogCommand, FiltersByChainAndSource) {
  const std::string source = "log-" + random_suffix(8);
  admin.write_config(R"({"pass": {"plugins": ["pass"]}, "none": {"plugins": []}})");
  for (const std::string chain : {"pass", "none", "pass"})
    ASSERT_EQ(admin.run({"run", chain, "--source", source, "--", "true"}).exit_status, 0);
  ASSERT_EQ(calls({"--source", source}, 3).size(), 3U);
  const auto pass = calls({"--source", source, "--chain", "pass"}, 2);
  ASSERT_EQ(pass.size(), 2U);
  for (const auto& call : pass) EXPECT_EQ(call["chain"], "pass");
  EXPECT_EQ(calls({"--source", source, "--chain", "none"}, 1).size(), 1U);
  EXPECT_EQ(admin.run_json({"log", "--json", "--source", "log-nobody-" + random_suffix(4)}),
            nlohmann::json::array());
}

TEST_F(LogCommand, Since) {
  const std::string source = "log-" + random_suffix(8);
  admin.write_config(R"({"pass": {"plugins": ["pass"]}})");
  ASSERT_EQ(admin.run({"run", "pass", "--source", source, "--", "true"}).exit_status, 0);
  ASSERT_EQ(calls({"--source", source}, 1).size(), 1U);
  for (const std::string since :
       {"-1h", "1 hour ago", "-10min", "today", "2000-01-01", "2000-01-01 10:00", "@946684800"})
    EXPECT_EQ(admin.run_json({"log", "--json", "--source", source, "--since", since}).size(), 1U)
        << since;
  for (const std::string since : {"2099-01-01", "2099-01-01 00:00:00"})
    EXPECT_EQ(admin.run_json({"log", "--json", "--source", source, "--since", since}).size(), 0U)
        << since;
  const ProcessResult none = admin.run({"log", "--source", source, "--since", "2099-01-01"});
  EXPECT_EQ(none.out, "No calls logged since then.\n");
}

TEST_F(LogCommand, RefusedCallsAreListedToo) {
  Emulation emulation;
  emulation.use_installed_config();
  EXPECT_EQ(emulation.call("qrexec-proxy+nosuchchain+dst+test.Reply").exit_status, 126);
  const auto list = calls({"--source", emulation.source()}, 1);
  ASSERT_EQ(list.size(), 1U);
  EXPECT_EQ(list[0]["outcome"], "refused");
  EXPECT_EQ(list[0]["exit_status"], 126);
  EXPECT_EQ(list[0]["chain"], "nosuchchain");
  EXPECT_EQ(list[0]["reason"], "no chain named \"nosuchchain\"");

  // People see the reason in a last column.
  const ProcessResult table = admin.run({"log", "--source", emulation.source()});
  EXPECT_EQ(table.exit_status, 0);
  EXPECT_TRUE(table.out.starts_with("TIME ")) << table.out;
  EXPECT_NE(table.out.find("  EXIT  REASON\n"), std::string::npos) << table.out;
  EXPECT_NE(table.out.find("  refused  126   no chain named \"nosuchchain\"\n"), std::string::npos)
      << table.out;
}

TEST_F(LogCommand, RecordsForgedUnderTheServicesNameDoNotCount) {
  // Any local process may call itself qrexec-proxy: logger writes a
  // summary and a refusal for a source of its own, with every field the
  // service writes, and one for a real call's source.
  Emulation emulation;
  emulation.use_installed_config();
  ASSERT_EQ(emulation.call("qrexec-proxy+pass+dst+qrexec-mirror").exit_status, 0);
  const std::string forged_source = "forged-" + random_suffix(8);
  for (const std::string& source : {forged_source, emulation.source()}) {
    const std::string fields =
        "SYSLOG_IDENTIFIER=qrexec-proxy\nFORGED=yes\nEVENT=summary\nMESSAGE=call\n"
        "SOURCE=" +
        source +
        "\nCHAIN=pass\nTARGET=dst\n"
        "SERVICE=qrexec-mirror\nOUTCOME=completed\nEXIT_STATUS=0\n"
        "SRC2DST_BYTES=1\nDST2SRC_BYTES=1\nDURATION_US=1\n";
    ProcessOptions options;
    options.input = fields;
    ASSERT_EQ(run_process({"/usr/bin/logger", "--journald"}, options).exit_status, 0);
    options.input =
        "SYSLOG_IDENTIFIER=qrexec-proxy\nFORGED=yes\nEVENT=refused\nMESSAGE=call refused: x\n"
        "SOURCE=" +
        source + "\n";
    ASSERT_EQ(run_process({"/usr/bin/logger", "--journald"}, options).exit_status, 0);
  }
  // The forged records are in the journal...
  EXPECT_EQ(journal_records({"SOURCE=" + forged_source, "FORGED=yes"}, 2).size(), 2u);
  EXPECT_EQ(journal_records({"SOURCE=" + emulation.source(), "FORGED=yes"}, 2).size(), 2u);
  // ...but not in the call log: there, the real call is the only one.
  const auto real = calls({"--source", emulation.source()}, 1);
  ASSERT_EQ(real.size(), 1u) << real.dump();
  EXPECT_EQ(real[0]["service"], "qrexec-mirror");
  EXPECT_EQ(real[0]["src2dst_bytes"], 0);
  EXPECT_EQ(admin.run_json({"log", "--json", "--source", forged_source}).size(), 0u);
}

TEST_F(LogCommand, RefusedCallsOfAServiceThatExitsAtOnceAreAttributed) {
  // A refused call is over within a millisecond: its only record must still
  // be attributed to the service, every time.
  Emulation emulation;
  emulation.use_installed_config();
  constexpr std::size_t kCalls = 30;
  for (std::size_t i = 0; i < kCalls; ++i)
    ASSERT_EQ(emulation.call("qrexec-proxy+nosuchchain+dst+qrexec-mirror").exit_status, 126);
  EXPECT_EQ(journal_records({"SOURCE=" + emulation.source(), "EVENT=refused"}, kCalls).size(),
            kCalls);
  EXPECT_EQ(calls({"--source", emulation.source()}, kCalls).size(), kCalls);
}

TEST_F(LogCommand, SaysSoWhenTheJournalCannotBeRead) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to run as another user";
  // nobody may read no journal file (they are root's or systemd-journal's).
  const ProcessResult result = run_process({"/usr/bin/setpriv", "--reuid=nobody", "--regid=nogroup",
                                            "--clear-groups", installed_admin().string(), "log"});
  EXPECT_EQ(result.exit_status, 1) << result.err;
  EXPECT_EQ(result.out, "");
  EXPECT_EQ(result.err,
            "qrexec-proxy-admin: no journal can be read here: run as root or as a member of the "
            "systemd-journal group\n");
}

TEST_F(LogCommand, BadArguments) {
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{"--since", "soon"}, "cannot understand the time \"soon\""},
      {{"--since", "2026-02-30"}, "cannot understand the time"},
      {{"--chain", "a b"}, "invalid chain name \"a b\""},
      {{"--source", "x=y"}, "invalid source qube name \"x=y\""},
  };
  for (const auto& [args, error] : cases) {
    std::vector<std::string> full = {"log"};
    full.insert(full.end(), args.begin(), args.end());
    const ProcessResult result = admin.run(full);
    EXPECT_EQ(result.exit_status, 2) << args[1];
    EXPECT_EQ(result.out, "");
    EXPECT_TRUE(result.err.starts_with("qrexec-proxy-admin: " + error)) << result.err;
  }
}

TEST_F(LogCommand, AuditEventsAreShownWithTheirCall) {
  Emulation emulation;
  emulation.write_config(R"({
    "watched": {"plugins": ["byte_limit"], "config": {"0": {"mode": "audit", "src2dst_limit": 3}}},
    "plain": {"plugins": ["pass"]}})");
  ProcessOptions options;
  options.input = "more than three bytes";
  ASSERT_EQ(emulation.call("qrexec-proxy+plain+dst+test.Count", options).exit_status, 0);
  const ProcessResult audited = emulation.call("qrexec-proxy+watched+dst+test.Count", options);
  ASSERT_EQ(audited.exit_status, 0);
  EXPECT_EQ(audited.out, "21\n");  // audit mode let every byte through
  const auto list = calls({"--source", emulation.source()}, 2);
  ASSERT_EQ(list.size(), 2U) << list.dump();
  EXPECT_EQ(list[0]["chain"], "plain");
  EXPECT_TRUE(list[0]["audit"].empty());
  EXPECT_EQ(list[1]["chain"], "watched");
  ASSERT_EQ(list[1]["audit"].size(), 1U) << list.dump();
  EXPECT_EQ(list[1]["audit"][0]["plugin"], "byte_limit");
  EXPECT_EQ(list[1]["audit"][0]["action"], "cut");
  EXPECT_EQ(list[1]["audit"][0]["message"], "audit: byte_limit would cut src2dst");

  const auto only_audited =
      admin.run_json({"log", "--source", emulation.source(), "--audit", "--json"});
  ASSERT_EQ(only_audited.size(), 1U);
  EXPECT_EQ(only_audited[0]["chain"], "watched");
  const ProcessResult table = admin.run({"log", "--source", emulation.source()});
  EXPECT_NE(table.out.find("AUDIT"), std::string::npos) << table.out;
  EXPECT_NE(table.out.find("byte_limit would cut src2dst"), std::string::npos) << table.out;
}

TEST_F(LogCommand, AnExternalPluginsAuditRecordsAreShownWithTheirCall) {
  // mask, the C example plugin, reports through the host's audit().
  Emulation emulation;
  emulation.write_config(
      R"({"masked": {"plugins": ["mask"], "config": {"mask": {"mode": "audit"}}}})");
  ProcessOptions options;
  options.input = std::string("text\x1b[31m and a bell\x07\n");
  const ProcessResult result = emulation.call("qrexec-proxy+masked+dst+qrexec-mirror", options);
  ASSERT_EQ(result.exit_status, 0) << result.err;
  EXPECT_EQ(result.out, options.input);  // audit mode changed nothing
  const auto list = calls({"--source", emulation.source(), "--audit"}, 1);
  ASSERT_EQ(list.size(), 1U) << list.dump();
  ASSERT_EQ(list[0]["audit"].size(), 2U) << list.dump();  // both directions
  EXPECT_EQ(list[0]["audit"][0]["plugin"], "mask");
  EXPECT_EQ(list[0]["audit"][0]["action"], "rewrite");
  EXPECT_EQ(list[0]["audit"][0]["message"], "audit: mask would mask 2 bytes in src2dst");
}

}  // namespace
}  // namespace qrexec_proxy::test
