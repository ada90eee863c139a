// A local qrexec emulation for end-to-end tests: qubes as directories, the
// qrexec-client-vm emulator, and the installed proxy service in the proxy
// qube. Calls are made as a source qube makes them:
//   qrexec-client-vm proxy qrexec-proxy+CHAIN+DST+SERVICE
#pragma once

#include "support/process.hpp"
#include "support/temp_dir.hpp"

#include <filesystem>
#include <string>
#include <vector>

namespace qrexec_proxy::test {

// Where `cmake --install` put the project for the tests (a DESTDIR stage,
// or "/" with QREXEC_PROXY_TEST_INSTALL_ROOT=/ to test a real install).
std::filesystem::path install_root();
// The installed service binary, found through /etc/qubes-rpc/qrexec-proxy.
std::filesystem::path installed_service();
std::filesystem::path emulator_path();
// The installed external plugins (QREXEC_PROXY_PLUGIN_DIR of the proxy).
std::filesystem::path installed_plugin_dir();

// A program of tests/e2e/services: a service or a qube's own tool.
std::filesystem::path test_program(const std::string& name);

class Emulation {
 public:
  // A source qube with a fresh random name (so journal records of one test
  // are told apart), the proxy qube "proxy" and the destination "dst" with
  // the test services of tests/e2e/services.
  Emulation();

  const std::string& source() const { return source_; }
  const std::filesystem::path& root() const { return dir_.path(); }
  std::filesystem::path config_dir() const { return dir_ / "proxy-config"; }
  std::filesystem::path state_dir() const { return dir_ / "proxy-state"; }
  // Where test services write what they received: dst/out/NAME.
  std::filesystem::path output(const std::string& name) const {
    return dir_ / "dst" / "out" / name;
  }

  // The proxy's config.json (QREXEC_PROXY_CONFIG_DIR points here).
  void write_config(const std::string& json);
  // A route file of the proxy: routes.d/NAME.
  void write_routes(const std::string& name, const std::string& json);
  // The proxy qube's own services (its /usr/local/etc/qubes-rpc), where
  // `qrexec-proxy-admin route enable` puts entries.
  std::filesystem::path proxy_rpc_dir() const { return dir_ / "proxy" / "local-rpc"; }
  // The installed qrexec-proxy-admin, run in the proxy qube with its config,
  // state and services directories.
  ProcessResult admin(const std::vector<std::string>& args) const;
  // The installed default config.json.
  void use_installed_config();
  void add_service(const std::string& qube, const std::string& name, const std::string& script);
  void add_qube(const std::string& qube);
  void write_policy(const std::string& policy);

  // Environment of a program run in `qube` of this emulation.
  std::vector<std::string> environment(const std::string& qube) const;
  // In the calls below, options.environment adds to the source qube's
  // environment (an entry replaces one of the same name).
  // The source qube calls the proxy: qrexec-client-vm proxy ARGUMENT.
  ProcessResult call(const std::string& argument, ProcessOptions options = {}) const;
  // The source qube runs one of the tests' stand-ins of Qubes' senders
  // (qfile-sender, qopen-sender) connected to SERVICE of `target`:
  // qrexec-client-vm TARGET SERVICE PROGRAM ARGS... The stand-in writes its
  // outcome to the file named by `status_variable`: that outcome ("(no
  // status)" if none) and the call's.
  struct SenderRun {
    std::string status;
    ProcessResult call;
  };
  SenderRun call_with_sender(const std::string& target, const std::string& service,
                             const std::vector<std::string>& program,
                             const std::string& status_variable) const;
  // The source qube calls SERVICE[+ARG] of `target` as any Qubes tool does
  // (qrexec-client-vm TARGET SERVICE [PROGRAM ARGS...]), knowing nothing of
  // the proxy.
  ProcessResult call_service(const std::string& target, const std::string& service,
                             ProcessOptions options = {},
                             const std::vector<std::string>& program = {}) const;
  // The source qube runs the shell `script` and calls the proxy with its
  // output as input: `{ script; } | qrexec-client-vm proxy ARGUMENT`, for
  // callers that send at their own pace.
  ProcessResult call_from_shell(const std::string& script, const std::string& argument,
                                ProcessOptions options = {}) const;
  // The environment qrexec-agent gives the service for `argument`, with
  // `extra` entries added or replacing the agent's.
  std::vector<std::string> agent_environment(const std::string& argument,
                                             const std::vector<std::string>& extra = {}) const;
  // Runs the installed service directly, the way qrexec-agent runs it
  // (socketpairs, QREXEC_* environment), with `argv1` as argv[1] if given.
  ProcessResult run_service_as_agent(const std::string& argument, ProcessOptions options = {},
                                     bool pass_argv = true) const;
  // Runs `entry` (a route entry of the proxy qube) as qrexec-agent runs the
  // service SERVICE[+ARG] it stands for; QREXEC_SERVICE_FULL_NAME is left
  // out when `full_name` is false (the program then goes by its own name).
  ProcessResult run_entry_as_agent(const std::filesystem::path& entry, const std::string& service,
                                   ProcessOptions options = {}, bool full_name = true) const;

 private:
  // The source qube's environment, options.environment's entries replacing
  // those of the same name.
  ProcessOptions in_source_qube(ProcessOptions options) const;

  TempDir dir_;
  std::string source_;
};

}  // namespace qrexec_proxy::test
