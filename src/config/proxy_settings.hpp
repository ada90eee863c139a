// Settings of the proxy as a whole, beside its chains: proxy.json in each
// config location, read in the same order; a key of a later (per-qube)
// file replaces the same key of an earlier (template-wide) one.
//
//   {"max_calls": 100, "finish_timeout": 3600, "max_plugin_records": 2000}
#pragma once

#include "config/config_problem.hpp"

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace qrexec_proxy {

struct ProxySettings {
  // Calls that may run at once in this proxy qube (each costs a process and
  // a few MiB); a call beyond them is refused (126).
  std::size_t max_calls = 100;
  // How long a destination may go on once the source has finished: it has
  // sent its end and nothing more can reach it. nullopt: for ever.
  std::optional<std::chrono::duration<double>> finish_timeout = std::chrono::hours(1);
  // Records the plugins of one call may write (audit records included);
  // the rest are counted in one record at the call's end.
  std::size_t max_plugin_records = 2000;
};

inline constexpr std::string_view kProxySettingsFile = "proxy.json";

// Reads proxy.json of every location (a missing file is no problem); each
// problem found, with its file, goes to `problems`, and the files read to
// `files`.
ProxySettings load_proxy_settings(const std::vector<std::filesystem::path>& locations,
                                  std::vector<ConfigProblem>& problems,
                                  std::vector<std::filesystem::path>& files);

// Checks one proxy.json text over `settings`. For tests and fuzzing.
void read_proxy_settings(const std::string& text, const std::filesystem::path& file,
                         ProxySettings& settings, std::vector<ConfigProblem>& problems);

}  // namespace qrexec_proxy
