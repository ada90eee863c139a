#include "core/registry.hpp"

#include <algorithm>
#include <stdexcept>

namespace qrexec_proxy {

PluginRegistry& PluginRegistry::builtin() {
  static PluginRegistry registry;
  return registry;
}

void PluginRegistry::add(PluginDescriptor descriptor) {
  if (find(descriptor.name) != nullptr)
    throw std::logic_error("plugin registered twice: " + descriptor.name);
  descriptors_.push_back(std::make_unique<PluginDescriptor>(std::move(descriptor)));
}

const PluginDescriptor* PluginRegistry::find(std::string_view name) const {
  for (const auto& descriptor : descriptors_)
    if (descriptor->name == name) return descriptor.get();
  return nullptr;
}

std::vector<const PluginDescriptor*> PluginRegistry::all() const {
  std::vector<const PluginDescriptor*> result;
  for (const auto& descriptor : descriptors_) result.push_back(descriptor.get());
  std::sort(result.begin(), result.end(),
            [](const auto* a, const auto* b) { return a->name < b->name; });
  return result;
}

}  // namespace qrexec_proxy
