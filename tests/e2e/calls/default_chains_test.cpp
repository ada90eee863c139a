// Every chain of the installed default config, end to end.
#include "support/emulation.hpp"

#include <nlohmann/json.hpp>

#include <gtest/gtest.h>

#include <map>

namespace qrexec_proxy::test {
namespace {

// What each default chain lets through, for a call that sends `request` to
// test.Reply (which stores what it gets, then answers).
struct Expectation {
  bool request_reaches_destination;
  bool reply_reaches_source;
};

const std::map<std::string, Expectation>& expectations() {
  static const std::map<std::string, Expectation> table = {
      {"pass", {true, true}},       {"3pass", {true, true}},    {"limit", {true, true}},
      {"src2dst", {true, false}},   {"dst2src", {false, true}}, {"timeout", {true, true}},
      {"none", {true, true}},       {"one-way", {true, false}}, {"sniff", {true, true}},
      {"streamline", {true, true}}, {"count", {true, true}},
  };
  return table;
}

std::vector<std::string> installed_chains() {
  const auto text = read_file(install_root() / "etc/qubes-qrexec-proxy/config.json");
  const nlohmann::json config = nlohmann::json::parse(text);
  std::vector<std::string> chains;
  for (const auto& [name, value] : config.items())
    if (value.is_object()) chains.push_back(name);
  return chains;
}

TEST(DefaultChains, EveryChainHasAnExpectation) {
  for (const auto& chain : installed_chains())
    EXPECT_TRUE(expectations().contains(chain))
        << "no test expectation for the default chain " << chain;
}

TEST(DefaultChains, EachChainDoesWhatItsNameSays) {
  for (const auto& chain : installed_chains()) {
    SCOPED_TRACE(chain);
    const auto it = expectations().find(chain);
    if (it == expectations().end()) continue;
    Emulation emulation;
    emulation.use_installed_config();
    ProcessOptions options;
    options.input = "request for " + chain + "\n";
    const ProcessResult result =
        emulation.call("qrexec-proxy+" + chain + "+dst+test.Reply+" + chain, options);
    EXPECT_EQ(result.exit_status, 0);
    EXPECT_EQ(result.err, "");
    EXPECT_EQ(read_file(emulation.output(chain)),
              it->second.request_reaches_destination ? options.input : "");
    EXPECT_EQ(result.out,
              it->second.reply_reaches_source ? "a reply that must not reach the source\n" : "");
  }
}

}  // namespace
}  // namespace qrexec_proxy::test
