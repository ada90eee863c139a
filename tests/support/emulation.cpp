#include "support/emulation.hpp"

#include <cstdlib>
#include <stdexcept>
#include <utility>

#include <sys/stat.h>

namespace qrexec_proxy::test {
namespace fs = std::filesystem;

fs::path install_root() {
  if (const char* root = std::getenv("QREXEC_PROXY_TEST_INSTALL_ROOT"); root && *root) return root;
  return QREXEC_PROXY_TEST_STAGE;
}

fs::path installed_service() {
  const fs::path link = install_root() / "etc/qubes-rpc/qrexec-proxy";
  const fs::path target = fs::read_symlink(link);  // absolute, as installed
  return install_root() / target.relative_path();
}

fs::path installed_plugin_dir() {
  return install_root() / "usr/lib/qubes-qrexec-proxy/plugins";
}

fs::path emulator_path() {
  return QREXEC_PROXY_TEST_EMULATOR;
}

Emulation::Emulation() : source_("src-" + random_suffix(8)) {
  add_qube(source_);
  add_qube("proxy");
  add_qube("dst");
  fs::create_directories(dir_ / "dst" / "out");
  fs::create_directories(config_dir());
  fs::create_symlink(installed_service(), dir_ / "proxy" / "rpc" / "qrexec-proxy");
  for (const auto& entry : fs::directory_iterator(QREXEC_PROXY_TEST_SERVICES)) {
    const fs::path target = dir_ / "dst" / "rpc" / entry.path().filename();
    fs::copy_file(entry.path(), target);
    fs::permissions(target, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec);
  }
}

void Emulation::add_qube(const std::string& qube) {
  fs::create_directories(dir_ / qube / "rpc");
}

void Emulation::write_config(const std::string& json) {
  write_file(config_dir() / "config.json", json);
}

void Emulation::use_installed_config() {
  fs::copy_file(install_root() / "etc/qubes-qrexec-proxy/config.json", config_dir() / "config.json",
                fs::copy_options::overwrite_existing);
}

void Emulation::write_routes(const std::string& name, const std::string& json) {
  write_file(config_dir() / "routes.d" / name, json);
}

ProcessResult Emulation::admin(const std::vector<std::string>& args) const {
  ProcessOptions options;
  options.environment = environment_with({
      "QREXEC_PROXY_CONFIG_DIR=" + config_dir().string(),
      "QREXEC_PROXY_STATE_DIR=" + state_dir().string(),
      "QREXEC_PROXY_PLUGIN_DIR=" + installed_plugin_dir().string(),
      "QREXEC_PROXY_RPC_DIR=" + proxy_rpc_dir().string(),
  });
  std::vector<std::string> argv = {(install_root() / "usr/bin/qrexec-proxy-admin").string()};
  argv.insert(argv.end(), args.begin(), args.end());
  return run_process(argv, options);
}

void Emulation::add_service(const std::string& qube, const std::string& name,
                            const std::string& script) {
  const fs::path path = dir_ / qube / "rpc" / name;
  write_file(path, script);
  fs::permissions(path, fs::perms::owner_all);
}

void Emulation::write_policy(const std::string& policy) {
  write_file(dir_ / "policy", policy);
}

std::vector<std::string> Emulation::environment(const std::string& qube) const {
  return environment_with({
      "QREXEC_EMU_ROOT=" + root().string(),
      "QREXEC_EMU_QUBE=" + qube,
      // Test overrides reach the proxy only because the emulator is told to
      // pass them; a real qrexec-agent never would.
      "QREXEC_EMU_PASS_ENV=QREXEC_PROXY_CONFIG_DIR QREXEC_PROXY_CLIENT QREXEC_PROXY_STATE_DIR "
      "QREXEC_PROXY_PLUGIN_DIR ASAN_OPTIONS UBSAN_OPTIONS LSAN_OPTIONS",
      "QREXEC_PROXY_CONFIG_DIR=" + config_dir().string(),
      "QREXEC_PROXY_CLIENT=" + emulator_path().string(),
      "QREXEC_PROXY_STATE_DIR=" + state_dir().string(),
      "QREXEC_PROXY_PLUGIN_DIR=" + installed_plugin_dir().string(),
  });
}

ProcessOptions Emulation::in_source_qube(ProcessOptions options) const {
  std::vector<std::string> qube_environment = environment(source_);
  set_entries(qube_environment, options.environment);
  options.environment = std::move(qube_environment);
  return options;
}

ProcessResult Emulation::call(const std::string& argument, ProcessOptions options) const {
  return run_process({emulator_path().string(), "proxy", argument},
                     in_source_qube(std::move(options)));
}

std::filesystem::path test_program(const std::string& name) {
  return std::filesystem::path(QREXEC_PROXY_TEST_SERVICES) / name;
}

Emulation::SenderRun Emulation::call_with_sender(const std::string& target,
                                                 const std::string& service,
                                                 const std::vector<std::string>& program,
                                                 const std::string& status_variable) const {
  const std::filesystem::path status = root() / "sender-status";
  std::filesystem::remove(status);
  ProcessOptions options;
  options.environment = {status_variable + "=" + status.string()};
  SenderRun run;
  run.call = call_service(target, service, options, program);
  run.status = std::filesystem::exists(status) ? read_file(status) : "(no status)";
  return run;
}

ProcessResult Emulation::call_service(const std::string& target, const std::string& service,
                                      ProcessOptions options,
                                      const std::vector<std::string>& program) const {
  std::vector<std::string> argv = {emulator_path().string(), target, service};
  argv.insert(argv.end(), program.begin(), program.end());
  return run_process(argv, in_source_qube(std::move(options)));
}

ProcessResult Emulation::call_from_shell(const std::string& script, const std::string& argument,
                                         ProcessOptions options) const {
  // The argument is passed as $1, never spliced into the shell text.
  return run_process({"/bin/sh", "-c", "{ " + script + "\n} | \"$0\" proxy \"$1\"",
                      emulator_path().string(), argument},
                     in_source_qube(std::move(options)));
}

std::vector<std::string> Emulation::agent_environment(const std::string& argument,
                                                      const std::vector<std::string>& extra) const {
  std::vector<std::string> overrides = {
      "QREXEC_REMOTE_DOMAIN=" + source_,
      "QREXEC_SERVICE_ARGUMENT=" + argument,
      "QREXEC_SERVICE_FULL_NAME=qrexec-proxy+" + argument,
      "QREXEC_EMU_ROOT=" + root().string(),
      "QREXEC_EMU_QUBE=proxy",
      "QREXEC_PROXY_CONFIG_DIR=" + config_dir().string(),
      "QREXEC_PROXY_CLIENT=" + emulator_path().string(),
      "QREXEC_PROXY_STATE_DIR=" + state_dir().string(),
      "QREXEC_PROXY_PLUGIN_DIR=" + installed_plugin_dir().string(),
  };
  set_entries(overrides, extra);  // the test's own entries replace the agent's
  return environment_with(overrides);
}

ProcessResult Emulation::run_service_as_agent(const std::string& argument, ProcessOptions options,
                                              bool pass_argv) const {
  options.environment = agent_environment(argument, options.environment);
  options.sockets = true;
  std::vector<std::string> argv = {installed_service().string()};
  if (pass_argv && !argument.empty()) argv.push_back(argument);
  return run_process(argv, options);
}

ProcessResult Emulation::run_entry_as_agent(const fs::path& entry, const std::string& service,
                                            ProcessOptions options, bool full_name) const {
  const auto plus = service.find('+');
  const std::string argument = plus == std::string::npos ? "" : service.substr(plus + 1);
  std::vector<std::string> overrides = {
      "QREXEC_REMOTE_DOMAIN=" + source_,
      "QREXEC_EMU_ROOT=" + root().string(),
      "QREXEC_EMU_QUBE=proxy",
      "QREXEC_PROXY_CONFIG_DIR=" + config_dir().string(),
      "QREXEC_PROXY_CLIENT=" + emulator_path().string(),
      "QREXEC_PROXY_STATE_DIR=" + state_dir().string(),
      "QREXEC_PROXY_PLUGIN_DIR=" + installed_plugin_dir().string(),
  };
  if (full_name) overrides.push_back("QREXEC_SERVICE_FULL_NAME=" + service);
  if (plus != std::string::npos) overrides.push_back("QREXEC_SERVICE_ARGUMENT=" + argument);
  overrides.insert(overrides.end(), options.environment.begin(), options.environment.end());
  options.environment = environment_with(overrides);
  options.sockets = true;
  std::vector<std::string> argv = {entry.string()};
  if (!argument.empty()) argv.push_back(argument);
  return run_process(argv, options);
}

}  // namespace qrexec_proxy::test
