#include "config/settings.hpp"

#include "config/build_config.hpp"

#include <cstdlib>
#include <string_view>

namespace qrexec_proxy {
namespace {

const char* non_empty_env(const char* name) {
  const char* value = std::getenv(name);
  return value != nullptr && value[0] != '\0' ? value : nullptr;
}

std::vector<std::filesystem::path> split_paths(std::string_view dirs) {
  std::vector<std::filesystem::path> paths;
  while (!dirs.empty()) {
    const auto colon = dirs.find(':');
    paths.emplace_back(dirs.substr(0, colon));
    if (colon == std::string_view::npos) break;
    dirs.remove_prefix(colon + 1);
  }
  return paths;
}

}  // namespace

Settings Settings::defaults() {
  Settings settings;
  settings.config_dirs = split_paths(build_config::config_dirs);
  settings.plugin_dirs = split_paths(build_config::plugin_dirs);
  settings.client = build_config::client;
  settings.state_dir = build_config::state_dir;
  settings.rpc_dir = build_config::rpc_dir;
  return settings;
}

Settings Settings::with_overrides() {
  Settings settings = defaults();
  if (const char* dir = non_empty_env("QREXEC_PROXY_CONFIG_DIR")) settings.config_dirs = {dir};
  if (const char* client = non_empty_env("QREXEC_PROXY_CLIENT")) settings.client = client;
  if (const char* state = non_empty_env("QREXEC_PROXY_STATE_DIR")) settings.state_dir = state;
  if (const char* plugins = non_empty_env("QREXEC_PROXY_PLUGIN_DIR"))
    settings.plugin_dirs = {plugins};
  if (const char* rpc = non_empty_env("QREXEC_PROXY_RPC_DIR")) settings.rpc_dir = rpc;
  return settings;
}

Settings Settings::for_service() {
  return build_config::test_overrides ? with_overrides() : defaults();
}

}  // namespace qrexec_proxy
