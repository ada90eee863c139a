// Chain configuration: loading, merging and validation.
//
// Each config location holds config.json, chains.d/*.json, routes.d/*.json
// (config/routes.hpp) and proxy.json (config/proxy_settings.hpp). Every chain file is
// an object of chain name -> {"plugins": [...], "config": {...}}, the format
// of the original proxy; keys whose value is not an object ("description")
// are ignored. A chain defined in a later location (per-qube) replaces the
// chain of the same name from an earlier one (template-wide).
#pragma once

#include "config/config_problem.hpp"
#include "config/proxy_settings.hpp"
#include "config/routes.hpp"
#include "plugin_api/options.hpp"
#include "plugin_api/registry.hpp"

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace qrexec_proxy {

struct PluginConfig {
  std::string name;
  const PluginDescriptor* descriptor = nullptr;
  PluginOptions options;    // complete: defaults filled in
  std::string options_key;  // the "config" key they came from; empty for none
};

struct ChainConfig {
  std::string name;
  std::string description;
  std::filesystem::path file;                     // the file that defines it
  std::vector<PluginConfig> plugins;              // in order, without "default" endpoints
  std::optional<std::filesystem::path> replaced;  // the template file it replaces
  // "allow_dom0": true. Without it, a call through the chain to dom0 is refused.
  bool allow_dom0 = false;
};

struct Config {
  std::map<std::string, ChainConfig, std::less<>> chains;
  std::vector<std::filesystem::path> files;  // every chain file read, in order
  ProxySettings proxy;                       // from proxy.json
  std::vector<std::filesystem::path> proxy_files;
  RouteTable routes;                               // from routes.d
  std::vector<std::filesystem::path> route_files;  // every route file read, in order
  std::vector<ConfigProblem> problems;
  // Every chain was read and checked; false when load_config_for_call found
  // the config stamped valid and read only the chain called.
  bool whole = true;

  bool valid() const { return problems.empty(); }
  const ChainConfig* find(std::string_view chain) const;
};

// The files of one location, in the order they are read.
std::vector<std::filesystem::path> config_files_in(const std::filesystem::path& directory,
                                                   std::vector<ConfigProblem>& problems);

// Reads every location in order. Never throws: every problem found is in
// Config::problems.
Config load_config(const std::vector<std::filesystem::path>& locations,
                   const PluginRegistry& registry);

// What a call needs: the chain `chain` (if the config defines it), every
// route, and every problem of the whole config, so that a call fails closed
// on any of them. Checking a large config on every call costs milliseconds;
// so once the whole config has been found valid, its stamp
// (config_stamp.hpp) goes to `state_dir`, and while the config files (route
// files included), the plugins in `plugin_dirs` and the program are
// unchanged, later calls find their chain with a quick scan and check only
// it. Any doubt (a change, no stamp, an unexpected byte) means a full check,
// as load_config.
Config load_config_for_call(const std::vector<std::filesystem::path>& locations,
                            const PluginRegistry& registry, std::string_view chain,
                            const std::vector<std::filesystem::path>& plugin_dirs,
                            const std::filesystem::path& state_dir);

// The same for a call that came in by a route: the chain is that of the
// route for (`source`, `service`, `argument`), when there is one
// (Config::routes.find gives it again).
Config load_config_for_route(const std::vector<std::filesystem::path>& locations,
                             const PluginRegistry& registry, std::string_view source,
                             std::string_view service, const std::optional<std::string>& argument,
                             const std::vector<std::filesystem::path>& plugin_dirs,
                             const std::filesystem::path& state_dir);

// Checks one file's text, as if it were the only file. For tests, fuzzing
// and `qrexec-proxy-admin check`.
Config parse_config_text(const std::string& text, const std::filesystem::path& file,
                         const PluginRegistry& registry);

}  // namespace qrexec_proxy
