// Where the proxy finds its config, its destination client and its state.
// Built-in defaults are the production paths. The QREXEC_PROXY_* environment
// variables override them for the admin CLI, and for the service only in a
// test build (build_config::test_overrides): qrexec-agent starts a service
// through a login shell, so the proxy qube user's profile could set them.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace qrexec_proxy {

struct Settings {
  // Template-wide first, per-qube last: later locations replace chains.
  std::vector<std::filesystem::path> config_dirs;
  std::filesystem::path client;     // qrexec-client-vm
  std::filesystem::path state_dir;  // runtime state (counters, locks)
  // External plugins NAME.so: per-qube first, then template-wide.
  std::vector<std::filesystem::path> plugin_dirs;
  // This qube's own qrexec services (/usr/local/etc/qubes-rpc), where
  // `qrexec-proxy-admin route enable` puts route entries.
  std::filesystem::path rpc_dir;

  static Settings defaults();
  // defaults() with QREXEC_PROXY_CONFIG_DIR, QREXEC_PROXY_CLIENT,
  // QREXEC_PROXY_STATE_DIR, QREXEC_PROXY_PLUGIN_DIR (one directory
  // replacing both plugin locations) and QREXEC_PROXY_RPC_DIR applied when
  // set and non-empty.
  static Settings with_overrides();
  // What the service uses: defaults(), or with_overrides() in a test build.
  static Settings for_service();
};

}  // namespace qrexec_proxy
