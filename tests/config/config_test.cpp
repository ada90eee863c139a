#include "config/config.hpp"

#include "support/temp_dir.hpp"

#include <gtest/gtest.h>

namespace qrexec_proxy {
namespace {

using test::TempDir;
using test::write_file;

const PluginRegistry& registry() {
  return PluginRegistry::builtin();
}

Config parse(const std::string& text) {
  return parse_config_text(text, "config.json", registry());
}

std::string only_problem(const Config& config) {
  EXPECT_EQ(config.problems.size(), 1u);
  return config.problems.empty() ? "" : config.problems.front().format();
}

// The original proxy's own example config, unchanged.
constexpr const char* kOriginalConfig = R"({
  "description": "Each item is a [plugin chain name] --> dict: plugins: [ordered list of plugins], config (optional): [plugin or index] --> [plugin config dict].",
  "pass": { "plugins": [ "pass" ] },
  "3pass": { "plugins": [ "pass", "pass", "pass" ] },
  "limit": { "plugins": [ "byte_limit" ], "config": { "byte_limit": { "src2dst_limit": 10485760, "dst2src_limit": 2097152 } } },
  "src2dst": { "plugins": [ "stop_dst" ] },
  "dst2src": { "plugins": [ "stop_src" ] },
  "timeout": { "plugins": [ "timeout" ], "config": { "timeout": { "src2dst_timeout": 1, "dst2src_timeout": 1 } } },
  "none": { "plugins": [] }
})";

TEST(Config, ReadsTheOriginalFormat) {
  const Config config = parse(kOriginalConfig);
  ASSERT_TRUE(config.valid()) << config.problems.front().format();
  EXPECT_EQ(config.chains.size(), 7u);
  const ChainConfig* limit = config.find("limit");
  ASSERT_NE(limit, nullptr);
  ASSERT_EQ(limit->plugins.size(), 1u);
  EXPECT_EQ(limit->plugins[0].options.integer("src2dst_limit"), 10485760);
  EXPECT_EQ(limit->plugins[0].options.integer("dst2src_limit"), 2097152);
  EXPECT_EQ(limit->plugins[0].options_key, "byte_limit");
  EXPECT_EQ(config.find("3pass")->plugins.size(), 3u);
  EXPECT_TRUE(config.find("none")->plugins.empty());
  EXPECT_EQ(config.find("description"), nullptr);
}

TEST(Config, ADestinationOfDom0IsAllowedPerChainOnly) {
  const Config config = parse(R"({"plain": {"plugins": []},
      "admin": {"plugins": [], "allow_dom0": true}, "no": {"plugins": [], "allow_dom0": false}})");
  ASSERT_TRUE(config.valid()) << config.problems.front().format();
  EXPECT_FALSE(config.find("plain")->allow_dom0);
  EXPECT_TRUE(config.find("admin")->allow_dom0);
  EXPECT_FALSE(config.find("no")->allow_dom0);
  EXPECT_EQ(only_problem(parse(R"({"c": {"plugins": [], "allow_dom0": "yes"}})")),
            "config.json: chain c: allow_dom0 must be true or false");
}

TEST(Config, IndexKeysWinOverNameKeys) {
  const Config config = parse(R"({"c": {"plugins": ["byte_limit", "byte_limit"],
      "config": {"byte_limit": {"src2dst_limit": 5}, "1": {"src2dst_limit": 7}}}})");
  ASSERT_TRUE(config.valid()) << config.problems.front().format();
  const auto& plugins = config.find("c")->plugins;
  EXPECT_EQ(plugins[0].options.integer("src2dst_limit"), 5);
  EXPECT_EQ(plugins[0].options_key, "byte_limit");
  EXPECT_EQ(plugins[1].options.integer("src2dst_limit"), 7);
  EXPECT_EQ(plugins[1].options_key, "1");
}

TEST(Config, DefaultEndpointsMayOpenAndCloseAChain) {
  const Config config = parse(R"({"c": {"plugins": ["default", "pass", "default"]}})");
  ASSERT_TRUE(config.valid()) << config.problems.front().format();
  EXPECT_EQ(config.find("c")->plugins.size(), 1u);
  EXPECT_EQ(
      only_problem(parse(R"({"c": {"plugins": ["pass", "default", "pass"]}})")),
      "config.json: chain c, plugin #1 default: the default endpoint may only be the first or "
      "the last entry");
}

