#include "plugins/plugin_driver.hpp"
#include "support/null_context.hpp"

#include <gtest/gtest.h>

namespace qrexec_proxy::test {
namespace {

// The admission of a call source -> target service through allow(options).
Admission admission(const nlohmann::json& options, const std::string& source,
                    const std::string& target, const std::string& service) {
  auto plugin = make_plugin("allow", options);
  if (!plugin) return Admission::fail("invalid options");
  NullContext context;
  context.info = {"chain", source, target, service};
  return plugin->on_start(context);
}

bool admitted(const nlohmann::json& options, const std::string& source, const std::string& target,
              const std::string& service) {
  return admission(options, source, target, service).kind() == Admission::Kind::admit;
}

TEST(AllowPlugin, MissingListsAllowAnything) {
  EXPECT_TRUE(admitted(nullptr, "any-qube", "other", "some.Service+arg"));
}

TEST(AllowPlugin, SourcesAndTargetsMatchWholeNamesWithGlobs) {
  const nlohmann::json options = {{"sources", {"work", "dev-*", "vm[0-9]"}},
                                  {"targets", {"vault", "backup?"}}};
  EXPECT_TRUE(admitted(options, "work", "vault", "s"));
  EXPECT_TRUE(admitted(options, "dev-1", "backup2", "s"));
  EXPECT_TRUE(admitted(options, "vm7", "vault", "s"));
  EXPECT_FALSE(admitted(options, "work2", "vault", "s"));  // whole name
  EXPECT_FALSE(admitted(options, "Work", "vault", "s"));   // case-sensitive
  EXPECT_FALSE(admitted(options, "vmx", "vault", "s"));    // set
  EXPECT_FALSE(admitted(options, "work", "backup", "s"));  // '?' is one character
  EXPECT_FALSE(admitted(options, "work", "backup12", "s"));
  const Admission refused = admission(options, "personal", "vault", "s");
  EXPECT_EQ(refused.kind(), Admission::Kind::refuse);
  EXPECT_EQ(refused.reason(), "allow: source personal is not in sources");
  EXPECT_EQ(admission(options, "work", "web", "s").reason(), "allow: target web is not in targets");
  EXPECT_TRUE(admitted({{"sources", {"[!w]*"}}}, "dev", "x", "s"));
  EXPECT_FALSE(admitted({{"sources", {"[!w]*"}}}, "work", "x", "s"));
}

TEST(AllowPlugin, ServicePatternsWithoutPlusIgnoreTheArgument) {
  const nlohmann::json options = {{"services", {"qubes.Filecopy", "my.*"}}};
  EXPECT_TRUE(admitted(options, "a", "b", "qubes.Filecopy"));
  EXPECT_TRUE(admitted(options, "a", "b", "qubes.Filecopy+anything"));
  EXPECT_TRUE(admitted(options, "a", "b", "my.Service+x"));
  EXPECT_FALSE(admitted(options, "a", "b", "qubes.FilecopyX"));
  EXPECT_EQ(admission(options, "a", "b", "qubes.VMShell+x").reason(),
            "allow: service qubes.VMShell+x is not in services");
}

TEST(AllowPlugin, ServicePatternsWithPlusMatchServiceAndArgument) {
  const nlohmann::json options = {{"services", {"my.Service+x*", "other+"}}};
  EXPECT_TRUE(admitted(options, "a", "b", "my.Service+x1"));
  EXPECT_TRUE(admitted(options, "a", "b", "my.Service+x"));
  EXPECT_FALSE(admitted(options, "a", "b", "my.Service"));
  EXPECT_FALSE(admitted(options, "a", "b", "my.Service+y"));
  EXPECT_TRUE(admitted(options, "a", "b", "other+"));  // an empty argument, given
  EXPECT_FALSE(admitted(options, "a", "b", "other"));
}

TEST(AllowPlugin, AnEmptyListAllowsNothing) {
  EXPECT_FALSE(admitted({{"targets", nlohmann::json::array()}}, "a", "b", "s"));
}

TEST(AllowPlugin, PatternsAreCheckedAtLoad) {
  EXPECT_EQ(option_error("allow", {{"sources", {"ok", ""}}}), "sources: holds an empty pattern");
  EXPECT_EQ(option_error("allow", {{"sources", {"a.b"}}}),
            "sources: pattern \"a.b\" holds a character no qube name has (nor * ? [ ] !)");
  EXPECT_EQ(option_error("allow", {{"targets", {"a/b"}}}),
            "targets: pattern \"a/b\" holds a character no qube name has (nor * ? [ ] !)");
  EXPECT_EQ(option_error("allow", {{"services", {"a\\*"}}}),
            "services: pattern \"a\\x5c*\" holds a character no service has (nor * ? [ ] !)");
  EXPECT_EQ(option_error("allow", {{"services", {"a b"}}}),
            "services: pattern \"a b\" holds a character no service has (nor * ? [ ] !)");
  EXPECT_EQ(option_error("allow", {{"services", {"my.Service+arg-1_x", "*"}}}), "");
  EXPECT_EQ(option_error("allow", {{"sources", "work"}}),
            "sources: must be a list of strings, not string");
}

}  // namespace
}  // namespace qrexec_proxy::test
