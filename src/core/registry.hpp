// The plugin registry: every plugin's name, documentation, options and
// factory. Built-in plugins register themselves from their own file with
// QREXEC_PROXY_REGISTER_PLUGIN; the service, the admin CLI and the README
// all read the same entries.
#pragma once

#include "core/options.hpp"
#include "core/plugin.hpp"

#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace qrexec_proxy {

struct PluginDescriptor {
  std::string name;
  std::string summary;      // one line
  std::string description;  // paragraphs for the plugin reference
  std::vector<OptionSpec> options;
  std::function<std::unique_ptr<Plugin>(const PluginOptions&)> create;
  // Optional: checks values beyond their type and range (a regular
  // expression compiles, two options agree...) when the config is loaded.
  std::function<std::optional<OptionError>(const PluginOptions&)> validate = {};
  // Empty for built-in plugins; the shared object of an external one.
  std::filesystem::path library = {};
};

class PluginRegistry {
 public:
  // The process's registry: the built-in plugins, which register themselves,
  // and external ones from the directories set with set_external_directories.
  static PluginRegistry& builtin();

  void add(PluginDescriptor descriptor);
  // Where external plugins NAME.so are looked for, first match wins.
  void set_external_directories(std::vector<std::filesystem::path> directories);
  // A built-in plugin, or an external one, loaded on first use. When there
  // is none, `why` (if given) says whether it is missing or cannot load.
  const PluginDescriptor* find(std::string_view name, std::string* why = nullptr) const;
  // Every built-in plugin and every external one that loads, by name.
  std::vector<const PluginDescriptor*> all() const;

 private:
  const PluginDescriptor* find_builtin(std::string_view name) const;
  std::vector<std::unique_ptr<PluginDescriptor>> descriptors_;
  std::vector<std::filesystem::path> external_directories_;
  // Loading is a cache: a const lookup may fill it.
  mutable std::vector<std::unique_ptr<PluginDescriptor>> external_;
  mutable std::map<std::string, std::string, std::less<>> external_failures_;
};

// Plugin names: [a-z0-9_], 1..64 characters (they become file names).
bool is_plugin_name(std::string_view name);

struct PluginRegistration {
  explicit PluginRegistration(PluginDescriptor (*describe)()) {
    PluginRegistry::builtin().add(describe());
  }
};

// Registers a built-in plugin from its own translation unit. Plugins are
// linked as an object library, so the registration is never dropped.
#define QREXEC_PROXY_REGISTER_PLUGIN(describe_function)                                           \
  static const ::qrexec_proxy::PluginRegistration qrexec_proxy_registration_##describe_function { \
    describe_function                                                                             \
  }

// Names that config may use at the ends of a chain for the implicit
// endpoints (stdin/stdout and qrexec-client-vm), as the original allowed.
inline constexpr std::string_view kDefaultEndpointName = "default";

}  // namespace qrexec_proxy
