// Makes a built-in plugin from its registry entry and JSON options, the way
// a chain's config does, for unit tests of plugins.
#pragma once

#include "plugin_api/registry.hpp"

#include <nlohmann/json.hpp>

#include <gtest/gtest.h>

#include <memory>
#include <string>

namespace qrexec_proxy::test {

// What the config loader says of `config` for plugin `plugin`, the plugin's
// own validate() included: "" when they are valid, else "OPTION: MESSAGE".
inline std::string option_error(const std::string& plugin, const nlohmann::json& config) {
  const PluginDescriptor* descriptor = PluginRegistry::builtin().find(plugin);
  if (descriptor == nullptr) return "no plugin " + plugin;
  auto result = configure_plugin(*descriptor, config);
  if (auto* error = std::get_if<OptionError>(&result)) return error->option + ": " + error->message;
  return {};
}

// Plugin `plugin` with `config`, which must be valid.
inline std::unique_ptr<Plugin> make_plugin(const std::string& plugin,
                                           const nlohmann::json& config = nullptr) {
  const PluginDescriptor* descriptor = PluginRegistry::builtin().find(plugin);
  if (descriptor == nullptr) {
    ADD_FAILURE() << "no plugin " << plugin;
    return nullptr;
  }
  auto result = configure_plugin(*descriptor, config);
  if (auto* error = std::get_if<OptionError>(&result)) {
    ADD_FAILURE() << plugin << ": " << error->option << ": " << error->message;
    return nullptr;
  }
  return descriptor->create(std::get<PluginOptions>(result));
}

}  // namespace qrexec_proxy::test
