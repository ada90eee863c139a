// `qrexec-proxy-admin check`, end to end: every kind of problem, in the two
// formats FILE:LINE:COLUMN: message and FILE: chain C, plugin P, option O: message.
#include "admin_cli.hpp"

#include <nlohmann/json.hpp>

#include <gtest/gtest.h>

namespace qrexec_proxy::test {
namespace {

class CheckCommand : public ::testing::Test {
 protected:
  std::string main_file() const { return (admin.config_dir() / "config.json").string(); }
  // Checks `config` as the only file: the problem lines and the exit status.
  ProcessResult check(const std::string& config) {
    admin.write_config(config);
    return admin.run({"check"});
  }
  AdminCli admin;
};

TEST_F(CheckCommand, ValidConfig) {
  admin.write_config(R"({"a": {"plugins": ["pass"]}, "b": {"plugins": []}})");
  admin.write_drop_in("c.json", R"({"c": {"plugins": ["stop_dst"]}})");
  const ProcessResult result = admin.run({"check"});
  EXPECT_EQ(result.exit_status, 0);
  EXPECT_EQ(result.out, "The config is valid: 3 chains in 2 files.\n");
  EXPECT_EQ(result.err, "");
}

TEST_F(CheckCommand, NamesTheChainsThatLetCallsReachDom0) {
  admin.write_config(R"({"a": {"plugins": ["pass"], "allow_dom0": true},
                         "b": {"plugins": [], "allow_dom0": false}, "c": {"plugins": []},
                         "d": {"plugins": [], "allow_dom0": true}})");
  const ProcessResult result = admin.run({"check"});
  EXPECT_EQ(result.exit_status, 0);
  EXPECT_EQ(result.out,
            "The config is valid: 4 chains in 1 file.\n"
            "Chains that let calls reach dom0 (\"allow_dom0\": true): a, d.\n");
  const auto json = nlohmann::json::parse(admin.run({"check", "--json"}).out);
  EXPECT_EQ(json["allow_dom0"], nlohmann::json::array({"a", "d"}));
}

TEST_F(CheckCommand, NoConfigFilesIsValidButSaysSo) {
  const ProcessResult result = admin.run({"check"});
  EXPECT_EQ(result.exit_status, 0);
  EXPECT_EQ(result.out, "No config files in " + admin.config_dir().string() +
                            ": every call will be refused (no chains).\n");
}

TEST_F(CheckCommand, BrokenJsonWithItsLineAndColumn) {
  const ProcessResult result = check(
      "{\n"
      "  \"a\": {\"plugins\": [\"pass\"]},\n"
      "  \"b\": {\"plugins\": [\"pass\"],}\n"
      "}\n");
  EXPECT_EQ(result.exit_status, 1);
  EXPECT_EQ(result.out, main_file() +
                            ":3:29: syntax error while parsing object key - unexpected '}'; "
                            "expected string literal\n");
  EXPECT_EQ(result.err,
            "qrexec-proxy-admin: 1 problem; the service fails every call until they are fixed\n");
}

TEST_F(CheckCommand, BrokenJsonOnAnotherLine) {
  const ProcessResult result = check("{\n\n\n     \"a\" {}\n}\n");
  EXPECT_EQ(result.exit_status, 1);
  EXPECT_TRUE(result.out.starts_with(main_file() + ":4:10: ")) << result.out;
}

TEST_F(CheckCommand, UnknownPlugin) {
  const ProcessResult result = check(R"({"c": {"plugins": ["pass", "nosuch"]}})");
  EXPECT_EQ(result.exit_status, 1);
  EXPECT_EQ(result.out, main_file() + ": chain c, plugin #1 nosuch: unknown plugin\n");
}

TEST_F(CheckCommand, UnknownOption) {
  const ProcessResult result =
      check(R"({"c": {"plugins": ["byte_limit"], "config": {"byte_limit": {"limit": 5}}}})");
  EXPECT_EQ(result.exit_status, 1);
  EXPECT_TRUE(
      result.out.starts_with(main_file() + ": chain c, plugin #0 byte_limit, option limit: "))
      << result.out;
}

TEST_F(CheckCommand, WrongTypeAndRange) {
  EXPECT_EQ(
      check(R"({"c": {"plugins": ["timeout"], "config": {"timeout": {"src2dst_timeout": "5"}}}})")
          .out,
      main_file() +
          ": chain c, plugin #0 timeout, option src2dst_timeout: must be a number, not "
          "string\n");
  const ProcessResult range =
      check(R"({"c": {"plugins": ["byte_limit"], "config": {"0": {"dst2src_limit": -5}}}})");
  EXPECT_EQ(range.exit_status, 1);
  EXPECT_EQ(range.out, main_file() +
                           ": chain c, plugin #0 byte_limit, option dst2src_limit: must be at "
                           "least 0 (or -1 for no limit), not -5\n");
}

TEST_F(CheckCommand, EveryFileIsChecked) {
  admin.write_config(R"({"a": {"plugins": ["nosuch"]}})");
  admin.write_drop_in("10-broken.json", "{");
  admin.write_drop_in("20-good.json", R"({"g": {"plugins": ["pass"]}})");
  admin.write_drop_in("30-type.json", R"({"t": {"plugins": "pass"}})");
  const ProcessResult result = admin.run({"check"});
  EXPECT_EQ(result.exit_status, 1);
  const auto drop_in = [&](const char* name) {
    return (admin.config_dir() / "chains.d" / name).string();
  };
  EXPECT_EQ(
      result.out,
      main_file() + ": chain a, plugin #0 nosuch: unknown plugin\n" + drop_in("10-broken.json") +
          ":1:2: syntax error while parsing object key - unexpected end of input; expected "
          "string literal\n" +
          drop_in("30-type.json") + ": chain t: \"plugins\" must be a list of plugin names\n");
  EXPECT_EQ(result.err,
            "qrexec-proxy-admin: 3 problems; the service fails every call until they are fixed\n");
}

TEST_F(CheckCommand, ChainDefinedTwiceInOneLocation) {
  admin.write_config(R"({"a": {"plugins": ["pass"]}})");
  admin.write_drop_in("a.json", R"({"a": {"plugins": []}})");
  const ProcessResult result = admin.run({"check"});
  EXPECT_EQ(result.exit_status, 1);
  EXPECT_EQ(result.out, (admin.config_dir() / "chains.d" / "a.json").string() +
                            ": chain a: chain already defined in " + main_file() + "\n");
}

TEST_F(CheckCommand, Json) {
  admin.write_config(R"({"c": {"plugins": ["nosuch"]}})");
  const auto report = admin.run_json({"check", "--json"}, 1);
  EXPECT_EQ(report["valid"], false);
  EXPECT_EQ(report["files"], nlohmann::json({main_file()}));
  EXPECT_EQ(report["chains"], 0);
  ASSERT_EQ(report["problems"].size(), 1U);
  EXPECT_EQ(report["problems"][0],
            nlohmann::json({{"file", main_file()},
                            {"line", nullptr},
                            {"column", nullptr},
                            {"chain", "c"},
                            {"plugin", "#0 nosuch"},
                            {"option", nullptr},
                            {"message", "unknown plugin"},
                            {"text", main_file() + ": chain c, plugin #0 nosuch: "
                                                   "unknown plugin"}}));

  admin.write_config("[1,");
  const auto syntax = admin.run_json({"check", "--json"}, 1);
  EXPECT_EQ(syntax["problems"][0]["line"], 1);
  EXPECT_EQ(syntax["problems"][0]["column"], 4);

  admin.write_config(R"({"c": {"plugins": []}})");
  const auto valid = admin.run_json({"check", "--json"}, 0);
  EXPECT_EQ(valid["valid"], true);
  EXPECT_EQ(valid["chains"], 1);
  EXPECT_EQ(valid["problems"], nlohmann::json::array());
}

TEST_F(CheckCommand, ConfigDirOption) {
  const auto other = admin.root() / "other";
  write_file(other / "config.json", R"({"x": {"plugins": ["nosuch"]}})");
  const ProcessResult result = admin.run({"check", "--config-dir", other.string()});
  EXPECT_EQ(result.exit_status, 1);
  EXPECT_EQ(result.out,
            (other / "config.json").string() + ": chain x, plugin #0 nosuch: unknown plugin\n");
  const ProcessResult missing = admin.run({"check", "--config-dir", "/nonexistent/dir"});
  EXPECT_EQ(missing.exit_status, 2);
  EXPECT_NE(missing.err.find("/nonexistent/dir"), std::string::npos) << missing.err;
}

}  // namespace
}  // namespace qrexec_proxy::test
