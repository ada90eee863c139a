// `qrexec-proxy-admin policy`, end to end: the lines it prints, that they
// work in the qrexec emulation, and every name it refuses.
#include "admin_cli.hpp"

#include "support/emulation.hpp"

#include <gtest/gtest.h>

#include <climits>
#include <sstream>

#include <unistd.h>

namespace qrexec_proxy::test {
namespace {

std::vector<std::vector<std::string>> fields_of(const std::string& text) {
  std::vector<std::vector<std::string>> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    std::istringstream words(line);
    std::vector<std::string> fields;
    for (std::string word; words >> word;) fields.push_back(word);
    lines.push_back(fields);
  }
  return lines;
}

class PolicyCommand : public ::testing::Test {
 protected:
  PolicyCommand() {
    admin.write_config(R"({"timeout": {"plugins": ["timeout"]}, "pass": {"plugins": ["pass"]}})");
  }
  ProcessResult policy(std::vector<std::string> extra) const {
    std::vector<std::string> args = {"policy"};
    args.insert(args.end(), extra.begin(), extra.end());
    return admin.run(args);
  }
  AdminCli admin;
};

TEST_F(PolicyCommand, PrintsTheTwoLinesAligned) {
  const ProcessResult result = policy({"timeout", "--source", "src", "--target", "dst", "--service",
                                       "qrexec-mirror", "--proxy", "proxy"});
  EXPECT_EQ(result.exit_status, 0) << result.err;
  EXPECT_EQ(result.err, "");
  EXPECT_EQ(result.out,
            "qrexec-proxy   +timeout+dst+qrexec-mirror  src    proxy  allow\n"
            "qrexec-mirror  *                           proxy  dst    allow\n");
}

TEST_F(PolicyCommand, Dom0OnlyThroughAChainThatAllowsItAndSaidSo) {
  admin.write_config(R"({"pass": {"plugins": ["pass"]},
                         "admin": {"plugins": ["pass"], "allow_dom0": true}})");
  ProcessResult result = policy({"pass", "--source", "src", "--target", "dom0", "--service",
                                 "my.Service", "--proxy", "proxy"});
  EXPECT_EQ(result.exit_status, 1);
  EXPECT_EQ(result.out, "");
  EXPECT_NE(result.err.find("does not allow dom0"), std::string::npos) << result.err;
  result = policy({"admin", "--source", "src", "--target", "dom0", "--service", "my.Service",
                   "--proxy", "proxy"});
  EXPECT_EQ(result.exit_status, 0) << result.err;
  EXPECT_EQ(result.out,
            "# Through chain admin (\"allow_dom0\": true), src reaches dom0 services.\n"
            "qrexec-proxy  +admin+dom0+my.Service  src    proxy  allow\n"
            "my.Service    *                       proxy  dom0   allow\n");
  for (const char* reserved : {"Domain-0", "sys-net-dm"}) {
    result = policy({"admin", "--source", "src", "--target", reserved, "--service", "my.Service",
                     "--proxy", "proxy"});
    EXPECT_EQ(result.exit_status, 2) << reserved;
    EXPECT_NE(result.err.find("a name Qubes reserves"), std::string::npos) << result.err;
  }
}

TEST_F(PolicyCommand, ServiceWithArgument) {
  const ProcessResult result = policy({"pass", "--source", "@tag:work", "--target", "vault",
                                       "--service", "my.Store+inbox", "--proxy", "fw"});
  EXPECT_EQ(result.exit_status, 0) << result.err;
  EXPECT_EQ(fields_of(result.out),
            (std::vector<std::vector<std::string>>{
                {"qrexec-proxy", "+pass+vault+my.Store+inbox", "@tag:work", "fw", "allow"},
                {"my.Store", "+inbox", "fw", "vault", "allow"}}));
}

TEST_F(PolicyCommand, TheProxyDefaultsToTheHostName) {
  char host[HOST_NAME_MAX + 1] = {};
  ASSERT_EQ(::gethostname(host, sizeof host - 1), 0);
  const ProcessResult result =
      policy({"pass", "--source", "src", "--target", "dst", "--service", "svc"});
  const auto lines = fields_of(result.out);
  if (result.exit_status == 0) {
    ASSERT_EQ(lines.size(), 2U);
    EXPECT_EQ(lines[0][3], host);
    EXPECT_EQ(lines[1][2], host);
  } else {
    // This machine's name is not a qube name: the user is told to give one.
    EXPECT_EQ(result.exit_status, 2);
    EXPECT_NE(result.err.find("give the proxy qube with --proxy NAME"), std::string::npos);
  }
}

