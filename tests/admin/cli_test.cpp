// The command line as a whole: help, version, usage errors, where the config
// comes from, and what is installed.
#include "admin_cli.hpp"

#include "support/emulation.hpp"

#include <gtest/gtest.h>

#include <fstream>

namespace qrexec_proxy::test {
namespace {

const std::vector<std::string> kSubcommands = {"list",   "show", "plugins", "check",
                                               "policy", "run",  "log"};

TEST(AdminCli, IsInstalledWithItsManPage) {
  EXPECT_TRUE(std::filesystem::is_regular_file(installed_admin()));
  const auto man_page = install_root() / "usr/share/man/man1/qrexec-proxy-admin.1";
  ASSERT_TRUE(std::filesystem::is_regular_file(man_page));
  EXPECT_TRUE(read_file(man_page).starts_with(".\\\" qrexec-proxy-admin(1)"));
}

TEST(AdminCli, HelpNamesEverySubcommand) {
  AdminCli admin;
  const ProcessResult result = admin.run({"--help"});
  EXPECT_EQ(result.exit_status, 0);
  for (const auto& subcommand : kSubcommands)
    EXPECT_NE(result.out.find("\n  " + subcommand + " "), std::string::npos) << subcommand;
}

TEST(AdminCli, EverySubcommandHasHelp) {
  AdminCli admin;
  for (const auto& subcommand : kSubcommands) {
    const ProcessResult result = admin.run({subcommand, "--help"});
    EXPECT_EQ(result.exit_status, 0) << subcommand;
    EXPECT_NE(result.out.find("Usage: qrexec-proxy-admin " + subcommand), std::string::npos)
        << result.out;
    EXPECT_EQ(result.err, "");
  }
}

TEST(AdminCli, Version) {
  AdminCli admin;
  const ProcessResult result = admin.run({"--version"});
  EXPECT_EQ(result.exit_status, 0);
  EXPECT_FALSE(result.out.empty());
  EXPECT_TRUE(std::isdigit(static_cast<unsigned char>(result.out[0]))) << result.out;
}

TEST(AdminCli, UsageErrorsExitTwo) {
  AdminCli admin;
  for (const std::vector<std::string>& args : {std::vector<std::string>{},
                                               {"nosuch"},
                                               {"list", "--nosuch"},
                                               {"list", "extra"},
                                               {"show"},
                                               {"check", "--config-dir"},
                                               {"--config-dir", "/nonexistent/dir", "list"}}) {
    const ProcessResult result = admin.run(args);
    EXPECT_EQ(result.exit_status, 2) << (args.empty() ? "(none)" : args[0]);
    EXPECT_EQ(result.out, "");
    EXPECT_FALSE(result.err.empty());
  }
}

TEST(AdminCli, ConfigDirOptionWinsOverTheEnvironment) {
  AdminCli admin;
  admin.write_config(R"({"from-env": {"plugins": []}})");
  const auto option_dir = admin.root() / "option";
  write_file(option_dir / "config.json", R"({"from-option": {"plugins": []}})");
  EXPECT_EQ(admin.run_json({"list", "--json"})[0]["name"], "from-env");
  EXPECT_EQ(admin.run_json({"--config-dir", option_dir.string(), "list", "--json"})[0]["name"],
            "from-option");
  EXPECT_EQ(admin.run_json({"list", "--json", "--config-dir", option_dir.string()})[0]["name"],
            "from-option");
}

TEST(AdminCli, ReadsTheInstalledDefaultConfigLikeTheService) {
  AdminCli admin;
  const auto installed = install_root() / "etc/qubes-qrexec-proxy";
  const ProcessResult result = admin.run({"check", "--config-dir", installed.string()});
  EXPECT_EQ(result.exit_status, 0) << result.out;
}

}  // namespace
}  // namespace qrexec_proxy::test
