// Runs the installed (staged) qrexec-proxy-admin for end-to-end tests, with
// a config directory of the test's own.
#pragma once

#include "support/process.hpp"
#include "support/temp_dir.hpp"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <string>
#include <vector>

namespace qrexec_proxy::test {

// <install root>/usr/bin/qrexec-proxy-admin
std::filesystem::path installed_admin();

class AdminCli {
 public:
  AdminCli();

  // QREXEC_PROXY_CONFIG_DIR points here.
  const std::filesystem::path& config_dir() const { return config_dir_; }
  const std::filesystem::path& root() const { return dir_.path(); }
  void write_config(const std::string& json) const;
  void write_drop_in(const std::string& name, const std::string& json) const;

  // qrexec-proxy-admin ARGS... with the test's config.
  ProcessResult run(const std::vector<std::string>& args, ProcessOptions options = {}) const;
  // As run(), and stdout parsed as JSON (a test failure if it is not).
  nlohmann::json run_json(const std::vector<std::string>& args, int expected_status = 0) const;

 private:
  TempDir dir_;
  std::filesystem::path config_dir_;
};

}  // namespace qrexec_proxy::test
