#include "sandbox/child_environment.hpp"

#include "config/build_config.hpp"

#include <algorithm>
#include <array>

extern char** environ;

namespace qrexec_proxy {
namespace {

// Who the user is, and how text is shown to them.
constexpr std::array<std::string_view, 7> kAllowedNames = {"HOME",     "USER", "LOGNAME", "LANG",
                                                           "LANGUAGE", "TZ",   "TMPDIR"};
constexpr std::array<std::string_view, 1> kAllowedPrefixes = {"LC_"};

// Test builds only: the qrexec emulation's own variables, and where the
// sanitizers write their reports.
constexpr std::array<std::string_view, 4> kTestNames = {"ASAN_OPTIONS", "UBSAN_OPTIONS",
                                                        "LSAN_OPTIONS", "ASAN_SYMBOLIZER_PATH"};
constexpr std::array<std::string_view, 1> kTestPrefixes = {"QREXEC_EMU_"};

template <std::size_t Names, std::size_t Prefixes>
bool listed(std::string_view name, const std::array<std::string_view, Names>& names,
            const std::array<std::string_view, Prefixes>& prefixes) {
  return std::find(names.begin(), names.end(), name) != names.end() ||
         std::any_of(prefixes.begin(), prefixes.end(),
                     [&](std::string_view prefix) { return name.starts_with(prefix); });
}

bool allowed(std::string_view name) {
  if (listed(name, kAllowedNames, kAllowedPrefixes)) return true;
  return build_config::test_overrides && listed(name, kTestNames, kTestPrefixes);
}

}  // namespace

std::vector<std::string> child_environment(const char* const* environment) {
  std::vector<std::string> result{"PATH=" + std::string(kChildPath)};
  for (const char* const* entry = environment; entry != nullptr && *entry != nullptr; ++entry) {
    const std::string_view variable(*entry);
    const auto equals = variable.find('=');
    if (equals == std::string_view::npos || equals == 0) continue;
    if (allowed(variable.substr(0, equals))) result.emplace_back(variable);
  }
  return result;
}

std::vector<std::string> child_environment() {
  return child_environment(environ);
}

}  // namespace qrexec_proxy
