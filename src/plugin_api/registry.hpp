// The plugin registry: every plugin's name, documentation, options and
// factory. Built-in plugins register themselves from their own file with
// QREXEC_PROXY_REGISTER_PLUGIN; the service, the admin CLI and the README
// all read the same entries. A built-in plugin is described (its
// descriptor built) when first looked up: a call describes only the
// plugins of its chain, rather than every plugin at start-up.
#pragma once

#include "plugin_api/options.hpp"
#include "plugin_api/plugin.hpp"

#include <nlohmann/json_fwd.hpp>

#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
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

// What the config loader does with one plugin's options: checks them against
// the specs (defaults filled in), then runs the plugin's own validate().
std::variant<PluginOptions, OptionError> configure_plugin(const PluginDescriptor& descriptor,
                                                          const nlohmann::json& options);

class PluginRegistry {
 public:
  // The process's registry: the built-in plugins, which register themselves,
  // and external ones from the directories set with set_external_directories.
  static PluginRegistry& builtin();

  // A plugin described whole, at once (tests, documentation examples).
  void add(PluginDescriptor descriptor);
  // A built-in plugin named `name`, described by `describe` on first use.
  void add(std::string_view name, PluginDescriptor (*describe)());
  // Where external plugins NAME.so are looked for, first match wins.
  void set_external_directories(std::vector<std::filesystem::path> directories);
  // A built-in plugin, or an external one, loaded on first use. When there
  // is none, `why` (if given) says whether it is missing or cannot load.
  const PluginDescriptor* find(std::string_view name, std::string* why = nullptr) const;
  // Every built-in plugin and every external one that loads, by name.
  std::vector<const PluginDescriptor*> all() const;

 private:
  struct Builtin {
    std::string name;
    PluginDescriptor (*describe)();                        // null for a descriptor added whole
    mutable std::unique_ptr<PluginDescriptor> descriptor;  // null until described
  };
  const PluginDescriptor* find_builtin(std::string_view name) const;
  static const PluginDescriptor* described(const Builtin& builtin);
  std::vector<Builtin> builtins_;
  std::vector<std::filesystem::path> external_directories_;
  // Loading is a cache: a const lookup may fill it.
  mutable std::vector<std::unique_ptr<PluginDescriptor>> external_;
  mutable std::map<std::string, std::string, std::less<>> external_failures_;
};

// Plugin names: [a-z0-9_], 1..64 characters (they become file names).
bool is_plugin_name(std::string_view name);

struct PluginRegistration {
  PluginRegistration(std::string_view name, PluginDescriptor (*describe)()) {
    PluginRegistry::builtin().add(name, describe);
  }
};

// Registers a built-in plugin from its own translation unit. Plugins are
// linked as an object library, so the registration is never dropped. The
// function is named describe_NAME, and NAME is the plugin's name: the
// registry knows it without describing the plugin, and checks that the
// descriptor says the same when it is built.
#define QREXEC_PROXY_REGISTER_PLUGIN(describe_function)                                           \
  static_assert(std::string_view(#describe_function).starts_with("describe_"),                    \
                "name the function describe_PLUGIN");                                             \
  static const ::qrexec_proxy::PluginRegistration qrexec_proxy_registration_##describe_function { \
    std::string_view(#describe_function).substr(sizeof "describe_" - 1), describe_function        \
  }

// Names that config may use at the ends of a chain for the implicit
// endpoints (stdin/stdout and qrexec-client-vm), as the original allowed.
inline constexpr std::string_view kDefaultEndpointName = "default";

}  // namespace qrexec_proxy
