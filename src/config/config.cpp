#include "config/config.hpp"

#include "config/config_stamp.hpp"
#include "config/json_file.hpp"
#include "config/json_members.hpp"
#include "input/names.hpp"
#include "log/log_text.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <charconv>
#include <fstream>
#include <set>
#include <sstream>
#include <system_error>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace qrexec_proxy {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

std::optional<std::size_t> parse_index(std::string_view key) {
  if (key.empty() || key.size() > 6) return std::nullopt;
  std::size_t index = 0;
  const auto [end, error] = std::from_chars(key.data(), key.data() + key.size(), index);
  if (error != std::errc() || end != key.data() + key.size()) return std::nullopt;
  if (key.size() > 1 && key.front() == '0') return std::nullopt;
  return index;
}

class ChainParser {
 public:
  ChainParser(const fs::path& file, std::string chain, const PluginRegistry& registry,
              std::vector<ConfigProblem>& problems)
      : file_(file), chain_(std::move(chain)), registry_(registry), problems_(problems) {}

  std::optional<ChainConfig> parse(const json& definition) {
    if (!names::is_chain_name(chain_)) {
      problem("", "",
              "invalid chain name: use letters, digits, '_', '.' and '-' (at most " +
                  std::to_string(names::max_chain_name) +
                  " characters, not starting with '.' or '-')");
      return std::nullopt;
    }
    for (const auto& [key, value] : definition.items()) {
      if (key != "plugins" && key != "config" && key != "description" && key != "allow_dom0") {
        problem("", "",
                "unknown key \"" + escape_for_log(key, 64) +
                    "\" (expected plugins, config, description, allow_dom0)");
        return std::nullopt;
      }
    }
    ChainConfig chain;
    chain.name = chain_;
    chain.file = file_;
    if (const auto it = definition.find("description"); it != definition.end()) {
      if (!it->is_string()) {
        problem("", "", "description must be a string");
        return std::nullopt;
      }
      chain.description = it->get<std::string>();
    }
    if (const auto it = definition.find("allow_dom0"); it != definition.end()) {
      if (!it->is_boolean()) {
        problem("", "", "allow_dom0 must be true or false");
        return std::nullopt;
      }
      chain.allow_dom0 = it->get<bool>();
    }
    const auto plugins = definition.find("plugins");
    if (plugins == definition.end() || !plugins->is_array()) {
      problem("", "", "\"plugins\" must be a list of plugin names");
      return std::nullopt;
    }
    json options = json::object();
    if (const auto it = definition.find("config"); it != definition.end()) {
      if (!it->is_object()) {
        problem("", "", "\"config\" must be an object of plugin name or index -> options");
        return std::nullopt;
      }
      options = *it;
    }

    std::vector<std::string> listed;
    for (const auto& entry : *plugins) {
      if (!entry.is_string()) {
        problem("", "", "\"plugins\" must hold plugin names (strings)");
        return std::nullopt;
      }
      listed.push_back(entry.get<std::string>());
    }
    if (!check_option_keys(options, listed)) return std::nullopt;

    for (std::size_t i = 0; i < listed.size(); ++i) {
      const std::string& name = listed[i];
      if (name == kDefaultEndpointName) {
        if (i != 0 && i + 1 != listed.size()) {
          problem(label(i, name), "",
                  "the default endpoint may only be the first or the last entry");
          return std::nullopt;
        }
        continue;
      }
      std::string why;
      const PluginDescriptor* descriptor = registry_.find(name, &why);
      if (descriptor == nullptr) {
        problem(label(i, name), "", why);
        return std::nullopt;
      }
      std::string key;
      const json* plugin_options = nullptr;
      if (const auto it = options.find(std::to_string(i)); it != options.end()) {
        key = std::to_string(i);
        plugin_options = &*it;
      } else if (const auto by_name = options.find(name); by_name != options.end()) {
        key = name;
        plugin_options = &*by_name;
      }
      auto validated = configure_plugin(*descriptor, plugin_options ? *plugin_options : json());
      if (auto* error = std::get_if<OptionError>(&validated)) {
        problem(label(i, name), error->option, error->message);
        return std::nullopt;
      }
      chain.plugins.push_back(
          {name, descriptor, std::move(std::get<PluginOptions>(validated)), std::move(key)});
    }
    return chain;
  }

