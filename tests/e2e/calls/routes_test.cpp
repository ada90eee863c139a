// Transparent routes end to end: a source qube that knows nothing of the
// proxy calls `qrexec-client-vm TARGET SERVICE`, dom0 redirects the call
// to the proxy qube (the lines `qrexec-proxy-admin route policy` prints),
// the entry `route enable` made runs the installed service, and the route
// sends the call through its chain to its destination.
#include "support/emulation.hpp"
#include "support/journal_query.hpp"

#include <gtest/gtest.h>

#include <filesystem>

namespace qrexec_proxy::test {
namespace {

namespace fs = std::filesystem;

class Routes : public ::testing::Test {
 protected:
  Routes() {
    emulation.use_installed_config();
    emulation.add_service("dst", "test.Tee",
                          "#!/bin/sh\nexec tee \"$QREXEC_EMU_ROOT/dst/out/tee\"\n");
  }

  // Routes `service` of the source to dst through `chain`, enables its
  // entry and writes the dom0 lines of the route as the policy.
  void route(const std::string& service, const std::string& chain) {
    emulation.write_routes("test.json", R"([{"source": ")" + emulation.source() +
                                            R"(", "service": ")" + service +
                                            R"(", "target": "dst", "chain": ")" + chain + R"("}])");
    const ProcessResult enabled = emulation.admin({"route", "enable", service});
    ASSERT_EQ(enabled.exit_status, 0) << enabled.err;
    const ProcessResult policy =
        emulation.admin({"route", "policy", emulation.source(), service, "--proxy", "proxy"});
    ASSERT_EQ(policy.exit_status, 0) << policy.err;
    policy_ = policy.out;
    emulation.write_policy(policy_);
  }

  // Adds the lines of explicit calls to the policy: the source may call
  // qrexec-proxy in the proxy qube, and the proxy any service of dst.
  void allow_explicit_calls() {
    policy_ += "qrexec-proxy * " + emulation.source() + " proxy allow\n* * proxy dst allow\n";
    emulation.write_policy(policy_);
  }

  std::vector<nlohmann::json> summaries(std::size_t count = 1) const {
    return journal_records({"SOURCE=" + emulation.source(), "EVENT=summary"}, count);
  }

  Emulation emulation;
  std::string policy_;
};

TEST_F(Routes, ASenderThatKnowsNothingOfTheProxyGoesThroughTheChain) {
  route("test.Tee", "one-way");
  const std::string data = random_bytes(1024 * 1024 + 3);
  ProcessOptions options;
  options.input = data;
  const ProcessResult result = emulation.call_service("dst", "test.Tee", options);
  EXPECT_EQ(result.exit_status, 0) << result.err;
  // One way: the destination echoes every byte, none comes back.
  EXPECT_EQ(result.out, "");
  EXPECT_EQ(result.err, "");
  EXPECT_TRUE(read_file(emulation.output("tee")) == data);

  ASSERT_TRUE(journal_running());
  const auto summary = summaries();
  ASSERT_EQ(summary.size(), 1u);
  EXPECT_EQ(field(summary[0], "ENTRY"), "route");
  EXPECT_EQ(field(summary[0], "ROUTE"),
            (emulation.config_dir() / "routes.d/test.json").string() + " route #0");
  EXPECT_EQ(field(summary[0], "CHAIN"), "one-way");
  EXPECT_EQ(field(summary[0], "TARGET"), "dst");
  EXPECT_EQ(field(summary[0], "SERVICE"), "test.Tee");
  EXPECT_EQ(field(summary[0], "OUTCOME"), "completed");
  EXPECT_EQ(field(summary[0], "SRC2DST_BYTES"), std::to_string(data.size()));
  EXPECT_EQ(field(summary[0], "DST2SRC_BYTES"), "0");
}

TEST_F(Routes, ACallForNoQubeInParticularIsRoutedToo) {
  // qvm-copy and qvm-open-in-vm without a qube ask for @default.
  route("test.Sink", "pass");
  ProcessOptions options;
  options.input = "to whoever";
  const ProcessResult result = emulation.call_service("@default", "test.Sink+default", options);
  EXPECT_EQ(result.exit_status, 0) << result.err;
  EXPECT_EQ(read_file(emulation.output("default")), "to whoever");
}

