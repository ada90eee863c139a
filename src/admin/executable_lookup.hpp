// Finds a command the way a shell does, so `run` can start it by absolute
// path (the engine never searches PATH).
#pragma once

#include <filesystem>
#include <optional>
#include <string>

namespace qrexec_proxy::admin {

// `command` itself (made absolute) when it holds a '/', else the first
// executable regular file named `command` in the directories of `path`
// (PATH's format). nullopt when there is none.
std::optional<std::filesystem::path> find_executable(const std::string& command,
                                                     std::string_view path);

}  // namespace qrexec_proxy::admin