TEST(Config, ReportsSyntaxErrorsWithLineAndColumn) {
  const std::string problem =
      only_problem(parse("{\n  \"c\": {\"plugins\": [\"pass\"]},\n  \"d\": \n}"));
  EXPECT_TRUE(problem.starts_with("config.json:4:1: ")) << problem;
  EXPECT_NE(problem.find("syntax error"), std::string::npos) << problem;
}

TEST(Config, ReportsSemanticErrorsWithChainPluginAndOption) {
  EXPECT_EQ(only_problem(parse(R"({"c": {"plugins": ["pas"]}})")),
            "config.json: chain c, plugin #0 pas: unknown plugin");
  EXPECT_EQ(
      only_problem(parse(R"({"c": {"plugins": ["byte_limit"], "config": {"0": {"src2dst": 1}}}})")),
      "config.json: chain c, plugin #0 byte_limit, option src2dst: unknown option");
  EXPECT_EQ(
      only_problem(parse(
          R"({"c": {"plugins": ["timeout"], "config": {"timeout": {"src2dst_timeout": "5"}}}})")),
      "config.json: chain c, plugin #0 timeout, option src2dst_timeout: must be a number, not "
      "string");
  EXPECT_EQ(
      only_problem(parse(
          R"({"c": {"plugins": ["byte_limit"], "config": {"byte_limit": {"dst2src_limit": -7}}}})")),
      "config.json: chain c, plugin #0 byte_limit, option dst2src_limit: must be at least 0 (or -1 "
      "for no limit), not -7");
  EXPECT_EQ(only_problem(parse(R"({"c": {"plugins": ["pass"], "config": {"timeout": {}}}})")),
            "config.json: chain c: config key \"timeout\" names no plugin of the chain");
  EXPECT_EQ(only_problem(parse(R"({"c": {"plugins": ["pass"], "config": {"3": {}}}})")),
            "config.json: chain c: config key \"3\" indexes no plugin (the chain has 1)");
  EXPECT_EQ(only_problem(parse(R"({"c": {"plugin": ["pass"]}})")),
            "config.json: chain c: unknown key \"plugin\" (expected plugins, config, description, "
            "allow_dom0)");
  EXPECT_EQ(only_problem(parse(R"({"c": {"plugins": "pass"}})")),
            "config.json: chain c: \"plugins\" must be a list of plugin names");
  EXPECT_NE(only_problem(parse(R"({"bad+name": {"plugins": []}})")).find("invalid chain name"),
            std::string::npos);
  EXPECT_NE(only_problem(parse(R"({"..": {"plugins": []}})")).find("invalid chain name"),
            std::string::npos);
  EXPECT_EQ(only_problem(parse(R"([1, 2])")),
            "config.json: the file must hold an object of chain name -> chain");
}

TEST(Config, RunsAPluginsOwnValidationAtLoad) {
  PluginRegistry custom;
  PluginDescriptor even;
  even.name = "even";
  OptionSpec number;
  number.name = "n";
  number.default_value = std::int64_t{0};
  even.options = {number};
  even.create = [](const PluginOptions&) { return std::unique_ptr<Plugin>(); };
  even.validate = [](const PluginOptions& options) -> std::optional<OptionError> {
    if (options.integer("n") % 2 != 0) return OptionError{"n", "must be even"};
    return std::nullopt;
  };
  custom.add(std::move(even));
  const auto with = [&](const std::string& n) {
    return parse_config_text(
        R"({"c": {"plugins": ["even"], "config": {"even": {"n": )" + n + "}}}}", "config.json",
        custom);
  };
  EXPECT_EQ(only_problem(with("3")),
            "config.json: chain c, plugin #0 even, option n: must be even");
  EXPECT_TRUE(with("4").valid());
  // The check sees the defaults filled in.
  EXPECT_TRUE(parse_config_text(R"({"c": {"plugins": ["even"]}})", "config.json", custom).valid());
}

TEST(Config, RefusesDuplicateKeys) {
  EXPECT_EQ(only_problem(parse(R"({"c": {"plugins": []}, "c": {"plugins": ["pass"]}})")),
            "config.json: duplicate key \"c\"");
}

