// The untrusted argument and environment: every malformed call is refused
// with 126 and not one byte on stdout or stderr.
#include "support/emulation.hpp"
#include "support/journal_query.hpp"

#include <gtest/gtest.h>

namespace qrexec_proxy::test {
namespace {

class Arguments : public ::testing::Test {
 protected:
  Arguments() { emulation.use_installed_config(); }
  Emulation emulation;
};

const std::vector<std::string>& bad_arguments() {
  static const std::vector<std::string> arguments = {
      "",
      "pass",
      "pass+dst",
      "+dst+qrexec-mirror",
      "pass++qrexec-mirror",
      "pass+dst+",
      "-h+dst+qrexec-mirror",
      "--help",
      "pass+dst+-n",
      "pass+dst+.hidden",
      "..+dst+qrexec-mirror",
      "pass+..+qrexec-mirror",
      "pass+dst+..",
      "pass+default+qrexec-mirror",
      "pass+2dst+qrexec-mirror",
      "pass+dst+a/b",
      "pass/../x+dst+qrexec-mirror",
      "pass+dst+qrexec-mirror+a/b",
      "pass+dst+qrexec-mirror+" + std::string(5000, 'a'),
      std::string(65000, 'x'),
      "nosuchchain+dst+qrexec-mirror",
      // Names Qubes reserves: dom0's Xen name, a device model's stub domain.
      "pass+Domain-0+qrexec-mirror",
      "pass+sys-net-dm+qrexec-mirror",
  };
  return arguments;
}

TEST_F(Arguments, EveryMalformedArgumentIsRefusedSilently) {
  for (const auto& argument : bad_arguments()) {
    SCOPED_TRACE(argument.substr(0, 80));
    ProcessOptions options;
    options.input = "data that must go nowhere";
    const ProcessResult result = emulation.run_service_as_agent(argument, options);
    EXPECT_EQ(result.exit_status, 126);
    EXPECT_EQ(result.out, "");
    EXPECT_EQ(result.err, "");
  }
}

TEST_F(Arguments, RefusalsReachTheCallerThroughQrexec) {
  for (const std::string argument : {"nosuchchain+dst+qrexec-mirror", "pass+dst+.x", "pass"}) {
    const ProcessResult result = emulation.call("qrexec-proxy+" + argument);
    EXPECT_EQ(result.exit_status, 126) << argument;
    EXPECT_EQ(result.out, "");
    EXPECT_EQ(result.err, "");
  }
}

TEST_F(Arguments, TheArgumentMayComeOnlyFromTheEnvironment) {
  ProcessOptions options;
  options.input = "via the environment\n";
  const ProcessResult result =
      emulation.run_service_as_agent("pass+dst+qrexec-mirror", options, /*pass_argv=*/false);
  EXPECT_EQ(result.exit_status, 0);
  EXPECT_EQ(result.out, "via the environment\n");
}

TEST_F(Arguments, ACallerWithoutAQubeNameIsRefused) {
  ProcessOptions options;
  options.environment = {"QREXEC_REMOTE_DOMAIN=not a qube"};
  const ProcessResult result = emulation.run_service_as_agent("pass+dst+qrexec-mirror", options);
  EXPECT_EQ(result.exit_status, 126);
  EXPECT_EQ(result.out, "");
  EXPECT_EQ(result.err, "");
}

TEST_F(Arguments, RefusalsAreExplainedInTheJournal) {
  ASSERT_TRUE(journal_running());
  emulation.run_service_as_agent("nosuchchain+dst+qrexec-mirror");
  emulation.run_service_as_agent("pass+dst+.x");
  const auto records = journal_records({"SOURCE=" + emulation.source(), "EVENT=refused"}, 2);
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(field(records[0], "MESSAGE"), "call refused: no chain named \"nosuchchain\"");
  EXPECT_EQ(field(records[1], "MESSAGE"),
            "call refused: invalid destination service name: \"pass+dst+.x\"");
}

TEST_F(Arguments, AnInvalidConfigFailsEveryCallWith125) {
  ASSERT_TRUE(journal_running());
  emulation.write_config(
      "{\"pass\": {\"plugins\": [\"pass\"]}, \"broken\": {\"plugins\": [\"nope\"]}}");
  const ProcessResult result = emulation.run_service_as_agent("pass+dst+qrexec-mirror");
  EXPECT_EQ(result.exit_status, 125);
  EXPECT_EQ(result.out, "");
  EXPECT_EQ(result.err, "");
  const auto records = journal_records({"SOURCE=" + emulation.source(), "EVENT=error"}, 2);
  ASSERT_GE(records.size(), 1u);
  EXPECT_NE(field(records[0], "MESSAGE").find("chain broken, plugin #0 nope: unknown plugin"),
            std::string::npos);
}

TEST_F(Arguments, Dom0IsADestinationOnlyForAChainThatAllowsIt) {
  emulation.write_config(R"({"pass": {"plugins": ["pass"]},
                             "admin": {"plugins": ["pass"], "allow_dom0": true}})");
  emulation.add_qube("dom0");
  emulation.add_service("dom0", "test.Dom0", "#!/bin/sh\necho dom0 answered\n");
  ProcessResult result = emulation.call("qrexec-proxy+pass+dom0+test.Dom0");
  EXPECT_EQ(result.exit_status, 126);
  EXPECT_EQ(result.out, "");
  ASSERT_TRUE(journal_running());
  const auto refused = journal_records({"SOURCE=" + emulation.source(), "EVENT=refused"});
  ASSERT_EQ(refused.size(), 1u);
  EXPECT_NE(field(refused[0], "MESSAGE").find("does not allow dom0"), std::string::npos)
      << field(refused[0], "MESSAGE");

  result = emulation.call("qrexec-proxy+admin+dom0+test.Dom0");
  EXPECT_EQ(result.exit_status, 0) << result.err;
  EXPECT_EQ(result.out, "dom0 answered\n");
}

}  // namespace
}  // namespace qrexec_proxy::test
