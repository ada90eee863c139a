// The plugin registry: every plugin's name, documentation, options and
// factory. Built-in plugins register themselves from their own file with
// QREXEC_PROXY_REGISTER_PLUGIN; the service, the admin CLI and the README
// all read the same entries.
#pragma once

#include "core/options.hpp"
#include "core/plugin.hpp"

#include <functional>
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
  // Optional checks beyond each option's type and range (a pattern that
  // must compile, an option that needs another), run by the config loader
  // on the validated options so such problems are found at load, not when
  // a call creates the plugin.
  std::function<std::optional<OptionError>(const PluginOptions&)> validate = nullptr;
};

class PluginRegistry {
 public:
  // The registry of built-in plugins.
  static PluginRegistry& builtin();

  void add(PluginDescriptor descriptor);
  const PluginDescriptor* find(std::string_view name) const;
  // Sorted by name.
  std::vector<const PluginDescriptor*> all() const;

 private:
  std::vector<std::unique_ptr<PluginDescriptor>> descriptors_;
};

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