TEST(Config, PerQubeChainsReplaceTemplateChains) {
  TempDir dir;
  write_file(dir / "etc/config.json", R"({"a": {"plugins": ["pass"]}, "b": {"plugins": []}})");
  write_file(dir / "etc/chains.d/10-c.json", R"({"c": {"plugins": ["stop_dst"]}})");
  write_file(dir / "local/chains.d/a.json", R"({"a": {"plugins": ["stop_src"]}})");
  write_file(dir / "etc/chains.d/ignored.txt", "not json");
  const Config config = load_config({dir / "etc", dir / "local"}, registry());
  ASSERT_TRUE(config.valid()) << config.problems.front().format();
  EXPECT_EQ(config.files.size(), 3u);
  const ChainConfig* a = config.find("a");
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->plugins.at(0).name, "stop_src");
  EXPECT_EQ(a->file, dir / "local/chains.d/a.json");
  EXPECT_EQ(a->replaced, dir / "etc/config.json");
  EXPECT_FALSE(config.find("b")->replaced);
  EXPECT_EQ(config.find("c")->plugins.at(0).name, "stop_dst");
}

TEST(Config, RefusesOneChainTwiceInOneLocation) {
  TempDir dir;
  write_file(dir / "config.json", R"({"a": {"plugins": ["pass"]}})");
  write_file(dir / "chains.d/a.json", R"({"a": {"plugins": []}})");
  const Config config = load_config({dir.path()}, registry());
  EXPECT_EQ(only_problem(config), (dir / "chains.d/a.json").string() +
                                      ": chain a: chain already defined in " +
                                      (dir / "config.json").string());
}

TEST(Config, MissingLocationsAreEmptyButUnreadableFilesAreProblems) {
  TempDir dir;
  EXPECT_TRUE(load_config({dir / "nothing-here"}, registry()).valid());
  // A config.json that cannot be read (here: a directory, unreadable even
  // for root) fails the whole config: the proxy fails closed.
  std::filesystem::create_directory(dir / "config.json");
  const Config config = load_config({dir.path()}, registry());
  ASSERT_EQ(config.problems.size(), 1u);
  EXPECT_NE(config.problems[0].format().find("cannot read"), std::string::npos)
      << config.problems[0].format();
}

TEST(Config, ReportsEveryBrokenFile) {
  TempDir dir;
  write_file(dir / "config.json", "{");
  write_file(dir / "chains.d/x.json", R"({"x": {"plugins": ["nope"]}})");
  const Config config = load_config({dir.path()}, registry());
  EXPECT_EQ(config.problems.size(), 2u);
}

TEST(Config, NumbersBeyondRangeAreProblemsNotExceptions) {
  // Found by tests/fuzz/config_fuzzer: valid JSON syntax the parser cannot
  // represent used to escape as an exception instead of a config problem.
  const Config config = parse_config_text(
      R"({"t": {"plugins": ["timeout"], "config": {"timeout": {"src2dst_timeout": 2e308}}}})",
      "big.json", registry());
  ASSERT_EQ(config.problems.size(), 1u);
  EXPECT_EQ(config.problems[0].format(), "big.json: number overflow parsing '2e308'");
}

}  // namespace
}  // namespace qrexec_proxy

namespace qrexec_proxy {
namespace {

TEST(Config, EveryPluginTakesTheModeOption) {
  const Config config = parse_config_text(
      R"({"c": {"plugins": ["pass", "byte_limit"], "config": {"1": {"mode": "audit", "src2dst_limit": 3}}}})",
      "config.json", PluginRegistry::builtin());
  ASSERT_TRUE(config.valid()) << config.problems.front().format();
  EXPECT_FALSE(config.find("c")->plugins[0].options.audit());
  EXPECT_TRUE(config.find("c")->plugins[1].options.audit());
  const Config bad =
      parse_config_text(R"({"c": {"plugins": ["pass"], "config": {"pass": {"mode": "watch"}}}})",
                        "config.json", PluginRegistry::builtin());
  ASSERT_EQ(bad.problems.size(), 1u);
  EXPECT_EQ(bad.problems[0].format(),
            "config.json: chain c, plugin #0 pass, option mode: must be one of enforce, audit, not "
            "\"watch\"");
}

}  // namespace
}  // namespace qrexec_proxy
