#include "config/proxy_settings.hpp"

#include "config/json_file.hpp"
#include "log/log_text.hpp"

#include <cmath>
#include <system_error>

namespace qrexec_proxy {
namespace {

namespace fs = std::filesystem;

constexpr std::int64_t kMostCalls = 100000;
constexpr std::int64_t kMostPluginRecords = 1000000;
constexpr double kLongestFinishTimeout = 365.0 * 24 * 3600;  // a year

}  // namespace

void read_proxy_settings(const std::string& text, const fs::path& file, ProxySettings& settings,
                         std::vector<ConfigProblem>& problems) {
  const ParsedFile parsed = parse_json(text, file, problems);
  if (!parsed.ok) return;
  auto problem = [&](std::string key, std::string message) {
    problems.push_back({file, 0, 0, "", "", std::move(key), std::move(message)});
  };
  if (!parsed.document.is_object())
    return problem("", "proxy settings must be an object of setting -> value");
  for (const auto& [key, value] : parsed.document.items()) {
    if (key == "description") {
      if (!value.is_string()) problem(key, "must be a string");
    } else if (key == "max_calls") {
      if (!value.is_number_integer() || value.get<std::int64_t>() < 1 ||
          value.get<std::int64_t>() > kMostCalls)
        problem(key, "must be a whole number between 1 and " + std::to_string(kMostCalls));
      else
        settings.max_calls = static_cast<std::size_t>(value.get<std::int64_t>());
    } else if (key == "finish_timeout") {
      const double seconds = value.is_number() ? value.get<double>() : 0;
      if (value.is_number() && seconds == -1)
        settings.finish_timeout.reset();
      else if (!value.is_number() || !std::isfinite(seconds) || seconds < 0.001 ||
               seconds > kLongestFinishTimeout)
        problem(key, "must be a number of seconds between 0.001 and 31536000, or -1 for none");
      else
        settings.finish_timeout = std::chrono::duration<double>(seconds);
    } else if (key == "max_plugin_records") {
      if (!value.is_number_integer() || value.get<std::int64_t>() < 0 ||
          value.get<std::int64_t>() > kMostPluginRecords)
        problem(key, "must be a whole number between 0 and " + std::to_string(kMostPluginRecords));
      else
        settings.max_plugin_records = static_cast<std::size_t>(value.get<std::int64_t>());
    } else {
      problem("", "unknown setting \"" + escape_for_log(key, 64) +
                      "\" (expected max_calls, finish_timeout, max_plugin_records, description)");
    }
  }
}

ProxySettings load_proxy_settings(const std::vector<fs::path>& locations,
                                  std::vector<ConfigProblem>& problems,
                                  std::vector<fs::path>& files) {
  ProxySettings settings;
  for (const auto& location : locations) {
    const fs::path file = location / kProxySettingsFile;
    std::error_code error;
    if (!fs::exists(file, error)) {
      if (error && error != std::errc::no_such_file_or_directory)
        problems.push_back({file, 0, 0, "", "", "", "cannot access: " + error.message()});
      continue;
    }
    files.push_back(file);
    if (const auto text = read_file(file, problems))
      read_proxy_settings(*text, file, settings, problems);
  }
  return settings;
}

}  // namespace qrexec_proxy