TEST_F(Routes, TheArgumentIsPassedOnAndARouteForOneArgumentTakesOnlyIt) {
  route("test.Args+exact", "pass");
  const ProcessResult result = emulation.call_service("dst", "test.Args+exact");
  EXPECT_EQ(result.exit_status, 0) << result.err;
  // The destination sees the proxy qube as its caller (the policy's second
  // hop) and the service as the source asked for it.
  EXPECT_EQ(result.out,
            "argc=1\nargv1=exact\nargument=exact\nremote=proxy\nfull=test.Args+exact\n");

  // Another argument of the same service has no route: the proxy refuses it
  // (the policy would not even redirect it here; a call that reaches the
  // entry some other way is refused all the same).
  const ProcessResult other = emulation.run_entry_as_agent(
      emulation.proxy_rpc_dir() / "test.Args+exact", "test.Args+other");
  EXPECT_EQ(other.exit_status, 126);
  EXPECT_EQ(other.out, "");
  EXPECT_EQ(other.err, "");
  const auto refused = journal_records({"SOURCE=" + emulation.source(), "EVENT=refused"});
  ASSERT_EQ(refused.size(), 1u);
  EXPECT_EQ(field(refused[0], "MESSAGE"), "call refused: no route for test.Args+other from " +
                                              emulation.source() +
                                              " (see qrexec-proxy-admin route list)");
  EXPECT_EQ(field(refused[0], "ENTRY"), "route");
}

TEST_F(Routes, RunAsTheAgentRunsTheEntryWithOrWithoutTheFullName) {
  route("test.Sink", "pass");
  const auto entry = emulation.proxy_rpc_dir() / "test.Sink";
  for (const bool full_name : {true, false}) {
    ProcessOptions options;
    options.input = full_name ? "named" : "by its own name";
    const std::string output = full_name ? "with-name" : "without-name";
    const ProcessResult result =
        emulation.run_entry_as_agent(entry, "test.Sink+" + output, options, full_name);
    EXPECT_EQ(result.exit_status, 0) << result.err;
    EXPECT_EQ(result.err, "");
    EXPECT_EQ(read_file(emulation.output(output)), options.input);
  }
  const auto summary = summaries(2);
  ASSERT_EQ(summary.size(), 2u);
  for (const auto& record : summary) EXPECT_EQ(field(record, "ENTRY"), "route");
}

// The issue's case: a sender that runs `qrexec-client-vm vault
// qubes.Filecopy qfile-agent FILES` as qvm-copy does, through a route and a
// one-way filecopy chain: the copy succeeds for the sender, every file
// lands, and the journal says which way the call came in.
TEST_F(Routes, AQvmCopyThatKnowsNothingOfTheProxyLandsThroughAOneWayCopyChain) {
  emulation.write_config(
      R"({"copy-one-way": {"plugins": ["filecopy"], "config": {"filecopy": {"one_way": true}}}})");
  route("test.Filecopy", "copy-one-way");
  TempDir files;
  fs::create_directories(files / "scans");
  const std::string scan = random_bytes(200000);
  write_file(files / "scans" / "a.pdf", scan);
  write_file(files / "scans" / "b.txt", "notes");
  const auto run = emulation.call_with_sender(
      "dst", "test.Filecopy", {test_program("qfile-sender").string(), (files / "scans").string()},
      "QFILE_SENDER_STATUS");
  EXPECT_EQ(run.call.exit_status, 0) << run.call.err;
  EXPECT_EQ(run.status, "ok");
  const fs::path incoming = emulation.root() / "dst" / "out" / "incoming" / "scans";
  EXPECT_TRUE(read_file(incoming / "a.pdf") == scan);
  EXPECT_EQ(read_file(incoming / "b.txt"), "notes");

  ASSERT_TRUE(journal_running());
  const auto summary = summaries();
  ASSERT_EQ(summary.size(), 1u);
  EXPECT_EQ(field(summary[0], "ENTRY"), "route");
  EXPECT_EQ(field(summary[0], "CHAIN"), "copy-one-way");
  EXPECT_EQ(field(summary[0], "SERVICE"), "test.Filecopy");
  EXPECT_EQ(field(summary[0], "OUTCOME"), "completed");
  const auto copied =
      journal_records({"SOURCE=" + emulation.source(), "PLUGIN=filecopy", "FILE_PATH=scans/a.pdf"});
  ASSERT_EQ(copied.size(), 1u);
  EXPECT_EQ(field(copied[0], "FILE_SIZE"), "200000");
}

