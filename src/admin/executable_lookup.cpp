#include "admin/executable_lookup.hpp"

#include <system_error>

#include <unistd.h>

namespace qrexec_proxy::admin {
namespace {

namespace fs = std::filesystem;

bool is_executable_file(const fs::path& file) {
  std::error_code error;
  return fs::is_regular_file(file, error) && ::access(file.c_str(), X_OK) == 0;
}

}  // namespace

std::optional<fs::path> find_executable(const std::string& command, std::string_view path) {
  if (command.empty()) return std::nullopt;
  if (command.find('/') != std::string::npos) {
    std::error_code error;
    const fs::path absolute = fs::absolute(command, error);
    if (error || !is_executable_file(absolute)) return std::nullopt;
    return absolute;
  }
  while (true) {
    const auto colon = path.find(':');
    // An empty entry means the current directory, as in a shell.
    const std::string_view directory = path.substr(0, colon);
    const fs::path candidate =
        (directory.empty() ? fs::current_path() : fs::path(directory)) / command;
    if (is_executable_file(candidate)) {
      std::error_code error;
      const fs::path absolute = fs::absolute(candidate, error);
      if (!error) return absolute;
    }
    if (colon == std::string_view::npos) return std::nullopt;
    path.remove_prefix(colon + 1);
  }
}

}  // namespace qrexec_proxy::admin
