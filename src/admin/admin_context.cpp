#include "admin/admin_context.hpp"

#include "plugin_api/registry.hpp"

#include <ostream>

namespace qrexec_proxy::admin {

Settings AdminContext::settings() const {
  Settings settings = Settings::with_overrides();
  if (!config_dirs.empty()) {
    settings.config_dirs.clear();
    // Absolute, so every file the CLI names can be found from anywhere.
    for (const auto& dir : config_dirs)
      settings.config_dirs.push_back(std::filesystem::absolute(dir));
  }
  return settings;
}

const PluginRegistry& AdminContext::registry() const {
  PluginRegistry& registry = PluginRegistry::builtin();
  registry.set_external_directories(settings().plugin_dirs);
  return registry;
}

Config AdminContext::load() const {
  return load_config(settings().config_dirs, registry());
}

void AdminContext::error(const std::string& message) const {
  err << "qrexec-proxy-admin: " << printable(message) << '\n';
}

std::string AdminContext::locations() const {
  std::string text;
  const auto dirs = settings().config_dirs;
  for (std::size_t i = 0; i < dirs.size(); ++i)
    text += (i == 0 ? "" : i + 1 == dirs.size() ? " and " : ", ") + dirs[i].string();
  return text;
}

}  // namespace qrexec_proxy::admin