TEST_F(PolicyCommand, TheHostNameMustBeAQubeName) {
  // A host name of our own in a UTS namespace of our own, when allowed.
  const std::string admin_command = "QREXEC_PROXY_CONFIG_DIR=" + admin.config_dir().string() + " " +
                                    installed_admin().string() +
                                    " policy pass --source src --target dst --service svc";
  for (const auto& [host, status] :
       {std::pair<std::string, int>{"my-proxy", 0}, {"proxy.example.org", 2}}) {
    const ProcessResult result = run_process({"/usr/bin/unshare", "--uts", "/bin/sh", "-c",
                                              "hostname " + host + " && " + admin_command});
    if (result.exit_status != 0 && result.err.find("unshare") != std::string::npos)
      GTEST_SKIP() << "no UTS namespace here: " << result.err;
    EXPECT_EQ(result.exit_status, status) << result.err;
    if (status == 0) {
      EXPECT_EQ(fields_of(result.out)[0][3], host);
    } else {
      EXPECT_EQ(result.out, "");
      EXPECT_NE(result.err.find("invalid proxy qube name \"proxy.example.org\""), std::string::npos)
          << result.err;
    }
  }
}

TEST_F(PolicyCommand, RefusesInvalidNames) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"chain=a+b", "invalid chain name"},
      {"chain=.x", "invalid chain name"},
      {"source=1src", "invalid source"},
      {"source=@anyvm:x", "invalid source"},
      {"target=none", "invalid destination qube name"},
      {"target=" + std::string(32, 'd'), "invalid destination qube name"},
      {"service=.x", "invalid service"},
      {"service=a/b", "invalid service"},
      {"service=svc+a*b", "invalid service"},
      {"proxy=dom 0", "invalid proxy qube name"},
      {"proxy=dst", "the proxy qube \"dst\" cannot be the source or the destination"},
  };
  for (const auto& [change, error] : cases) {
    SCOPED_TRACE(change);
    std::map<std::string, std::string> values = {{"chain", "pass"},
                                                 {"source", "src"},
                                                 {"target", "dst"},
                                                 {"service", "svc"},
                                                 {"proxy", "proxy"}};
    const auto equals = change.find('=');
    values[change.substr(0, equals)] = change.substr(equals + 1);
    const ProcessResult result =
        policy({values["chain"], "--source", values["source"], "--target", values["target"],
                "--service", values["service"], "--proxy", values["proxy"]});
    EXPECT_EQ(result.exit_status, 2);
    EXPECT_EQ(result.out, "");
    EXPECT_TRUE(result.err.starts_with("qrexec-proxy-admin: " + error)) << result.err;
  }
}

TEST_F(PolicyCommand, UnknownChain) {
  const ProcessResult result = policy(
      {"nosuch", "--source", "src", "--target", "dst", "--service", "svc", "--proxy", "proxy"});
  EXPECT_EQ(result.exit_status, 1);
  EXPECT_EQ(result.out, "");
  EXPECT_NE(result.err.find("no chain named \"nosuch\""), std::string::npos) << result.err;
}

TEST_F(PolicyCommand, EveryOptionIsRequired) {
  for (const std::string missing : {"--source", "--target", "--service"}) {
    std::vector<std::string> args = {"pass"};
    for (const std::string option : {"--source", "--target", "--service"})
      if (option != missing) args.insert(args.end(), {option, "x"});
    const ProcessResult result = policy(args);
    EXPECT_EQ(result.exit_status, 2) << missing;
    EXPECT_NE(result.err.find(missing + " is required"), std::string::npos) << result.err;
  }
}

// The printed lines, used as dom0 policy, let exactly that call through.
TEST_F(PolicyCommand, TheLinesAllowTheCallInTheEmulation) {
  Emulation emulation;
  emulation.use_installed_config();
  const ProcessResult lines = admin.run(
      {"policy", "pass", "--source", emulation.source(), "--target", "dst", "--service",
       "test.Reply+policy", "--proxy", "proxy", "--config-dir", emulation.config_dir().string()});
  ASSERT_EQ(lines.exit_status, 0) << lines.err;
  emulation.write_policy(lines.out);

  ProcessOptions options;
  options.input = "request\n";
  const ProcessResult allowed = emulation.call("qrexec-proxy+pass+dst+test.Reply+policy", options);
  EXPECT_EQ(allowed.exit_status, 0) << allowed.err;
  EXPECT_EQ(read_file(emulation.output("policy")), "request\n");

  // Another chain, another argument: dom0 refuses (the first or second hop).
  EXPECT_EQ(emulation.call("qrexec-proxy+3pass+dst+test.Reply+policy", options).exit_status, 126);
  EXPECT_EQ(emulation.call("qrexec-proxy+pass+dst+test.Reply+other", options).exit_status, 126);
}

}  // namespace
}  // namespace qrexec_proxy::test