TEST_F(Routes, TheEntryRunsThroughALoginShellAsTheAgentStartsIt) {
  // qrexec-agent runs `/bin/sh -lc`: the profile of the proxy qube's user
  // runs first, and the argument arrives as $1.
  route("test.Args+shell", "pass");
  TempDir home;
  write_file(home / ".profile", "echo profile >\"$HOME/ran\"\n");
  ProcessOptions options;
  options.environment = {"QREXEC_EMU_LOGIN_SHELL=1", "HOME=" + home.path().string()};
  const ProcessResult result = emulation.call_service("dst", "test.Args+shell", options);
  EXPECT_EQ(result.exit_status, 0) << result.err;
  EXPECT_EQ(result.err, "");
  EXPECT_EQ(result.out,
            "argc=1\nargv1=shell\nargument=shell\nremote=proxy\nfull=test.Args+shell\n");
  EXPECT_EQ(read_file(home / "ran"), "profile\n");
  const auto summary = summaries();
  ASSERT_EQ(summary.size(), 1u);
  EXPECT_EQ(field(summary[0], "ENTRY"), "route");
}

TEST_F(Routes, ANameWithAnEmptyArgumentIsTheNameAlone) {
  // dom0 may name a call without an argument NAME+; the route takes it, and
  // the records and the destination see NAME.
  route("test.Args", "pass");
  ProcessOptions options;
  const ProcessResult result = emulation.run_entry_as_agent(emulation.proxy_rpc_dir() / "test.Args",
                                                            "test.Args+", options, true);
  EXPECT_EQ(result.exit_status, 0) << result.err;
  EXPECT_NE(result.out.find("full=test.Args\n"), std::string::npos) << result.out;
  const auto summary = summaries();
  ASSERT_EQ(summary.size(), 1u);
  EXPECT_EQ(field(summary[0], "SERVICE"), "test.Args");
}

TEST_F(Routes, ACallWithoutARouteIsRefused) {
  route("test.Sink", "pass");
  const ProcessResult result =
      emulation.run_entry_as_agent(emulation.proxy_rpc_dir() / "test.Sink", "test.Emit+5");
  EXPECT_EQ(result.exit_status, 126);
  EXPECT_EQ(result.out, "");
  EXPECT_EQ(result.err, "");
  const auto refused = journal_records({"SOURCE=" + emulation.source(), "EVENT=refused"});
  ASSERT_EQ(refused.size(), 1u);
  EXPECT_EQ(field(refused[0], "MESSAGE"), "call refused: no route for test.Emit+5 from " +
                                              emulation.source() +
                                              " (see qrexec-proxy-admin route list)");
}

TEST_F(Routes, TwoRoutesForTheSameCallsFailEveryCallClosed) {
  route("test.Sink", "pass");
  emulation.write_routes("other.json", R"([{"source": ")" + emulation.source() +
                                           R"(", "service": "test.Sink+x", "target": "dst",
                                           "chain": "one-way"}])");
  allow_explicit_calls();
  ProcessOptions options;
  options.input = "x";
  EXPECT_EQ(emulation.call_service("dst", "test.Sink+x", options).exit_status, 125);
  // The explicit way in fails closed on the same config.
  EXPECT_EQ(emulation.call("qrexec-proxy+pass+dst+test.Sink+y", options).exit_status, 125);
  EXPECT_FALSE(std::filesystem::exists(emulation.output("x")));
  EXPECT_FALSE(std::filesystem::exists(emulation.output("y")));
  const ProcessResult check = emulation.admin({"check"});
  EXPECT_EQ(check.exit_status, 1);
  EXPECT_NE(check.out.find("could both take calls of test.Sink"), std::string::npos) << check.out;
}

TEST_F(Routes, TheExplicitWayInIsUnchangedBesideRoutes) {
  route("test.Sink", "one-way");
  allow_explicit_calls();
  ProcessOptions options;
  options.input = "explicit";
  const ProcessResult result = emulation.call("qrexec-proxy+pass+dst+test.Sink+e", options);
  EXPECT_EQ(result.exit_status, 0) << result.err;
  EXPECT_EQ(read_file(emulation.output("e")), "explicit");
  const auto summary = summaries();
  ASSERT_EQ(summary.size(), 1u);
  EXPECT_EQ(field(summary[0], "ENTRY"), "explicit");
  EXPECT_EQ(field(summary[0], "CHAIN"), "pass");
  EXPECT_TRUE(summary[0].find("ROUTE") == summary[0].end());
}

TEST_F(Routes, TheRoutesChainStillDecidesAdmission) {
  // A route through a chain that refuses every call: the destination never
  // starts.
  emulation.write_config(
      R"({"closed": {"plugins": ["allow"], "config": {"allow": {"sources": ["nobody-else"]}}}})");
  route("test.Sink", "closed");
  ProcessOptions options;
  options.input = "never";
  const ProcessResult result = emulation.call_service("dst", "test.Sink+closed", options);
  EXPECT_EQ(result.exit_status, 126);
  EXPECT_FALSE(std::filesystem::exists(emulation.output("closed")));
}

}  // namespace
}  // namespace qrexec_proxy::test
