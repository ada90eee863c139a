// `qrexec-proxy-admin show CHAIN`, end to end.
#include "admin_cli.hpp"

#include <gtest/gtest.h>

namespace qrexec_proxy::test {
namespace {

constexpr const char* kConfig = R"({
  "two-limits": {
    "description": "A chain may describe itself.",
    "plugins": ["byte_limit", "pass", "byte_limit", "timeout"],
    "config": {"byte_limit": {"dst2src_limit": 7}, "2": {"src2dst_limit": 500},
               "timeout": {"src2dst_timeout": 2.5}}
  },
  "none": {"plugins": []},
  "ends": {"plugins": ["default", "stop_dst", "default"]}
})";

class ShowCommand : public ::testing::Test {
 protected:
  ShowCommand() { admin.write_config(kConfig); }
  std::string file() const { return (admin.config_dir() / "config.json").string(); }
  AdminCli admin;
};

TEST_F(ShowCommand, PluginsInOrderWithEffectiveOptions) {
  const ProcessResult result = admin.run({"show", "two-limits"});
  EXPECT_EQ(result.exit_status, 0) << result.err;
  EXPECT_EQ(result.err, "");
  EXPECT_EQ(result.out,
            "chain:        two-limits\n"
            "file:         " +
                file() +
                "\n"
                "description:  A chain may describe itself.\n"
                "\n"
                "#  PLUGIN      OPTION           VALUE\n"
                "0  byte_limit  src2dst_limit    -1\n"
                "               dst2src_limit    7\n"
                "1  pass        -                -\n"
                "2  byte_limit  src2dst_limit    500\n"
                "               dst2src_limit    -1\n"
                "3  timeout     src2dst_timeout  2.5\n"
                "               dst2src_timeout  -1\n");
}

TEST_F(ShowCommand, JsonHasTheOptionsWithDefaultsFilledIn) {
  const auto chain = admin.run_json({"show", "two-limits", "--json"});
  EXPECT_EQ(chain["name"], "two-limits");
  EXPECT_EQ(chain["file"], file());
  EXPECT_TRUE(chain["replaces"].is_null());
  EXPECT_EQ(chain["description"], "A chain may describe itself.");
  ASSERT_EQ(chain["plugins"].size(), 4U);
  EXPECT_EQ(chain["plugins"][0], nlohmann::json::parse(R"({"name": "byte_limit",
      "options": {"src2dst_limit": -1, "dst2src_limit": 7, "mode": "enforce"},
      "options_key": "byte_limit"})"));
  EXPECT_EQ(chain["plugins"][1],
            nlohmann::json::parse(
                R"({"name": "pass", "options": {"mode": "enforce"}, "options_key": null})"));
  EXPECT_EQ(
      chain["plugins"][2]["options"],
      nlohmann::json::parse(R"({"src2dst_limit": 500, "dst2src_limit": -1, "mode": "enforce"})"));
  EXPECT_EQ(chain["plugins"][2]["options_key"], "2");
  EXPECT_EQ(chain["plugins"][3]["options"],
            nlohmann::json::parse(
                R"({"src2dst_timeout": 2.5, "dst2src_timeout": -1.0, "mode": "enforce"})"));
}

TEST_F(ShowCommand, AnAuditedPluginSaysSo) {
  admin.write_config(
      R"({"watched": {"plugins": ["pass", "stop_dst"], "config": {"1": {"mode": "audit"}}}})");
  const ProcessResult result = admin.run({"show", "watched"});
  EXPECT_EQ(result.exit_status, 0) << result.err;
  EXPECT_NE(result.out.find("#  PLUGIN    OPTION  VALUE\n"
                            "0  pass      -       -\n"
                            "1  stop_dst  mode    audit\n"),
            std::string::npos)
      << result.out;
}

TEST_F(ShowCommand, ChainWithoutPlugins) {
  for (const std::string chain : {"none", "ends"}) {
    const ProcessResult result = admin.run({"show", chain});
    EXPECT_EQ(result.exit_status, 0);
    if (chain == "none") {
      EXPECT_NE(result.out.find("No plugins"), std::string::npos) << result.out;
    }
  }
  // The implicit endpoints are not plugins of the chain.
  const auto ends = admin.run_json({"show", "ends", "--json"});
  ASSERT_EQ(ends["plugins"].size(), 1U);
  EXPECT_EQ(ends["plugins"][0]["name"], "stop_dst");
}

TEST_F(ShowCommand, UnknownChain) {
  const ProcessResult result = admin.run({"show", "nosuch"});
  EXPECT_EQ(result.exit_status, 1);
  EXPECT_EQ(result.out, "");
  EXPECT_EQ(result.err, "qrexec-proxy-admin: no chain named \"nosuch\" in " +
                            admin.config_dir().string() + " (see qrexec-proxy-admin list)\n");
  EXPECT_EQ(admin.run({"show", "nosuch", "--json"}).exit_status, 1);
}

TEST_F(ShowCommand, InvalidChainNamesItsProblem) {
  admin.write_config(R"({"broken": {"plugins": ["byte_limit"],
                                    "config": {"byte_limit": {"src2dst_limit": "many"}}}})");
  const ProcessResult result = admin.run({"show", "broken"});
  EXPECT_EQ(result.exit_status, 1);
  EXPECT_NE(result.err.find("qrexec-proxy-admin: " + file() +
                            ": chain broken, plugin #0 byte_limit, option src2dst_limit: must be "
                            "an integer, not string\n"),
            std::string::npos)
      << result.err;
  EXPECT_NE(result.err.find("chain \"broken\" is invalid"), std::string::npos) << result.err;
}

TEST_F(ShowCommand, ChainIsRequired) {
  const ProcessResult result = admin.run({"show"});
  EXPECT_EQ(result.exit_status, 2);
  EXPECT_NE(result.err.find("CHAIN is required"), std::string::npos) << result.err;
}

}  // namespace
}  // namespace qrexec_proxy::test
