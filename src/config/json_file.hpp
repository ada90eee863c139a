// Reading and parsing the JSON files of the config: a size bound, duplicate
// keys refused, and every problem placed (file, line and column).
#pragma once

#include "config/config_problem.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace qrexec_proxy {

// Config files are small; anything larger is a mistake, not a config.
inline constexpr std::uintmax_t max_config_file_size = 16 * 1024 * 1024;

struct ParsedFile {
  nlohmann::json document;
  bool ok = false;
};

// The whole text of `file`, or nothing with a problem.
std::optional<std::string> read_file(const std::filesystem::path& file,
                                     std::vector<ConfigProblem>& problems);

// The JSON document of `text`, read from `file`; not ok with a problem when
// it is not JSON or holds a key twice in one object.
ParsedFile parse_json(const std::string& text, const std::filesystem::path& file,
                      std::vector<ConfigProblem>& problems);

}  // namespace qrexec_proxy