 private:
  static std::string label(std::size_t index, const std::string& name) {
    return "#" + std::to_string(index) + " " + name;
  }

  // Every "config" key must name a plugin of the chain or index one.
  bool check_option_keys(const json& options, const std::vector<std::string>& listed) {
    for (const auto& [key, value] : options.items()) {
      if (const auto index = parse_index(key)) {
        if (*index >= listed.size()) {
          problem("", "",
                  "config key \"" + escape_for_log(key, 64) +
                      "\" indexes no plugin (the chain has " + std::to_string(listed.size()) + ")");
          return false;
        }
        if (listed[*index] == kDefaultEndpointName) {
          problem(label(*index, listed[*index]), "", "the default endpoint takes no options");
          return false;
        }
      } else if (std::find(listed.begin(), listed.end(), key) == listed.end()) {
        problem("", "",
                "config key \"" + escape_for_log(key, 64) + "\" names no plugin of the chain");
        return false;
      } else if (key == kDefaultEndpointName) {
        problem(key, "", "the default endpoint takes no options");
        return false;
      }
    }
    return true;
  }

  void problem(std::string plugin, std::string option, std::string message) {
    problems_.push_back(
        {file_, 0, 0, chain_, std::move(plugin), std::move(option), std::move(message)});
  }

  const fs::path& file_;
  std::string chain_;
  const PluginRegistry& registry_;
  std::vector<ConfigProblem>& problems_;
};

// Adds the chains of one parsed file to `chains`.
void add_chains(const json& document, const fs::path& file, const PluginRegistry& registry,
                std::map<std::string, ChainConfig, std::less<>>& chains,
                std::vector<ConfigProblem>& problems) {
  if (!document.is_object()) {
    problems.push_back(
        {file, 0, 0, "", "", "", "the file must hold an object of chain name -> chain"});
    return;
  }
  for (const auto& [name, definition] : document.items()) {
    if (!definition.is_object()) continue;  // "description" and other notes
    ChainParser parser(file, name, registry, problems);
    auto chain = parser.parse(definition);
    if (!chain) continue;
    if (const auto existing = chains.find(name); existing != chains.end()) {
      problems.push_back(
          {file, 0, 0, name, "", "", "chain already defined in " + existing->second.file.string()});
      continue;
    }
    chains.emplace(name, std::move(*chain));
  }
}

// The contents of `file` if it is still the file stamped as `identity`.
std::optional<std::string> read_stamped_file(const fs::path& file, const std::string& identity) {
  const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  std::optional<std::string> text;
  struct stat info {};
  if (file_identity(fd) == identity && ::fstat(fd, &info) == 0 &&
      static_cast<std::uintmax_t>(info.st_size) <= max_config_file_size) {
    text.emplace(static_cast<std::size_t>(info.st_size), '\0');
    if (::pread(fd, text->data(), text->size(), 0) != static_cast<ssize_t>(text->size()))
      text.reset();
  }
  ::close(fd);
  return text;
}

// The quick path of load_config_for_call: every file is the one found
// valid, so the chain is found by a scan of the top-level keys and only its
// definition is parsed and checked. nullopt on any surprise.
std::optional<Config> load_stamped_chain(const std::vector<std::vector<fs::path>>& locations,
                                         const ConfigStamp& stamp, const PluginRegistry& registry,
                                         std::string_view chain) {
  Config config;
  config.whole = false;
  struct Definition {
    fs::path file;
    std::string text;
  };
  std::optional<Definition> found;
  std::optional<fs::path> replaced;
  std::size_t index = 0;
  for (const auto& files : locations) {
    std::optional<Definition> here;
    for (const auto& file : files) {
      config.files.push_back(file);
      const auto text = read_stamped_file(file, stamp.file_identities.at(index++));
      if (!text) return std::nullopt;
      const auto members = json_object_members(*text);
      if (!members) return std::nullopt;
      for (const auto& member : *members) {
        // Keys whose value is not an object are notes, as in add_chains.
        if (member.key != chain || !member.value.starts_with('{')) continue;
        if (here) return std::nullopt;  // defined twice in a location: not a valid config
        here = Definition{file, std::string(member.value)};
      }
    }
    if (!here) continue;
    if (found) replaced = found->file;
    found = std::move(here);
  }
  if (!found) return config;
  std::vector<ConfigProblem> problems;
  const ParsedFile parsed = parse_json(found->text, found->file, problems);
  if (!parsed.ok) return std::nullopt;
  ChainParser parser(found->file, std::string(chain), registry, problems);
  auto definition = parser.parse(parsed.document);
  if (!definition || !problems.empty()) return std::nullopt;
  definition->replaced = replaced;
  config.chains.emplace(std::string(chain), std::move(*definition));
  return config;
}

