// What every subcommand shares: where the config is, where output goes and
// how it looks.
#pragma once

#include "admin/output/style.hpp"
#include "config/config.hpp"
#include "config/settings.hpp"

#include <filesystem>
#include <iosfwd>
#include <string>
#include <vector>

namespace qrexec_proxy::admin {

// Exit statuses of the admin CLI (the `run` subcommand returns the
// service's statuses instead: README "Exit status").
namespace admin_status {
inline constexpr int ok = 0;
// What was asked about is missing or invalid: an unknown chain or plugin, a
// config with problems, an unreadable journal.
inline constexpr int failure = 1;
// The command line is wrong: an unknown option, an invalid name or time.
inline constexpr int usage = 2;
}  // namespace admin_status

struct AdminContext {
  std::ostream& out;
  std::ostream& err;
  Style style;
  // --config-dir, in order: replace the config locations, as
  // QREXEC_PROXY_CONFIG_DIR does; a later one replaces chains of an earlier
  // one, as the per-qube location does the template-wide one.
  std::vector<std::filesystem::path> config_dirs;

  // The service's settings, with --config-dir applied.
  Settings settings() const;
  // The plugins the service would find: built-in ones and the external ones
  // in the plugin directories.
  const PluginRegistry& registry() const;
  // The config as the service would load it, with those plugins.
  Config load() const;
  // "qrexec-proxy-admin: " + message, on stderr.
  void error(const std::string& message) const;
  // The config locations, for messages: "DIR" or "DIR and DIR".
  std::string locations() const;
};

}  // namespace qrexec_proxy::admin
