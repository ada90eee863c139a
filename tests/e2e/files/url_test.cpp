// url end to end: a source sends one URL to qubes.OpenURL through a chain
// with url; an allowed URL reaches the destination whole, a refused one
// not by a single byte, and the call ends as aborted. Also through a
// transparent route, as README's example sets it up: the source asks for
// a disposable (@dispvm), dom0 sends the call to the proxy qube.
#include "support/emulation.hpp"
#include "support/journal_query.hpp"

#include <gtest/gtest.h>

#include <filesystem>

namespace qrexec_proxy::test {
namespace {

constexpr const char* kChains = R"({
  "open-url": {"plugins": ["url", "stop_dst"],
               "config": {"url": {"hosts": [".example.org"], "max_length": 100}}}
})";

class Url : public ::testing::Test {
 protected:
  Url() { prepare(emulation); }

  static void prepare(Emulation& qubes) {
    qubes.write_config(kChains);
    // As qubes.OpenURL reads its line; this one keeps every byte it gets.
    qubes.add_service("dst", "qubes.OpenURL",
                      "#!/bin/sh\nexec cat > \"$QREXEC_EMU_ROOT/dst/out/url\"\n");
  }

  static ProcessResult open(const Emulation& qubes, const std::string& input) {
    ProcessOptions options;
    options.input = input;
    return qubes.call("qrexec-proxy+open-url+dst+qubes.OpenURL", options);
  }

  // What the destination received; "" when it never ran.
  static std::string received(const Emulation& qubes) {
    return std::filesystem::exists(qubes.output("url")) ? read_file(qubes.output("url")) : "";
  }

  Emulation emulation;
};

TEST_F(Url, AnAllowedUrlReachesTheDestinationWhole) {
  const std::string url = "https://www.example.org/news?id=1\n";
  const ProcessResult result = open(emulation, url);
  EXPECT_EQ(result.exit_status, 0);
  EXPECT_EQ(result.out, "");
  EXPECT_EQ(result.err, "");
  EXPECT_EQ(received(emulation), url);

  ASSERT_TRUE(journal_running());
  const auto records =
      journal_records({"SOURCE=" + emulation.source(), "EVENT=plugin", "PLUGIN=url"});
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(field(records[0], "URL"), "https://www.example.org/news?id=1");
  EXPECT_EQ(field(records[0], "URL_HOST"), "www.example.org");
  EXPECT_EQ(field(records[0], "URL_DECISION"), "allowed");
  EXPECT_EQ(field(records[0], "PRIORITY"), "6");
  const auto summary = journal_records({"SOURCE=" + emulation.source(), "EVENT=summary"});
  ASSERT_EQ(summary.size(), 1u);
  EXPECT_EQ(field(summary[0], "OUTCOME"), "completed");
  EXPECT_EQ(field(summary[0], "SRC2DST_BYTES"), std::to_string(url.size()));
}