// Every route goes through a chain of the merged config that lets it reach
// its target.
void check_route_chains(Config& config) {
  for (const auto& route : config.routes.routes) {
    const ChainConfig* chain = config.find(route.chain);
    std::string why;
    if (chain == nullptr)
      why = "no chain named \"" + escape_for_log(route.chain, 128) + "\"";
    else if (route.target == names::dom0 && !chain->allow_dom0)
      why = "the target is dom0, and chain " + route.chain + " does not allow it (allow_dom0)";
    if (!why.empty())
      config.problems.push_back(
          {route.file, 0, 0, "", "", "", "route #" + std::to_string(route.index) + ": " + why});
  }
}

// The route files of every location, read if each is still the one stamped
// (identities from `first_identity` on, in order); nullopt on any change.
std::optional<RouteTable> load_stamped_routes(const std::vector<std::vector<fs::path>>& locations,
                                              const ConfigStamp& stamp, std::size_t first_identity,
                                              std::vector<fs::path>& files) {
  RouteTable table;
  std::vector<ConfigProblem> problems;
  std::size_t index = first_identity;
  for (std::size_t location = 0; location < locations.size(); ++location) {
    for (const auto& file : locations[location]) {
      files.push_back(file);
      const auto text = read_stamped_file(file, stamp.file_identities.at(index++));
      if (!text) return std::nullopt;
      read_routes(*text, file, location, table, problems);
    }
  }
  if (!problems.empty()) return std::nullopt;
  return table;
}

// load_config_for_call and load_config_for_route: `chain_of` names the
// chain once the routes are known.
template <typename ChainOf>
Config load_config_for(const std::vector<fs::path>& locations, const PluginRegistry& registry,
                       const ChainOf& chain_of, const std::vector<fs::path>& plugin_dirs,
                       const fs::path& state_dir) {
  std::vector<ConfigProblem> listing_problems;
  std::vector<std::vector<fs::path>> files_by_location;
  std::vector<std::vector<fs::path>> route_files_by_location;
  std::vector<fs::path> files;
  for (const auto& location : locations) {
    files_by_location.push_back(config_files_in(location, listing_problems));
    files.insert(files.end(), files_by_location.back().begin(), files_by_location.back().end());
  }
  const std::size_t chain_file_count = files.size();
  for (const auto& location : locations) {
    route_files_by_location.push_back(route_files_in(location, listing_problems));
    files.insert(files.end(), route_files_by_location.back().begin(),
                 route_files_by_location.back().end());
  }
  // Stat everything before reading anything: a file changed after this
  // has a new identity, so it can never be stamped with what was read.
  const auto stamp = listing_problems.empty() ? config_stamp(files, plugin_dirs) : std::nullopt;
  if (stamp && stamp->text == read_valid_stamp(state_dir)) {
    std::vector<fs::path> route_files;
    if (auto routes =
            load_stamped_routes(route_files_by_location, *stamp, chain_file_count, route_files)) {
      const std::string chain = chain_of(*routes);
      if (auto config = load_stamped_chain(files_by_location, *stamp, registry, chain)) {
        config->routes = std::move(*routes);
        config->route_files = std::move(route_files);
        // A few bytes, read anew at every call: never stamped.
        config->proxy = load_proxy_settings(locations, config->problems, config->proxy_files);
        return std::move(*config);
      }
    }
  }
  Config config = load_config(locations, registry);
  std::vector<fs::path> read = config.files;
  read.insert(read.end(), config.route_files.begin(), config.route_files.end());
  if (stamp && stamp->settled() && config.valid() && read == files)
    write_valid_stamp(state_dir, stamp->text);
  return config;
}

}  // namespace

