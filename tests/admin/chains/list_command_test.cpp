// `qrexec-proxy-admin list`, end to end.
#include "admin_cli.hpp"

#include <gtest/gtest.h>

namespace qrexec_proxy::test {
namespace {

constexpr const char* kConfig = R"({
  "description": "two chains",
  "limit": {"plugins": ["byte_limit"], "config": {"byte_limit": {"src2dst_limit": 10}}},
  "none": {"plugins": []}
})";

TEST(ListCommand, ShowsEveryChainWithItsPluginsAndFile) {
  AdminCli admin;
  admin.write_config(kConfig);
  admin.write_drop_in("more.json", R"({"two": {"plugins": ["pass", "stop_dst"]}})");
  const ProcessResult result = admin.run({"list"});
  EXPECT_EQ(result.exit_status, 0) << result.err;
  EXPECT_EQ(result.err, "");
  const std::string main_file = (admin.config_dir() / "config.json").string();
  const std::string drop_in = (admin.config_dir() / "chains.d" / "more.json").string();
  const std::size_t width = drop_in.size();  // the longest in the FILE column
  const auto file = [&](const std::string& text) {
    return text + std::string(width - text.size(), ' ');
  };
  EXPECT_EQ(result.out, "NAME   PLUGINS        " + file("FILE") + "  REPLACES\n" +
                            "limit  byte_limit     " + file(main_file) + "  -\n" +
                            "none   -              " + file(main_file) + "  -\n" +
                            "two    pass,stop_dst  " + file(drop_in) + "  -\n");
}

TEST(ListCommand, MarksPerQubeChainsThatReplaceTemplateOnes) {
  AdminCli admin;
  const auto template_dir = admin.root() / "template";
  const auto qube_dir = admin.root() / "qube";
  write_file(template_dir / "config.json", kConfig);
  write_file(qube_dir / "chains.d" / "local.json", R"({"limit": {"plugins": ["stop_dst"]}})");
  const auto chains = admin.run_json(
      {"list", "--json", "--config-dir", template_dir.string(), "--config-dir", qube_dir.string()});
  ASSERT_EQ(chains.size(), 2U);
  EXPECT_EQ(chains[0]["name"], "limit");
  EXPECT_EQ(chains[0]["plugins"], nlohmann::json({"stop_dst"}));
  EXPECT_EQ(chains[0]["file"], (qube_dir / "chains.d" / "local.json").string());
  EXPECT_EQ(chains[0]["replaces"], (template_dir / "config.json").string());
  EXPECT_EQ(chains[1]["name"], "none");
  EXPECT_TRUE(chains[1]["replaces"].is_null());

  const ProcessResult table =
      admin.run({"--config-dir", template_dir.string(), "--config-dir", qube_dir.string(), "list"});
  EXPECT_EQ(table.exit_status, 0);
  EXPECT_NE(table.out.find("stop_dst  " + (qube_dir / "chains.d" / "local.json").string() + "  " +
                           (template_dir / "config.json").string() + "\n"),
            std::string::npos)
      << table.out;
}

TEST(ListCommand, JsonHasEveryField) {
  AdminCli admin;
  admin.write_config(R"({"c": {"description": "about c", "plugins": ["pass", "pass"]}})");
  const auto chains = admin.run_json({"list", "--json"});
  EXPECT_EQ(chains, nlohmann::json::parse(R"([{"name": "c", "plugins": ["pass", "pass"],
      "file": ")" + (admin.config_dir() / "config.json").string() +
                                          R"(", "replaces": null, "description": "about c",
      "allow_dom0": false, "routes": []}])"));
}

TEST(ListCommand, JsonNamesTheRoutesThroughEachChain) {
  AdminCli admin;
  admin.write_config(R"({"c": {"plugins": ["pass"]}, "d": {"plugins": ["pass"]}})");
  const auto routes_file = admin.config_dir() / "routes.d" / "copy.json";
  std::filesystem::create_directories(routes_file.parent_path());
  write_file(routes_file, R"([{"source": ["work", "mail"], "service": "qubes.Filecopy",
      "target": "vault", "chain": "c"}])");
  const auto chains = admin.run_json({"list", "--json"});
  ASSERT_EQ(chains.size(), 2u);
  EXPECT_EQ(chains[0]["routes"], nlohmann::json::parse(R"([{"source": ["work", "mail"],
      "service": "qubes.Filecopy", "target": "vault", "index": 0, "file": ")" +
                                                       routes_file.string() + R"("}])"));
  EXPECT_EQ(chains[1]["routes"], nlohmann::json::array());
}

TEST(ListCommand, SaysSoWhenThereAreNoChains) {
  AdminCli admin;
  const ProcessResult result = admin.run({"list"});
  EXPECT_EQ(result.exit_status, 0);
  EXPECT_EQ(result.out, "No chains in " + admin.config_dir().string() + ".\n");
  EXPECT_EQ(admin.run_json({"list", "--json"}), nlohmann::json::array());
}

TEST(ListCommand, WarnsOfAnInvalidConfigAndListsWhatLoaded) {
  AdminCli admin;
  admin.write_config(R"({"good": {"plugins": ["pass"]}, "bad": {"plugins": ["nosuch"]}})");
  const ProcessResult result = admin.run({"list"});
  EXPECT_EQ(result.exit_status, 0);
  EXPECT_NE(result.out.find("good  pass"), std::string::npos) << result.out;
  EXPECT_EQ(result.out.find("bad"), std::string::npos) << result.out;
  EXPECT_EQ(result.err,
            "qrexec-proxy-admin: warning: the config has 1 problem; the service fails every call "
            "until `qrexec-proxy-admin check` passes\n");
}

TEST(ListCommand, NoColourWhenNotATerminal) {
  AdminCli admin;
  admin.write_config(kConfig);
  ProcessOptions options;
  options.environment = {"TERM=xterm"};
  const ProcessResult result = admin.run({"list"}, options);
  EXPECT_EQ(result.out.find('\033'), std::string::npos);
}

}  // namespace
}  // namespace qrexec_proxy::test