TEST_F(Url, ARefusedUrlAbortsTheCallAndTheDestinationGetsNothing) {
  ASSERT_TRUE(journal_running());
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"http://www.example.org/\n", "the scheme \"http\" is not in schemes"},
      {"https://evil.example/\n", "the host \"evil.example\" is not in hosts"},
      {"https://www.example.org@evil.example/\n",
       "it has user information (user@host), which is refused: it can disguise the host"},
      {"https://www.example.org/\x1b]8;;\n", "byte 0x1b at offset 24 is not printable ASCII"},
      {"https://www.example.org/\nhttps://evil.example/\n",
       "bytes follow the URL's line (the request is one line)"},
      {"https://www.example.org/" + std::string(100, 'x') + "\n",
       "the URL is longer than max_length (100 bytes)"},
      {"", "the source sent no URL"},
  };
  for (const auto& [input, problem] : cases) {
    SCOPED_TRACE(testing::PrintToString(input));
    Emulation qubes;
    prepare(qubes);
    const ProcessResult result = open(qubes, input);
    EXPECT_EQ(result.exit_status, 124);
    EXPECT_EQ(result.out, "");
    EXPECT_EQ(result.err, "");
    EXPECT_EQ(received(qubes), "");
    const auto summary = journal_records({"SOURCE=" + qubes.source(), "EVENT=summary"});
    ASSERT_EQ(summary.size(), 1u);
    EXPECT_EQ(field(summary[0], "OUTCOME"), "aborted");
    EXPECT_EQ(field(summary[0], "PLUGIN"), "url");
    EXPECT_EQ(field(summary[0], "REASON"), "url: refused the URL: " + problem);
    EXPECT_EQ(field(summary[0], "SRC2DST_BYTES"), "0");
    const auto records =
        journal_records({"SOURCE=" + qubes.source(), "EVENT=plugin", "PLUGIN=url"});
    ASSERT_EQ(records.size(), 1u);
    EXPECT_EQ(field(records[0], "URL_DECISION"), "refused");
    EXPECT_EQ(field(records[0], "URL_PROBLEM"), problem);
    EXPECT_EQ(field(records[0], "PRIORITY"), "4");
  }
}

TEST_F(Url, BytesAfterAnAllowedLineAbortTheCall) {
  // The line goes on as soon as it is complete; what follows later ends
  // the call.
  const ProcessResult result =
      emulation.call_from_shell("printf 'https://www.example.org/\\n'; sleep 0.3; printf 'more\\n'",
                                "qrexec-proxy+open-url+dst+qubes.OpenURL");
  EXPECT_EQ(result.exit_status, 124);
  ASSERT_TRUE(journal_running());
  const auto summary = journal_records({"SOURCE=" + emulation.source(), "EVENT=summary"});
  ASSERT_EQ(summary.size(), 1u);
  EXPECT_EQ(field(summary[0], "REASON"),
            "url: refused the URL: bytes follow the URL's line (the request is one line)");
}

TEST_F(Url, TheReadmeExampleLinksOpenInTheDisposableThroughTheRoute) {
  // The route, its entry, and dom0's lines: `route policy` prints those of
  // the route's target and @default; README adds the one for @dispvm.
  emulation.write_routes("open-url.json", R"([{"source": ")" + emulation.source() +
                                              R"(", "service": "qubes.OpenURL", "target": "dst",
                                                 "chain": "open-url"}])");
  const ProcessResult enabled = emulation.admin({"route", "enable", "qubes.OpenURL"});
  ASSERT_EQ(enabled.exit_status, 0) << enabled.err;
  const ProcessResult policy =
      emulation.admin({"route", "policy", emulation.source(), "qubes.OpenURL", "--proxy", "proxy"});
  ASSERT_EQ(policy.exit_status, 0) << policy.err;
  emulation.write_policy("qubes.OpenURL * " + emulation.source() + " @dispvm allow target=proxy\n" +
                         policy.out);

  ProcessOptions options;
  options.input = "https://doc.example.org/a\n";
  ProcessResult result = emulation.call_service("@dispvm", "qubes.OpenURL", options);
  EXPECT_EQ(result.exit_status, 0) << result.err;
  EXPECT_EQ(received(emulation), "https://doc.example.org/a\n");

  Emulation other;
  prepare(other);
  other.write_routes("open-url.json", R"([{"source": ")" + other.source() +
                                          R"(", "service": "qubes.OpenURL", "target": "dst",
                                             "chain": "open-url"}])");
  ASSERT_EQ(other.admin({"route", "enable", "qubes.OpenURL"}).exit_status, 0);
  other.write_policy("qubes.OpenURL * " + other.source() + " @dispvm allow target=proxy\n" +
                     "qubes.OpenURL * proxy dst allow\n");
  options.input = "http://doc.example.org/a\n";
  result = other.call_service("@dispvm", "qubes.OpenURL", options);
  EXPECT_EQ(result.exit_status, 124);
  EXPECT_EQ(received(other), "");
}

}  // namespace
}  // namespace qrexec_proxy::test
