// External plugins: shared objects implementing include/qrexec-proxy/plugin.h,
// loaded by name and adapted to the Plugin interface, so the engine treats
// them exactly like built-in ones.
#pragma once

#include "plugin_api/registry.hpp"

#include <filesystem>
#include <memory>
#include <string>
#include <variant>

namespace qrexec_proxy {

// Loads `file` (NAME.so) and describes the plugin it holds. The library
// stays loaded for the life of the process. Errors name the file and say
// what is wrong (cannot load, no entry point, ABI version, name mismatch,
// bad option declarations).
std::variant<std::unique_ptr<PluginDescriptor>, std::string> load_external_plugin(
    const std::filesystem::path& file, std::string_view expected_name);

}  // namespace qrexec_proxy
