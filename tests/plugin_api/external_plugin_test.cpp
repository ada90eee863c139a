#include "plugin_api/external_plugin.hpp"

#include "config/config.hpp"
#include "support/null_context.hpp"
#include "support/temp_dir.hpp"

#include <nlohmann/json.hpp>

#include <gtest/gtest.h>

namespace qrexec_proxy {
namespace {

namespace fs = std::filesystem;

std::unique_ptr<PluginDescriptor> load(const fs::path& file, std::string_view name) {
  auto loaded = load_external_plugin(file, name);
  if (auto* error = std::get_if<std::string>(&loaded)) {
    ADD_FAILURE() << *error;
    return nullptr;
  }
  return std::move(std::get<std::unique_ptr<PluginDescriptor>>(loaded));
}

std::string load_error(const fs::path& file, std::string_view name) {
  auto loaded = load_external_plugin(file, name);
  if (auto* error = std::get_if<std::string>(&loaded)) return *error;
  ADD_FAILURE() << file << " loaded";
  return {};
}

// A directory holding NAME.so copies of the built test libraries.
struct PluginDir {
  PluginDir() {
    fs::copy_file(QREXEC_PROXY_TEST_MASK_PLUGIN, dir / "mask.so");
    fs::copy_file(QREXEC_PROXY_TEST_WRONG_ABI_PLUGIN, dir / "wrong_abi.so");
  }
  test::TempDir dir;
};

TEST(ExternalPlugin, DescribesItselfLikeABuiltInPlugin) {
  const auto descriptor = load(QREXEC_PROXY_TEST_MASK_PLUGIN, "mask");
  ASSERT_TRUE(descriptor);
  EXPECT_EQ(descriptor->name, "mask");
  EXPECT_FALSE(descriptor->summary.empty());
  EXPECT_EQ(descriptor->library, fs::path(QREXEC_PROXY_TEST_MASK_PLUGIN));
  ASSERT_EQ(descriptor->options.size(), 2u);
  EXPECT_EQ(descriptor->options[0].name, "direction");
  EXPECT_EQ(descriptor->options[0].type, OptionType::string);
  EXPECT_EQ(format_option_value(*descriptor->options[0].default_value), "\"both\"");
  EXPECT_EQ(format_option_value(*descriptor->options[1].default_value), "\"?\"");
}

TEST(ExternalPlugin, SeesAndRewritesBytesThroughTheCInterface) {
  const auto descriptor = load(QREXEC_PROXY_TEST_MASK_PLUGIN, "mask");
  ASSERT_TRUE(descriptor);
  auto options =
      std::get<PluginOptions>(validate_options(descriptor->options, {{"direction", "src2dst"}}));
  const auto plugin = descriptor->create(options);
  EXPECT_TRUE(plugin->needs(Direction::src2dst).reads_bytes);
  EXPECT_FALSE(plugin->needs(Direction::dst2src).reads_bytes);
  test::NullContext context;
  std::string bytes = "ok\x1b[31m\x01\xff\n";
  DataView view{Direction::src2dst,
                bytes.size(),
                {reinterpret_cast<std::byte*>(bytes.data()), bytes.size()},
                false};
  const Verdict verdict = plugin->on_data(context, view);
  EXPECT_EQ(verdict.kind(), Verdict::Kind::pass);
  EXPECT_EQ(verdict.count(), bytes.size());
  EXPECT_EQ(bytes, "ok?[31m??\n");
  plugin->on_end(context, Direction::src2dst);
  ASSERT_EQ(context.records.size(), 1u);
  EXPECT_EQ(context.records[0].message, "masked 3 bytes in src2dst");
  EXPECT_EQ(context.records[0].priority, Priority::notice);
  EXPECT_EQ(context.records[0].fields, (std::vector<std::pair<std::string, std::string>>{
                                           {"DIRECTION", "src2dst"}, {"MASKED_BYTES", "3"}}));
  EXPECT_TRUE(context.audits.empty());
}

TEST(ExternalPlugin, InAuditModeMaskChangesNothingAndWritesAnAuditRecord) {
  const auto descriptor = load(QREXEC_PROXY_TEST_MASK_PLUGIN, "mask");
  ASSERT_TRUE(descriptor);
  const auto plugin = descriptor->create(
      std::get<PluginOptions>(validate_options(descriptor->options, {{"mode", "audit"}})));
  test::NullContext context;
  context.audit_enabled = true;
  std::string bytes = "a\x01b\x02";
  DataView view{Direction::dst2src,
                bytes.size(),
                {reinterpret_cast<std::byte*>(bytes.data()), bytes.size()},
                false};
  EXPECT_EQ(plugin->on_data(context, view).count(), bytes.size());
  EXPECT_EQ(bytes, "a\x01b\x02");
  plugin->on_end(context, Direction::dst2src);
  EXPECT_TRUE(context.records.empty());
  ASSERT_EQ(context.audits.size(), 1u);
  EXPECT_EQ(context.audits[0].first, "rewrite");
  EXPECT_EQ(context.audits[0].second, "mask 2 bytes in dst2src");
}

TEST(ExternalPlugin, ChecksItsOptionsAtLoad) {
  const auto descriptor = load(QREXEC_PROXY_TEST_MASK_PLUGIN, "mask");
  ASSERT_TRUE(descriptor && descriptor->validate);
  auto options =
      std::get<PluginOptions>(validate_options(descriptor->options, {{"replacement", "ab"}}));
  const auto error = descriptor->validate(options);
  ASSERT_TRUE(error);
  EXPECT_EQ(error->message, "replacement must be one printable ASCII character");
}

TEST(ExternalPlugin, RefusesAnotherAbiVersionByName) {
  EXPECT_EQ(load_error(QREXEC_PROXY_TEST_WRONG_ABI_PLUGIN, "wrong_abi"),
            std::string(QREXEC_PROXY_TEST_WRONG_ABI_PLUGIN) +
                ": built for plugin ABI version 99, this proxy supports versions 1 to 3");
}

TEST(ExternalPlugin, RefusesANameThatIsNotItsFileName) {
  EXPECT_EQ(load_error(QREXEC_PROXY_TEST_WRONG_NAME_PLUGIN, "wrong_name"),
            std::string(QREXEC_PROXY_TEST_WRONG_NAME_PLUGIN) +
                ": declares the name \"something_else\", expected \"wrong_name\"");
}

TEST(ExternalPlugin, RefusesASharedObjectWithoutEntryPoint) {
  EXPECT_EQ(
      load_error(QREXEC_PROXY_TEST_NO_ENTRY_PLUGIN, "no_entry"),
      std::string(QREXEC_PROXY_TEST_NO_ENTRY_PLUGIN) + ": no qrexec_proxy_plugin() entry point");
  EXPECT_NE(load_error("/nonexistent/x.so", "x").find("cannot load"), std::string::npos);
}

TEST(ExternalPlugin, ChainsFindThemByNameInThePluginDirectories) {
  PluginDir plugins;
  PluginRegistry registry;
  registry.set_external_directories({plugins.dir / "absent", plugins.dir.path()});
  const Config config = parse_config_text(
      R"({"masked": {"plugins": ["mask"], "config": {"mask": {"replacement": "_"}}},
          "old": {"plugins": ["wrong_abi"]}})",
      "config.json", registry);
  ASSERT_EQ(config.problems.size(), 1u);
  EXPECT_EQ(
      config.problems[0].format(),
      "config.json: chain old, plugin #0 wrong_abi: " + (plugins.dir / "wrong_abi.so").string() +
          ": built for plugin ABI version 99, this proxy supports versions 1 to 3");
  ASSERT_NE(config.find("masked"), nullptr);
  EXPECT_EQ(config.find("masked")->plugins[0].options.string("replacement"), "_");
  std::vector<std::string> names;
  for (const auto* descriptor : registry.all()) names.push_back(descriptor->name);
  EXPECT_EQ(names, std::vector<std::string>{"mask"});
}

TEST(ExternalPlugin, BuiltInNamesCannotBeReplaced) {
  PluginDir plugins;
  fs::copy_file(plugins.dir / "mask.so", plugins.dir / "pass.so");
  PluginRegistry& registry = PluginRegistry::builtin();
  registry.set_external_directories({plugins.dir.path()});
  EXPECT_TRUE(registry.find("pass")->library.empty());
  registry.set_external_directories({});
}

TEST(PluginName, IsASafeFileName) {
  EXPECT_TRUE(is_plugin_name("byte_limit"));
  for (const char* name : {"", "../x", "a/b", "A", "a.b", "a-b"})
    EXPECT_FALSE(is_plugin_name(name)) << name;
}

}  // namespace
}  // namespace qrexec_proxy
