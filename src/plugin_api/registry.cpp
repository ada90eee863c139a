#include "plugin_api/registry.hpp"

#include "plugin_api/external_plugin.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <stdexcept>
#include <system_error>

namespace qrexec_proxy {

PluginRegistry& PluginRegistry::builtin() {
  static PluginRegistry registry;
  return registry;
}

bool is_plugin_name(std::string_view name) {
  return !name.empty() && name.size() <= 64 && std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  });
}

std::variant<PluginOptions, OptionError> configure_plugin(const PluginDescriptor& descriptor,
                                                          const nlohmann::json& options) {
  auto validated = validate_options(descriptor.options, options);
  if (auto* checked = std::get_if<PluginOptions>(&validated); checked && descriptor.validate)
    if (auto error = descriptor.validate(*checked)) return std::move(*error);
  return validated;
}

void PluginRegistry::add(PluginDescriptor descriptor) {
  std::string name = descriptor.name;
  add(name, nullptr);
  builtins_.back().descriptor = std::make_unique<PluginDescriptor>(std::move(descriptor));
}

void PluginRegistry::add(std::string_view name, PluginDescriptor (*describe)()) {
  for (const auto& builtin : builtins_)
    if (builtin.name == name)
      throw std::logic_error("plugin registered twice: " + std::string(name));
  builtins_.push_back({std::string(name), describe, nullptr});
}

const PluginDescriptor* PluginRegistry::described(const Builtin& builtin) {
  if (!builtin.descriptor) {
    builtin.descriptor = std::make_unique<PluginDescriptor>(builtin.describe());
    if (builtin.descriptor->name != builtin.name)
      throw std::logic_error("plugin registered as " + builtin.name + " describes itself as " +
                             builtin.descriptor->name);
  }
  return builtin.descriptor.get();
}

void PluginRegistry::set_external_directories(std::vector<std::filesystem::path> directories) {
  external_directories_ = std::move(directories);
  external_.clear();
  external_failures_.clear();
}

const PluginDescriptor* PluginRegistry::find_builtin(std::string_view name) const {
  for (const auto& builtin : builtins_)
    if (builtin.name == name) return described(builtin);
  return nullptr;
}

const PluginDescriptor* PluginRegistry::find(std::string_view name, std::string* why) const {
  // Built-in names win: an external file cannot replace a built-in plugin.
  if (const auto* descriptor = find_builtin(name)) return descriptor;
  for (const auto& descriptor : external_)
    if (descriptor->name == name) return descriptor.get();
  if (const auto failure = external_failures_.find(name); failure != external_failures_.end()) {
    if (why != nullptr) *why = failure->second;
    return nullptr;
  }
  if (is_plugin_name(name)) {
    for (const auto& directory : external_directories_) {
      const auto file = directory / (std::string(name) + ".so");
      std::error_code error;
      if (!std::filesystem::exists(file, error)) continue;
      auto loaded = load_external_plugin(file, name);
      if (auto* message = std::get_if<std::string>(&loaded)) {
        external_failures_.emplace(std::string(name), *message);
        if (why != nullptr) *why = *message;
        return nullptr;
      }
      external_.push_back(std::move(std::get<std::unique_ptr<PluginDescriptor>>(loaded)));
      return external_.back().get();
    }
  }
  if (why != nullptr) *why = "unknown plugin";
  return nullptr;
}

std::vector<const PluginDescriptor*> PluginRegistry::all() const {
  std::vector<const PluginDescriptor*> result;
  for (const auto& builtin : builtins_) result.push_back(described(builtin));
  for (const auto& directory : external_directories_) {
    std::error_code error;
    for (std::filesystem::directory_iterator it(directory, error), end; !error && it != end;
         it.increment(error)) {
      if (it->path().extension() != ".so") continue;
      const std::string name = it->path().stem().string();
      const PluginDescriptor* descriptor = find(name);
      if (descriptor != nullptr &&
          std::find(result.begin(), result.end(), descriptor) == result.end())
        result.push_back(descriptor);
    }
  }
  std::sort(result.begin(), result.end(),
            [](const auto* a, const auto* b) { return a->name < b->name; });
  return result;
}

}  // namespace qrexec_proxy
