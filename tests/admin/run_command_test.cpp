// `qrexec-proxy-admin run CHAIN -- COMMAND`, end to end: a chain run
// locally, stdin/stdout as the source and COMMAND as the destination.
#include "admin_cli.hpp"

#include "support/journal_query.hpp"

#include <gtest/gtest.h>

namespace qrexec_proxy::test {
namespace {

class RunCommand : public ::testing::Test {
 protected:
  RunCommand() {
    admin.write_config(R"({
      "pass": {"plugins": ["pass"]},
      "src2dst": {"plugins": ["stop_dst"]},
      "small": {"plugins": ["byte_limit"], "config": {"byte_limit": {"dst2src_limit": 5}}},
      "quick": {"plugins": ["timeout"], "config": {"timeout": {"dst2src_timeout": 0.3}}}
    })");
  }
  ProcessResult run(std::vector<std::string> args, const std::string& input = "") const {
    args.insert(args.begin(), "run");
    ProcessOptions options;
    options.input = input;
    return admin.run(args, options);
  }
  AdminCli admin;
};

TEST_F(RunCommand, StdinAndStdoutAreTheSource) {
  const ProcessResult result = run({"pass", "--", "cat"}, "hello through the chain\n");
  EXPECT_EQ(result.exit_status, 0) << result.err;
  EXPECT_EQ(result.out, "hello through the chain\n");
  EXPECT_EQ(result.err, "");
}

TEST_F(RunCommand, TheChainAppliesBothWays) {
  const auto received = admin.root() / "received";
  const ProcessResult one_way = run(
      {"src2dst", "--", "sh", "-c", "cat > \"$0\"; echo reply", received.string()}, "request\n");
  EXPECT_EQ(one_way.exit_status, 0) << one_way.err;
  EXPECT_EQ(one_way.out, "");
  EXPECT_EQ(read_file(received), "request\n");

  const ProcessResult limited = run({"small", "--", "cat"}, "0123456789");
  EXPECT_EQ(limited.exit_status, 0) << limited.err;
  EXPECT_EQ(limited.out, "01234");
}

TEST_F(RunCommand, ExitStatusIsTheServices) {
  EXPECT_EQ(run({"pass", "--", "sh", "-c", "exit 7"}).exit_status, 7);
  EXPECT_EQ(run({"pass", "--", "sh", "-c", "kill -TERM $$"}).exit_status, 128 + 15);

  const ProcessResult aborted = run({"quick", "--", "sleep", "10"});
  EXPECT_EQ(aborted.exit_status, 124);
  EXPECT_NE(aborted.err.find("call aborted by plugin timeout"), std::string::npos) << aborted.err;

  const ProcessResult unknown = run({"nosuch", "--", "cat"});
  EXPECT_EQ(unknown.exit_status, 126);
  EXPECT_NE(unknown.err.find("no chain named \"nosuch\""), std::string::npos) << unknown.err;
}

TEST_F(RunCommand, InvalidConfigFailsAsTheServiceDoes) {
  admin.write_config(R"({"pass": {"plugins": ["pass"]}, "bad": {"plugins": ["nosuch"]}})");
  const ProcessResult result = run({"pass", "--", "cat"}, "x");
  EXPECT_EQ(result.exit_status, 125);
  EXPECT_EQ(result.out, "");
  EXPECT_NE(result.err.find(": chain bad, plugin #0 nosuch: unknown plugin"), std::string::npos)
      << result.err;
}

TEST_F(RunCommand, CommandNotFound) {
  for (const std::string command : {"no-such-command-here", "/nonexistent/cmd", "./missing"}) {
    const ProcessResult result = run({"pass", "--", command}, "x");
    EXPECT_EQ(result.exit_status, 127) << command;
    EXPECT_EQ(result.err, "qrexec-proxy-admin: command not found: " + command + "\n");
  }
}

TEST_F(RunCommand, InvalidNames) {
  const std::vector<std::vector<std::string>> cases = {
      {"pass", "--source", "2src", "--", "cat"},
      {"pass", "--target", "none", "--", "cat"},
      {"pass", "--target", "x+y", "--", "cat"},
      {"pass", "--service", "a/b", "--", "cat"},
      {"a+b", "--", "cat"},
  };
  for (const auto& args : cases) {
    const ProcessResult result = run(args, "x");
    EXPECT_EQ(result.exit_status, 2) << args[1];
    EXPECT_EQ(result.out, "");
    EXPECT_TRUE(result.err.starts_with("qrexec-proxy-admin: invalid ")) << result.err;
  }
}

TEST_F(RunCommand, CommandIsRequired) {
  const ProcessResult result = run({"pass"});
  EXPECT_EQ(result.exit_status, 2);
  EXPECT_NE(result.err.find("COMMAND is required"), std::string::npos) << result.err;
}

TEST_F(RunCommand, TheCallIsLoggedAsTheServiceLogsIt) {
  ASSERT_TRUE(journal_running());
  const std::string source = "run-" + random_suffix(8);
  const ProcessResult result = run(
      {"pass", "--source", source, "--target", "there", "--service", "my.Service+arg", "--", "cat"},
      "12345");
  EXPECT_EQ(result.exit_status, 0) << result.err;
  const auto records = journal_records({"SOURCE=" + source, "EVENT=summary"});
  ASSERT_EQ(records.size(), 1U);
  EXPECT_EQ(field(records[0], "CHAIN"), "pass");
  EXPECT_EQ(field(records[0], "TARGET"), "there");
  EXPECT_EQ(field(records[0], "SERVICE"), "my.Service+arg");
  EXPECT_EQ(field(records[0], "OUTCOME"), "completed");
  EXPECT_EQ(field(records[0], "SRC2DST_BYTES"), "5");
  EXPECT_EQ(field(records[0], "DST2SRC_BYTES"), "5");
}

}  // namespace
}  // namespace qrexec_proxy::test
