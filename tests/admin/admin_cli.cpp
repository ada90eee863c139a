#include "admin_cli.hpp"

#include "support/emulation.hpp"

#include <gtest/gtest.h>

namespace qrexec_proxy::test {

std::filesystem::path installed_admin() {
  return install_root() / "usr/bin/qrexec-proxy-admin";
}

AdminCli::AdminCli() : config_dir_(dir_ / "config") {
  std::filesystem::create_directories(config_dir_);
}

void AdminCli::write_config(const std::string& json) const {
  write_file(config_dir_ / "config.json", json);
}

void AdminCli::write_drop_in(const std::string& name, const std::string& json) const {
  write_file(config_dir_ / "chains.d" / name, json);
}

ProcessResult AdminCli::run(const std::vector<std::string>& args, ProcessOptions options) const {
  std::vector<std::string> overrides = {
      "QREXEC_PROXY_CONFIG_DIR=" + config_dir_.string(),
      "QREXEC_PROXY_STATE_DIR=" + (dir_ / "state").string(),
  };
  overrides.insert(overrides.end(), options.environment.begin(), options.environment.end());
  options.environment = environment_with(overrides);
  std::vector<std::string> argv = {installed_admin().string()};
  argv.insert(argv.end(), args.begin(), args.end());
  return run_process(argv, options);
}

nlohmann::json AdminCli::run_json(const std::vector<std::string>& args, int expected_status) const {
  const ProcessResult result = run(args);
  EXPECT_EQ(result.exit_status, expected_status) << result.err;
  try {
    return nlohmann::json::parse(result.out);
  } catch (const nlohmann::json::exception& error) {
    ADD_FAILURE() << "not JSON: " << error.what() << "\n" << result.out;
    return {};
  }
}

}  // namespace qrexec_proxy::test
