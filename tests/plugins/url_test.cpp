#include "plugins/plugin_driver.hpp"
#include "support/null_context.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

namespace qrexec_proxy::test {
namespace {

struct Outcome {
  std::string output;
  std::optional<std::string> aborted;
  std::vector<NullContext::Record> records;
};

// Runs `input` through url(options) in src2dst, cut into chunks at `cuts`
// (offsets, ascending), then ends the stream.
Outcome run(const nlohmann::json& options, const std::string& input,
            const std::vector<std::size_t>& cuts = {}) {
  auto plugin = make_plugin("url", options);
  if (!plugin) return {};
  NullContext context;
  DirectionDriver driver(*plugin, context, Direction::src2dst);
  driver.feed_at_cuts(input, cuts);
  return {driver.output(), context.aborted, context.records};
}

// However the input is cut in two, `input` passes whole and is logged as
// allowed.
void expect_allowed(const nlohmann::json& options, const std::string& input) {
  SCOPED_TRACE(testing::PrintToString(input));
  for (std::size_t split = 0; split <= input.size(); ++split) {
    SCOPED_TRACE("split at " + std::to_string(split));
    const Outcome outcome = run(options, input, {split});
    EXPECT_EQ(outcome.output, input);
    EXPECT_FALSE(outcome.aborted) << *outcome.aborted;
    ASSERT_EQ(outcome.records.size(), 1u);
    EXPECT_EQ(outcome.records[0].priority, Priority::info);
    EXPECT_EQ(outcome.records[0].field("URL_DECISION"), "allowed");
  }
}

// However the input is cut in two, the call is aborted for `problem`,
// nothing passes, and one record says why.
void expect_refused(const nlohmann::json& options, const std::string& input,
                    const std::string& problem) {
  SCOPED_TRACE(testing::PrintToString(input));
  for (std::size_t split = 0; split <= input.size(); ++split) {
    SCOPED_TRACE("split at " + std::to_string(split));
    const Outcome outcome = run(options, input, {split});
    EXPECT_EQ(outcome.output, "");
    ASSERT_TRUE(outcome.aborted);
    EXPECT_EQ(*outcome.aborted, "url: refused the URL: " + problem);
    ASSERT_EQ(outcome.records.size(), 1u);
    EXPECT_EQ(outcome.records[0].priority, Priority::warning);
    EXPECT_EQ(outcome.records[0].field("URL_DECISION"), "refused");
    EXPECT_EQ(outcome.records[0].field("URL_PROBLEM"), problem);
  }
}

TEST(UrlPlugin, HoldsEveryByteUntilTheLineIsComplete) {
  auto plugin = make_plugin("url");
  NullContext context;
  DirectionDriver driver(*plugin, context, Direction::src2dst);
  driver.feed("https://www.exa");
  driver.feed("mple.org/pa");
  EXPECT_EQ(driver.output(), "");
  EXPECT_EQ(driver.held(), 26u);
  EXPECT_TRUE(context.records.empty());
  driver.feed("ge\n");
  EXPECT_EQ(driver.output(), "https://www.example.org/page\n");
  EXPECT_EQ(driver.held(), 0u);
  driver.end();
  EXPECT_TRUE(driver.ended());
  EXPECT_FALSE(context.aborted);
  ASSERT_EQ(context.records.size(), 1u);
  const NullContext::Record& record = context.records[0];
  EXPECT_EQ(record.priority, Priority::info);
  EXPECT_EQ(record.message, "url: allowed https://www.example.org/page");
  EXPECT_EQ(record.field("URL"), "https://www.example.org/page");
  EXPECT_EQ(record.field("URL_HOST"), "www.example.org");
  EXPECT_EQ(record.field("URL_DECISION"), "allowed");
  EXPECT_EQ(record.field("URL_PROBLEM"), "(missing)");
}

TEST(UrlPlugin, AUrlWithoutNewlineIsCompleteAtTheEndOfTheStream) {
  auto plugin = make_plugin("url");
  NullContext context;
  DirectionDriver driver(*plugin, context, Direction::src2dst);
  driver.feed("https://example.org");
  EXPECT_EQ(driver.output(), "");
  driver.end();
  EXPECT_EQ(driver.output(), "https://example.org");
  EXPECT_FALSE(context.aborted);
  expect_allowed(nullptr, "https://example.org/?q=a+b#x");
}

TEST(UrlPlugin, AllowsWhatTheOptionsAllow) {
  expect_allowed(nullptr, "https://example.org/\n");
  expect_allowed(nullptr, "HTTPS://Example.Org:8443/Path\n");
  const nlohmann::json options = {
      {"schemes", {"HTTPS", "http"}},
      {"hosts", {"example.org", "*.docs.example.org", ".Qubes-OS.org", "192.0.2.7"}}};
  expect_allowed(options, "http://example.org/\n");
  expect_allowed(options, "https://EXAMPLE.org\n");
  expect_allowed(options, "https://a.docs.example.org/\n");
  expect_allowed(options, "https://a.b.docs.example.org/\n");
  expect_allowed(options, "https://qubes-os.org/doc/\n");
  expect_allowed(options, "https://www.qubes-os.org/doc/\n");
  expect_allowed(options, "https://192.0.2.7:8080/\n");
  expect_allowed({{"pattern", "https://example\\.org/(doc|news)/.*"}},
                 "https://example.org/doc/index.html\n");
  // Without hosts, IPv6 addresses are hosts like any other.
  expect_allowed(nullptr, "https://[2001:db8::1]/\n");
  // max_length counts the URL, not its '\n'.
  expect_allowed({{"max_length", 20}}, "https://example.org/\n");
  expect_allowed({{"max_length", 20}}, "https://example.org/");
}

TEST(UrlPlugin, RefusesSchemesHostsAndPatternsTheOptionsDoNotAllow) {
  const nlohmann::json options = {
      {"hosts", {"example.org", "*.docs.example.org", ".qubes-os.org", "192.0.2.7"}}};
  expect_refused(nullptr, "http://example.org/\n", "the scheme \"http\" is not in schemes");
  expect_refused(nullptr, "ftp://example.org/\n", "the scheme \"ftp\" is not in schemes");
  expect_refused(options, "https://www.example.org/\n",
                 "the host \"www.example.org\" is not in hosts");
  expect_refused(options, "https://docs.example.org/\n",
                 "the host \"docs.example.org\" is not in hosts");
  expect_refused(options, "https://evildocs.example.org/\n",
                 "the host \"evildocs.example.org\" is not in hosts");
  expect_refused(options, "https://example.org.evil.example/\n",
                 "the host \"example.org.evil.example\" is not in hosts");
  expect_refused(options, "https://notqubes-os.org/\n",
                 "the host \"notqubes-os.org\" is not in hosts");
  expect_refused(options, "https://192.0.2.8/\n", "the host \"192.0.2.8\" is not in hosts");
  expect_refused(options, "https://[2001:db8::1]/\n",
                 "the host [2001:db8::1] is an IPv6 address, which hosts cannot list");
  const nlohmann::json pattern = {{"pattern", "https://example\\.org/doc/.*"}};
  // The whole URL must match, not a part of it.
  expect_refused(pattern, "https://evil.example/https://example.org/doc/\n",
                 "the URL does not match pattern");
  expect_refused(pattern, "https://example.org/doc\n", "the URL does not match pattern");
  expect_refused(pattern, "HTTPS://example.org/doc/x\n", "the URL does not match pattern");
  expect_allowed({{"pattern", "(?i)https://example\\.org/doc/.*"}}, "HTTPS://example.org/doc/x\n");
}

TEST(UrlPlugin, RefusesWhatIsNotOneWellFormedUrl) {
  expect_refused(nullptr, "\n", "the URL is empty");
  expect_refused(nullptr, "https://a.example/x y\n", "a space at offset 19: a URL holds no spaces");
  expect_refused(nullptr, "https://a.example/\r\n",
                 "byte 0x0d at offset 18 is not printable ASCII");
  expect_refused(nullptr, "https://a.example/\x1b[31m\n",
                 "byte 0x1b at offset 18 is not printable ASCII");
  expect_refused(nullptr, "https://b\xc3\xbc\x63her.example/\n",
                 "byte 0xc3 at offset 9 is not printable ASCII");
  expect_refused(nullptr, "https://bank.example@evil.example/\n",
                 "it has user information (user@host), which is refused: it can disguise the host");
  expect_refused(nullptr, "https:evil.example\n",
                 "the scheme \"https\" is not followed by \"//\" and a host");
  expect_refused(nullptr, "https://0x7f.0.0.1/\n",
                 "the host \"0x7f.0.0.1\" ends in a number but is not an IPv4 address in dotted "
                 "decimal (four numbers 0 to 255, without leading zeros)");
}

TEST(UrlPlugin, NothingMayFollowTheLine) {
  for (const std::string& input : {std::string("https://a.example/\nhttps://b.example/\n"),
                                   std::string("https://a.example/\n\n")}) {
    SCOPED_TRACE(testing::PrintToString(input));
    const std::size_t line = input.find('\n') + 1;
    for (std::size_t split = 0; split <= input.size(); ++split) {
      SCOPED_TRACE("split at " + std::to_string(split));
      const Outcome outcome = run(nullptr, input, {split});
      ASSERT_TRUE(outcome.aborted);
      if (split == line) {
        // The line came alone and went on; what came next aborts the call.
        EXPECT_EQ(outcome.output, input.substr(0, line));
        EXPECT_EQ(*outcome.aborted,
                  "url: refused the URL: bytes follow the URL's line (the request is one line)");
        ASSERT_EQ(outcome.records.size(), 2u);
      } else {
        // The bytes after the line came with it: nothing went on.
        EXPECT_EQ(outcome.output, "");
        EXPECT_EQ(*outcome.aborted,
                  "url: refused the URL: bytes follow the URL's line (the request is one line)");
        ASSERT_EQ(outcome.records.size(), 1u);
      }
      EXPECT_EQ(outcome.records.back().field("URL"), "https://a.example/");
      EXPECT_EQ(outcome.records.back().field("URL_DECISION"), "refused");
    }
  }
}

TEST(UrlPlugin, ALongerUrlIsRefusedAsSoonAsItsLengthIsKnown) {
  const nlohmann::json options = {{"max_length", 20}};
  expect_refused(options, "https://example.org/x\n",
                 "the URL is longer than max_length (20 bytes)");
  expect_refused(options, "https://example.org/x", "the URL is longer than max_length (20 bytes)");
  // Known before the stream ends, or any '\n' comes.
  auto plugin = make_plugin("url", options);
  NullContext context;
  DirectionDriver driver(*plugin, context, Direction::src2dst);
  driver.feed("https://example.org/");
  EXPECT_FALSE(context.aborted);
  driver.feed("x");
  ASSERT_TRUE(context.aborted);
  EXPECT_EQ(*context.aborted, "url: refused the URL: the URL is longer than max_length (20 bytes)");
  EXPECT_EQ(driver.output(), "");
  ASSERT_EQ(context.records.size(), 1u);
  EXPECT_EQ(context.records[0].field("URL"), "https://example.org/...");
}

TEST(UrlPlugin, ASourceThatSendsNothingIsRefused) {
  const Outcome outcome = run(nullptr, "");
  ASSERT_TRUE(outcome.aborted);
  EXPECT_EQ(*outcome.aborted, "url: refused the URL: the source sent no URL");
  ASSERT_EQ(outcome.records.size(), 1u);
  EXPECT_EQ(outcome.records[0].message, "url: refused: the source sent no URL");
  EXPECT_EQ(outcome.records[0].field("URL"), "");
}

TEST(UrlPlugin, BytesAfterAnAllowedUrlAbortTheCall) {
  auto plugin = make_plugin("url");
  NullContext context;
  DirectionDriver driver(*plugin, context, Direction::src2dst);
  driver.feed("https://example.org/\n");
  EXPECT_EQ(driver.output(), "https://example.org/\n");
  EXPECT_FALSE(context.aborted);
  driver.feed("more");
  ASSERT_TRUE(context.aborted);
  EXPECT_EQ(*context.aborted,
            "url: refused the URL: bytes follow the URL's line (the request is one line)");
  EXPECT_EQ(driver.output(), "https://example.org/\n");
  ASSERT_EQ(context.records.size(), 2u);
  EXPECT_EQ(context.records[1].field("URL"), "https://example.org/");
  EXPECT_EQ(context.records[1].field("URL_DECISION"), "refused");
}

TEST(UrlPlugin, LogsTheUrlEscaped) {
  const Outcome outcome = run(nullptr, "https://a.example/\x1b[2J\\\n");
  ASSERT_EQ(outcome.records.size(), 1u);
  const NullContext::Record& record = outcome.records[0];
  EXPECT_EQ(record.field("URL"), "https://a.example/\\x1b[2J\\x5c");
  EXPECT_EQ(record.message,
            "url: refused \"https://a.example/\\x1b[2J\\x5c\": byte 0x1b at offset 18 is not "
            "printable ASCII");
  EXPECT_EQ(record.field("URL_HOST"), "(missing)");
  const Outcome host = run({{"hosts", {"b.example"}}}, "https://A.example/\n");
  ASSERT_EQ(host.records.size(), 1u);
  EXPECT_EQ(host.records[0].field("URL"), "https://A.example/");
  EXPECT_EQ(host.records[0].field("URL_HOST"), "a.example");
}

TEST(UrlPlugin, HoldsTheSourceAndLeavesTheReplyAlone) {
  auto plugin = make_plugin("url", {{"max_length", 100}});
  const DataNeeds up = plugin->needs(Direction::src2dst);
  EXPECT_TRUE(up.reads_bytes);
  EXPECT_FALSE(up.drops_bytes);
  EXPECT_EQ(up.hold_bytes, 101u);
  const DataNeeds down = plugin->needs(Direction::dst2src);
  EXPECT_FALSE(down.reads_bytes);
  EXPECT_EQ(down.hold_bytes, 0u);
  NullContext context;
  DirectionDriver reply(*plugin, context, Direction::dst2src);
  reply.feed(std::string("\x01\x02 anything\n\n", 13));
  reply.end();
  EXPECT_EQ(reply.output(), std::string("\x01\x02 anything\n\n", 13));
  EXPECT_FALSE(context.aborted);
  EXPECT_TRUE(context.records.empty());
}

TEST(UrlPlugin, InAuditModeARefusedUrlPasses) {
  auto plugin = make_plugin("url", {{"mode", "audit"}});
  NullContext context;
  context.audit_enabled = true;
  std::string first = "http://example.org/\nmore";
  const Verdict verdict = offer_once(*plugin, context, first, false);
  // The engine turns the abort into an audit record; the bytes go on.
  ASSERT_TRUE(context.aborted);
  EXPECT_EQ(verdict.kind(), Verdict::Kind::pass);
  EXPECT_EQ(verdict.count(), first.size());
  context.aborted.reset();
  std::string later = "and more";
  EXPECT_EQ(offer_once(*plugin, context, later, true).count(), later.size());
  plugin->on_end(context, Direction::src2dst);
  EXPECT_FALSE(context.aborted);
  EXPECT_EQ(context.records.size(), 1u);
}

TEST(UrlPlugin, OptionsAreCheckedAtLoad) {
  EXPECT_EQ(option_error("url", nullptr), "");
  EXPECT_EQ(option_error("url", {{"schemes", nlohmann::json::array()}}),
            "schemes: must name at least one scheme");
  EXPECT_EQ(option_error("url", {{"schemes", {"https", "ht tp"}}}),
            "schemes: \"ht tp\" is not a scheme name (a letter, then letters, digits, '+', '-' or "
            "'.')");
  EXPECT_EQ(option_error("url", {{"schemes", {"https:"}}}),
            "schemes: \"https:\" is not a scheme name (a letter, then letters, digits, '+', '-' "
            "or '.')");
  const std::string star =
      "is not a host pattern: a '*' may only stand at the start, followed by '.' "
      "(\"*.example.org\")";
  EXPECT_EQ(option_error("url", {{"hosts", {"*example.org"}}}), "hosts: \"*example.org\" " + star);
  EXPECT_EQ(option_error("url", {{"hosts", {"a.*.org"}}}), "hosts: \"a.*.org\" " + star);
  EXPECT_EQ(option_error("url", {{"hosts", {"*"}}}), "hosts: \"*\" " + star);
  EXPECT_EQ(option_error("url", {{"hosts", {"[::1]"}}}),
            "hosts: \"[::1]\" is not a host pattern: IPv6 addresses cannot be listed (leave hosts "
            "empty to allow them)");
  EXPECT_EQ(option_error("url", {{"hosts", {"example..org"}}}),
            "hosts: \"example..org\" is not a host pattern: the host name has an empty label (a "
            "'.' at its start or end, or two in a row)");
  EXPECT_EQ(option_error("url", {{"hosts", {""}}}),
            "hosts: \"\" is not a host pattern: the host name is empty");
  EXPECT_EQ(option_error("url", {{"hosts", {"*."}}}),
            "hosts: \"*.\" is not a host pattern: the host name is empty");
  EXPECT_EQ(option_error("url", {{"hosts", {"https://example.org"}}}),
            "hosts: \"https://example.org\" is not a host pattern: the host name holds \":\", "
            "which is not a letter, a digit, '-', '_' or '.'");
  EXPECT_EQ(option_error("url", {{"hosts", {"*.10.0.0.1"}}}),
            "hosts: \"*.10.0.0.1\" is not a host pattern: an IPv4 address may only be listed "
            "exactly, without \"*.\" or \".\"");
  EXPECT_EQ(option_error("url", {{"hosts", {"10.0.1"}}}),
            "hosts: \"10.0.1\" is not a host pattern: the host name ends in a number but is not "
            "an IPv4 address in dotted decimal (four numbers 0 to 255, without leading zeros)");
  EXPECT_EQ(
      option_error("url", {{"hosts", {"Example.org", "*.a.example", ".b.example", "10.0.0.1"}}}),
      "");
  EXPECT_EQ(option_error("url", {{"pattern", "https://(unclosed"}}),
            "pattern: \"https://(unclosed\" is not a valid RE2 expression: missing ): "
            "https://(unclosed");
  EXPECT_EQ(option_error("url", {{"pattern", ""}}), "");
  EXPECT_EQ(option_error("url", {{"max_length", 0}}),
            "max_length: must be between 1 and 65536, not 0");
  EXPECT_EQ(option_error("url", {{"max_length", 65537}}),
            "max_length: must be between 1 and 65536, not 65537");
  EXPECT_EQ(option_error("url", {{"max_length", 65536}}), "");
}

}  // namespace
}  // namespace qrexec_proxy::test
