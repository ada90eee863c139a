#include "config/json_file.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>
#include <system_error>

namespace qrexec_proxy {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// Finds line and column (1-based) of a 1-based byte position.
std::pair<int, int> line_and_column(const std::string& text, std::size_t byte_position) {
  int line = 1;
  int column = 1;
  const std::size_t end = std::min(byte_position > 0 ? byte_position - 1 : 0, text.size());
  for (std::size_t i = 0; i < end; ++i) {
    if (text[i] == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
  }
  return {line, column};
}

// nlohmann's message reads "[json.exception.parse_error.101] parse error at
// line 3, column 5: syntax error while parsing ..."; keep what follows.
std::string parse_error_text(const json::parse_error& error) {
  std::string what = error.what();
  const auto column = what.find("column ");
  const auto colon = what.find(": ", column == std::string::npos ? 0 : column);
  if (colon != std::string::npos) return what.substr(colon + 2);
  return what;
}

}  // namespace

ParsedFile parse_json(const std::string& text, const fs::path& file,
                      std::vector<ConfigProblem>& problems) {
  ParsedFile parsed;
  // Duplicate keys would silently shadow each other: refuse them.
  std::vector<std::set<std::string>> open_objects;
  std::string duplicate;
  const json::parser_callback_t reject_duplicates = [&](int, json::parse_event_t event,
                                                        json& value) {
    switch (event) {
      case json::parse_event_t::object_start:
        open_objects.emplace_back();
        break;
      case json::parse_event_t::object_end:
        if (!open_objects.empty()) open_objects.pop_back();
        break;
      case json::parse_event_t::key:
        if (!open_objects.empty() && !open_objects.back().insert(value.get<std::string>()).second &&
            duplicate.empty())
          duplicate = value.get<std::string>();
        break;
      default:
        break;
    }
    return true;
  };
  try {
    parsed.document = json::parse(text, reject_duplicates);
  } catch (const json::parse_error& error) {
    const auto [line, column] = line_and_column(text, error.byte);
    problems.push_back({file, line, column, "", "", "", parse_error_text(error)});
    return parsed;
  } catch (const json::exception& error) {
    // Valid syntax the parser still cannot represent, such as a number
    // beyond the range of a double ("1e999"): no position is known.
    std::string what = error.what();
    if (const auto id_end = what.find("] "); id_end != std::string::npos) what.erase(0, id_end + 2);
    problems.push_back({file, 0, 0, "", "", "", what});
    return parsed;
  }
  if (!duplicate.empty()) {
    problems.push_back({file, 0, 0, "", "", "", "duplicate key \"" + duplicate + "\""});
    return parsed;
  }
  parsed.ok = true;
  return parsed;
}

std::optional<std::string> read_file(const fs::path& file, std::vector<ConfigProblem>& problems) {
  std::error_code error;
  const auto size = fs::file_size(file, error);
  if (error) {
    problems.push_back({file, 0, 0, "", "", "", "cannot read: " + error.message()});
    return std::nullopt;
  }
  if (size > max_config_file_size) {
    problems.push_back({file, 0, 0, "", "", "", "file too large for a config file"});
    return std::nullopt;
  }
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    problems.push_back(
        {file, 0, 0, "", "", "", "cannot read: " + std::string(std::strerror(errno))});
    return std::nullopt;
  }
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) {
    problems.push_back({file, 0, 0, "", "", "", "cannot read: I/O error"});
    return std::nullopt;
  }
  return std::move(text).str();
}

}  // namespace qrexec_proxy
