// The C interface keeps level with the C++ one: every capability of
// PluginContext has a counterpart in struct qrp_host, and each host
// function reaches its capability.
#include "plugin_api/external_plugin.hpp"

#include "support/null_context.hpp"
#include "support/temp_dir.hpp"

#include <nlohmann/json.hpp>

#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>

namespace qrexec_proxy {
namespace {

namespace fs = std::filesystem;

std::string file_text(const fs::path& file) {
  std::ifstream in(file);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// The text from `opening` to the end of its block, "};".
std::string block(const std::string& text, const std::string& opening) {
  const auto start = text.find(opening);
  if (start == std::string::npos) return {};
  const auto end = text.find("\n};", start);
  return text.substr(start, end == std::string::npos ? std::string::npos : end - start);
}

// PluginContext's capabilities: the names of its virtual functions.
std::set<std::string> context_capabilities() {
  const std::string text =
      block(file_text(fs::path(QREXEC_PROXY_TEST_SOURCE_DIR) / "src/plugin_api/plugin.hpp"),
            "class PluginContext {");
  std::set<std::string> names;
  const std::regex virtual_function(R"(virtual\s[^;(]*?\b([a-z_]+)\s*\()");
  for (auto it = std::sregex_iterator(text.begin(), text.end(), virtual_function);
       it != std::sregex_iterator(); ++it)
    names.insert((*it)[1]);
  return names;
}

// struct qrp_host's members: function pointers and the call's names.
std::set<std::string> host_members() {
  const std::string text =
      block(file_text(fs::path(QREXEC_PROXY_TEST_SOURCE_DIR) / "include/qrexec-proxy/plugin.h"),
            "struct qrp_host {");
  std::set<std::string> names;
  const std::regex function_pointer(R"(\(\*([a-z_]+)\)\s*\()");
  for (auto it = std::sregex_iterator(text.begin(), text.end(), function_pointer);
       it != std::sregex_iterator(); ++it)
    names.insert((*it)[1]);
  if (text.find("const struct qrp_call *call;") != std::string::npos) names.insert("call");
  return names;
}

// Which host members serve each capability.
const std::map<std::string, std::vector<std::string>>& counterparts() {
  static const std::map<std::string, std::vector<std::string>> map = {
      {"call", {"call"}},
      {"now", {"now_ns"}},
      {"start_timer", {"start_timer"}},
      {"cancel_timer", {"cancel_timer"}},
      {"log", {"log", "log_fields"}},
      {"abort", {"abort"}},
      {"cut", {"cut"}},
      {"wake", {"wake"}},
      {"pause_input", {"pause_input"}},
      {"notify_when_drained", {"notify_when_drained"}},
      {"shared_state", {"update_state", "take_slot"}},
      {"file_sinks", {"file_create", "file_write", "file_close"}},
      {"audit_mode", {"audit_mode"}},
      {"audit", {"audit"}},
      {"inject", {"inject"}},
  };
  return map;
}

TEST(CInterface, EveryCapabilityOfThePluginContextHasACCounterpart) {
  const auto capabilities = context_capabilities();
  const auto members = host_members();
  ASSERT_GE(capabilities.size(), 10u) << "PluginContext was not found in plugin.hpp";
  ASSERT_GE(members.size(), 10u) << "struct qrp_host was not found in plugin.h";
  for (const auto& capability : capabilities) {
    const auto it = counterparts().find(capability);
    EXPECT_NE(it, counterparts().end())
        << "PluginContext::" << capability
        << " has no counterpart in struct qrp_host (include/qrexec-proxy/plugin.h): add one at "
           "the end of the table, bump QREXEC_PROXY_PLUGIN_ABI_VERSION, adapt it in "
           "src/plugin_api/external_plugin.cpp, and name it here";
    if (it == counterparts().end()) continue;
    for (const auto& member : it->second)
      EXPECT_TRUE(members.contains(member)) << capability << ": no qrp_host::" << member;
  }
  for (const auto& [capability, unused] : counterparts())
    EXPECT_TRUE(capabilities.contains(capability))
        << capability << " is no capability of PluginContext any more";
}

std::unique_ptr<PluginDescriptor> load(const fs::path& file, std::string_view name) {
  auto loaded = load_external_plugin(file, name);
  if (auto* error = std::get_if<std::string>(&loaded)) {
    ADD_FAILURE() << *error;
    return nullptr;
  }
  return std::move(std::get<std::unique_ptr<PluginDescriptor>>(loaded));
}

TEST(CInterface, EveryHostFunctionReachesItsCapability) {
  const auto descriptor = load(QREXEC_PROXY_TEST_EVERY_CAPABILITY_PLUGIN, "every_capability");
  ASSERT_TRUE(descriptor);
  test::TempDir scratch;
  const fs::path files = scratch / "files";
  const auto options =
      std::get<PluginOptions>(validate_options(descriptor->options, {{"dir", files.string()}}));
  const auto plugin = descriptor->create(options);
  test::NullContext context(scratch / "state");
  context.now_value = Clock::time_point(std::chrono::seconds(5));

  EXPECT_EQ(plugin->on_start(context).kind(), Admission::Kind::admit);
  // log, with what the plugin was told by now_ns, update_state, take_slot,
  // file_*, call and audit_mode.
  ASSERT_EQ(context.records.size(), 2u);
  EXPECT_EQ(context.records[0].message,
            "chain=chain now=yes updated=0 slot=0 written=0 audit_mode=0");
  EXPECT_EQ(context.records[0].priority, Priority::info);
  // log_fields: a field with a name a journal takes, escaped; the other left out.
  EXPECT_EQ(context.records[1].message, "with fields");
  EXPECT_EQ(context.records[1].priority, Priority::notice);
  ASSERT_EQ(context.records[1].fields.size(), 1u);
  EXPECT_EQ(context.records[1].field("FIXTURE"), "field\\x0avalue");
  // The shared state and the file, as other calls and the user see them.
  EXPECT_EQ(test::read_file(scratch / "state" / "fixture" / "counter"), "x");
  EXPECT_TRUE(fs::exists(scratch / "state" / "fixture" / "slot.slot0"));
  EXPECT_EQ(test::read_file(files / "out"), "hello");
  // audit, timers, cut, pause, wake, notify_when_drained.
  ASSERT_EQ(context.audits.size(), 1u);
  EXPECT_EQ(context.audits[0].first, "refuse");
  EXPECT_EQ(context.audits[0].second, "refuse nothing, as a test");
  ASSERT_EQ(context.timers.size(), 1u);
  EXPECT_EQ(context.timers[0].second, context.now_value + std::chrono::nanoseconds(1000));
  EXPECT_EQ(context.cuts, std::vector<Direction>{Direction::dst2src});
  EXPECT_FALSE(context.paused[index_of(Direction::src2dst)]);
  EXPECT_EQ(context.wakes, std::vector<Direction>{Direction::src2dst});
  EXPECT_EQ(context.drained_requests, std::vector<Direction>{Direction::src2dst});
  // inject, with the room its plugin declares.
  EXPECT_EQ(plugin->needs(Direction::dst2src).inject_bytes, 8u);
  EXPECT_EQ(plugin->needs(Direction::src2dst).inject_bytes, 0u);
  std::byte pending[3]{};
  EXPECT_EQ(plugin->on_data(context, {Direction::src2dst, 3, pending, false}).count(), 3u);
  EXPECT_EQ(context.injected[index_of(Direction::dst2src)], "answered");
  EXPECT_EQ(context.records.back().message, "injected");
  context.inject_accepted = false;
  plugin->on_data(context, {Direction::src2dst, 3, pending, false});
  EXPECT_EQ(context.records.back().message, "not injected");
  // abort, from a timer.
  ASSERT_TRUE(context.fire_next_timer(*plugin));
  EXPECT_EQ(context.aborted, "aborted by the fixture");
}

TEST(CInterface, APluginBuiltForTheFirstVersionStillWorks) {
  const auto descriptor = load(QREXEC_PROXY_TEST_OLD_ABI_PLUGIN, "old_abi");
  ASSERT_TRUE(descriptor);
  const auto plugin = descriptor->create(PluginOptions());
  test::NullContext context;
  plugin->on_end(context, Direction::src2dst);
  ASSERT_EQ(context.records.size(), 1u);
  EXPECT_EQ(context.records[0].message, "version 1 plugin");
}

}  // namespace
}  // namespace qrexec_proxy
