// `qrexec-proxy-admin plugins [NAME]`, end to end.
#include "admin_cli.hpp"

#include <gtest/gtest.h>

#include <sstream>

namespace qrexec_proxy::test {
namespace {

// Words separated by single spaces: wrapped text compares with unwrapped.
std::string words(const std::string& text) {
  std::istringstream in(text);
  std::string out;
  for (std::string word; in >> word;) out += (out.empty() ? "" : " ") + word;
  return out;
}

TEST(PluginsCommand, ListsEveryPluginWithItsSummary) {
  AdminCli admin;
  const auto plugins = admin.run_json({"plugins", "--json"});
  ASSERT_GE(plugins.size(), 5U);
  const ProcessResult table = admin.run({"plugins"});
  EXPECT_EQ(table.exit_status, 0);
  std::istringstream lines(table.out);
  std::string line;
  std::getline(lines, line);
  EXPECT_TRUE(line.starts_with("NAME")) << line;
  EXPECT_NE(line.find("  SUMMARY"), std::string::npos) << line;
  for (const auto& plugin : plugins) {
    ASSERT_TRUE(std::getline(lines, line));
    const std::string name = plugin["name"];
    EXPECT_TRUE(line.starts_with(name + " ")) << line;
    EXPECT_TRUE(line.ends_with("  " + plugin["summary"].get<std::string>())) << line;
  }
  EXPECT_FALSE(std::getline(lines, line)) << "more lines than plugins: " << line;
}

TEST(PluginsCommand, DocumentsOnePluginAsTheReadmeDoes) {
  AdminCli admin;
  const std::string markdown = admin.run({"plugins", "--markdown"}).out;
  for (const auto& plugin : admin.run_json({"plugins", "--json"})) {
    const std::string name = plugin["name"];
    SCOPED_TRACE(name);
    const ProcessResult result = admin.run({"plugins", name});
    EXPECT_EQ(result.exit_status, 0);
    const std::string text = words(result.out);
    std::vector<std::string> pieces = {name + ": " + plugin["summary"].get<std::string>(),
                                       words(plugin["description"])};
    for (const auto& option : plugin["options"]) {
      pieces.push_back(option["name"].get<std::string>() + " (" +
                       option["description"].get<std::string>() + ")");
      pieces.push_back(words(option["meaning"]));
      EXPECT_NE(markdown.find("| `" + option["name"].get<std::string>() + "` | " +
                              option["description"].get<std::string>() + " | " +
                              option["meaning"].get<std::string>() + " |"),
                std::string::npos);
    }
    if (plugin["options"].empty()) pieces.push_back("No options.");
    for (const auto& piece : pieces) EXPECT_NE(text.find(piece), std::string::npos) << piece;
    EXPECT_NE(markdown.find("### " + name + "\n\n" + plugin["summary"].get<std::string>()),
              std::string::npos);
  }
}

TEST(PluginsCommand, OptionsWithTypeDefaultAndMeaning) {
  AdminCli admin;
  const ProcessResult result = admin.run({"plugins", "byte_limit"});
  EXPECT_EQ(result.exit_status, 0);
  EXPECT_NE(result.out.find("Options:\n  src2dst_limit (integer, at least 0 (or -1 for no limit), "
                            "default -1)\n      Bytes the source may send to the destination.\n"),
            std::string::npos)
      << result.out;
  const auto plugin = admin.run_json({"plugins", "byte_limit", "--json"});
  EXPECT_EQ(plugin["options"][0], nlohmann::json::parse(R"({
      "name": "src2dst_limit", "type": "integer", "required": false, "default": -1,
      "meaning": "Bytes the source may send to the destination.",
      "description": "integer, at least 0 (or -1 for no limit), default -1", "minimum": 0.0,
      "off_value": -1.0, "off_meaning": "no limit"})"));
}

TEST(PluginsCommand, UnknownPlugin) {
  AdminCli admin;
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"plugins", "nosuch"}, {"plugins", "nosuch", "--json"}}) {
    const ProcessResult result = admin.run(args);
    EXPECT_EQ(result.exit_status, 1);
    EXPECT_EQ(result.out, "");
    EXPECT_EQ(result.err,
              "qrexec-proxy-admin: no plugin named \"nosuch\" (see qrexec-proxy-admin plugins for "
              "the list)\n");
  }
}

}  // namespace
}  // namespace qrexec_proxy::test