std::string ConfigProblem::format() const {
  std::string text = file.string();
  if (line > 0)
    return text + ":" + std::to_string(line) + ":" + std::to_string(column) + ": " + message;
  text += ":";
  // Names come from the config file as written: escaped, like any text
  // that may hold a control byte.
  std::string place;
  if (!chain.empty()) place += " chain " + escape_for_log(chain, 128);
  if (!plugin.empty())
    place += std::string(place.empty() ? "" : ",") + " plugin " + escape_for_log(plugin, 128);
  if (!option.empty())
    place += std::string(place.empty() ? "" : ",") + " option " + escape_for_log(option, 128);
  if (!place.empty()) text += place + ":";
  return text + " " + message;
}

const ChainConfig* Config::find(std::string_view chain) const {
  const auto it = chains.find(chain);
  return it == chains.end() ? nullptr : &it->second;
}

std::vector<fs::path> config_files_in(const fs::path& directory,
                                      std::vector<ConfigProblem>& problems) {
  std::vector<fs::path> files;
  std::error_code error;
  const fs::path main_file = directory / "config.json";
  if (fs::exists(main_file, error))
    files.push_back(main_file);
  else if (error && error != std::errc::no_such_file_or_directory)
    problems.push_back({main_file, 0, 0, "", "", "", "cannot access: " + error.message()});

  const fs::path drop_ins = directory / "chains.d";
  error.clear();
  if (!fs::is_directory(drop_ins, error)) {
    if (error && error != std::errc::no_such_file_or_directory)
      problems.push_back({drop_ins, 0, 0, "", "", "", "cannot access: " + error.message()});
    return files;
  }
  std::vector<fs::path> found;
  fs::directory_iterator it(drop_ins, error);
  if (error) {
    problems.push_back({drop_ins, 0, 0, "", "", "", "cannot list: " + error.message()});
    return files;
  }
  for (; it != fs::directory_iterator(); it.increment(error)) {
    const auto name = it->path().filename().string();
    if (name.starts_with('.') || it->path().extension() != ".json") continue;
    found.push_back(it->path());
  }
  if (error) problems.push_back({drop_ins, 0, 0, "", "", "", "cannot list: " + error.message()});
  std::sort(found.begin(), found.end());
  files.insert(files.end(), found.begin(), found.end());
  return files;
}

Config load_config(const std::vector<fs::path>& locations, const PluginRegistry& registry) {
  Config config;
  config.proxy = load_proxy_settings(locations, config.problems, config.proxy_files);
  for (const auto& location : locations) {
    std::map<std::string, ChainConfig, std::less<>> chains;
    for (const auto& file : config_files_in(location, config.problems)) {
      config.files.push_back(file);
      const auto text = read_file(file, config.problems);
      if (!text) continue;
      const auto parsed = parse_json(*text, file, config.problems);
      if (parsed.ok) add_chains(parsed.document, file, registry, chains, config.problems);
    }
    for (auto& [name, chain] : chains) {
      if (const auto replaced = config.chains.find(name); replaced != config.chains.end()) {
        chain.replaced = replaced->second.file;
        replaced->second = std::move(chain);
      } else {
        config.chains.emplace(name, std::move(chain));
      }
    }
  }
  config.routes = load_routes(locations, config.problems, config.route_files);
  check_route_chains(config);
  return config;
}

Config load_config_for_call(const std::vector<fs::path>& locations, const PluginRegistry& registry,
                            std::string_view chain, const std::vector<fs::path>& plugin_dirs,
                            const fs::path& state_dir) {
  return load_config_for(
      locations, registry, [&](const RouteTable&) { return std::string(chain); }, plugin_dirs,
      state_dir);
}

Config load_config_for_route(const std::vector<fs::path>& locations, const PluginRegistry& registry,
                             std::string_view source, std::string_view service,
                             const std::optional<std::string>& argument,
                             const std::vector<fs::path>& plugin_dirs, const fs::path& state_dir) {
  return load_config_for(
      locations, registry,
      [&](const RouteTable& routes) {
        const Route* route = routes.find(source, service, argument);
        return route ? route->chain : std::string();
      },
      plugin_dirs, state_dir);
}

Config parse_config_text(const std::string& text, const fs::path& file,
                         const PluginRegistry& registry) {
  Config config;
  config.files.push_back(file);
  const auto parsed = parse_json(text, file, config.problems);
  if (parsed.ok) add_chains(parsed.document, file, registry, config.chains, config.problems);
  return config;
}

}  // namespace qrexec_proxy
