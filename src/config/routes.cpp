#include "config/routes.hpp"

#include "config/json_file.hpp"
#include "input/names.hpp"
#include "log/log_text.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <system_error>

namespace qrexec_proxy {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr std::string_view kProxyService = "qrexec-proxy";

std::string in_quotes(std::string_view text) {
  return "\"" + escape_for_log(text, 128) + "\"";
}

// Two routes could take the same call: a source in common, the same
// service, and arguments that overlap (either takes any).
bool overlap(const Route& a, const Route& b) {
  if (a.service != b.service) return false;
  if (a.argument && b.argument && *a.argument != *b.argument) return false;
  return std::any_of(a.sources.begin(), a.sources.end(), [&](const std::string& source) {
    return std::find(b.sources.begin(), b.sources.end(), source) != b.sources.end();
  });
}

class RouteParser {
 public:
  RouteParser(const fs::path& file, std::size_t index, std::vector<ConfigProblem>& problems)
      : file_(file), index_(index), problems_(problems) {}

  std::optional<Route> parse(const json& definition) {
    if (!definition.is_object()) return fail("a route must be an object");
    for (const auto& [key, value] : definition.items())
      if (key != "source" && key != "service" && key != "target" && key != "chain" &&
          key != "description")
        return fail("unknown key " + in_quotes(key) +
                    " (expected source, service, target, chain, description)");
    Route route;
    route.file = file_;
    route.index = index_;
    if (!read_sources(definition, route.sources)) return std::nullopt;
    const auto service = string_member(definition, "service");
    const auto target = string_member(definition, "target");
    const auto chain = string_member(definition, "chain");
    if (!service || !target || !chain) return std::nullopt;
    if (!read_service(*service, route)) return std::nullopt;
    if (!names::is_destination_qube_name(*target))
      return fail("invalid target " + in_quotes(*target) +
                  ": a qube name ([a-zA-Z][a-zA-Z0-9_-]*, at most 31 characters), not "
                  "default, none, Domain-0 or NAME-dm");
    route.target = *target;
    if (!names::is_chain_name(*chain)) return fail("invalid chain name " + in_quotes(*chain));
    route.chain = *chain;
    if (const auto it = definition.find("description"); it != definition.end()) {
      if (!it->is_string()) return fail("description must be a string");
      route.description = it->get<std::string>();
    }
    return route;
  }

 private:
  std::optional<Route> fail(std::string message) {
    problems_.push_back(
        {file_, 0, 0, "", "", "", "route #" + std::to_string(index_) + ": " + message});
    return std::nullopt;
  }

  std::optional<std::string> string_member(const json& definition, const char* key) {
    const auto it = definition.find(key);
    if (it == definition.end() || !it->is_string()) {
      fail(std::string("\"") + key + "\" must be a string");
      return std::nullopt;
    }
    return it->get<std::string>();
  }

  bool read_sources(const json& definition, std::vector<std::string>& sources) {
    const auto it = definition.find("source");
    if (it != definition.end() && it->is_string()) {
      sources.push_back(it->get<std::string>());
    } else if (it != definition.end() && it->is_array() && !it->empty()) {
      for (const auto& source : *it) {
        if (!source.is_string()) {
          fail("\"source\" must hold qube names (strings)");
          return false;
        }
        sources.push_back(source.get<std::string>());
      }
    } else {
      fail("\"source\" must be a qube name or a list of qube names");
      return false;
    }
    for (const auto& source : sources) {
      // The calling qube's name, as dom0 gives it: policy tokens such as
      // @anyvm or @tag:T cannot be resolved in a qube.
      if (!names::is_qube_name(source)) {
        fail("invalid source " + in_quotes(source) +
             ": a qube name ([a-zA-Z][a-zA-Z0-9_-]*, at most 31 characters)");
        return false;
      }
      if (std::count(sources.begin(), sources.end(), source) > 1) {
        fail("source " + in_quotes(source) + " is listed twice");
        return false;
      }
    }
    return true;
  }

  bool read_service(const std::string& text, Route& route) {
    const auto plus = text.find('+');
    const std::string name = text.substr(0, plus);
    if (!names::is_service_name(name)) {
      fail("invalid service " + in_quotes(text) +
           ": NAME or NAME+ARG, NAME of [A-Za-z0-9_.-] not starting with '.' or '-'");
      return false;
    }
    if (name == kProxyService) {
      fail("the service qrexec-proxy is the proxy's own way in; a route cannot take it");
      return false;
    }
    route.service = name;
    if (plus != std::string::npos) {
      const std::string argument = text.substr(plus + 1);
      if (argument.empty() || argument.size() > names::max_service_argument ||
          !names::is_service_argument(argument)) {
        fail("invalid argument in " + in_quotes(text) + ": 1 to " +
             std::to_string(names::max_service_argument) + " of [A-Za-z0-9_.+-]");
        return false;
      }
      route.argument = argument;
    }
    return true;
  }

  const fs::path& file_;
  std::size_t index_;
  std::vector<ConfigProblem>& problems_;
};

}  // namespace

std::string Route::service_text() const {
  return argument ? service + "+" + *argument : service;
}

std::string Route::place() const {
  return file.string() + " route #" + std::to_string(index);
}

bool Route::matches(std::string_view source, std::string_view called_service,
                    const std::optional<std::string>& called_argument) const {
  if (called_service != service) return false;
  if (argument && (!called_argument || *called_argument != *argument)) return false;
  return std::find(sources.begin(), sources.end(), source) != sources.end();
}

const Route* RouteTable::find(std::string_view source, std::string_view service,
                              const std::optional<std::string>& argument) const {
  // Later locations first; within one, at most one route matches.
  for (auto it = routes.rbegin(); it != routes.rend(); ++it)
    if (it->matches(source, service, argument)) return &*it;
  return nullptr;
}

const Route* RouteTable::replaced_by(const Route& route) const {
  for (const auto& other : routes)
    if (other.location > route.location && overlap(other, route)) return &other;
  return nullptr;
}

std::vector<fs::path> route_files_in(const fs::path& location,
                                     std::vector<ConfigProblem>& problems) {
  const fs::path directory = location / kRoutesDirectory;
  std::vector<fs::path> files;
  std::error_code error;
  if (!fs::is_directory(directory, error)) {
    if (error && error != std::errc::no_such_file_or_directory)
      problems.push_back({directory, 0, 0, "", "", "", "cannot access: " + error.message()});
    return files;
  }
  fs::directory_iterator it(directory, error);
  for (; !error && it != fs::directory_iterator(); it.increment(error)) {
    const auto name = it->path().filename().string();
    if (name.starts_with('.') || it->path().extension() != ".json") continue;
    files.push_back(it->path());
  }
  if (error) problems.push_back({directory, 0, 0, "", "", "", "cannot list: " + error.message()});
  std::sort(files.begin(), files.end());
  return files;
}

void read_routes(const std::string& text, const fs::path& file, std::size_t location,
                 RouteTable& table, std::vector<ConfigProblem>& problems) {
  const ParsedFile parsed = parse_json(text, file, problems);
  if (!parsed.ok) return;
  if (!parsed.document.is_array()) {
    problems.push_back({file, 0, 0, "", "", "", "the file must hold a list of routes"});
    return;
  }
  std::size_t index = 0;
  for (const auto& definition : parsed.document) {
    auto route = RouteParser(file, index++, problems).parse(definition);
    if (!route) continue;
    route->location = location;
    const auto clash = std::find_if(table.routes.begin(), table.routes.end(), [&](const Route& r) {
      return r.location == location && overlap(r, *route);
    });
    if (clash != table.routes.end()) {
      problems.push_back({file, 0, 0, "", "", "",
                          "route #" + std::to_string(route->index) + " and " + clash->place() +
                              " could both take calls of " + route->service +
                              " from the same source: give each call one route"});
      continue;
    }
    table.routes.push_back(std::move(*route));
  }
}

RouteTable load_routes(const std::vector<fs::path>& locations, std::vector<ConfigProblem>& problems,
                       std::vector<fs::path>& files) {
  RouteTable table;
  for (std::size_t location = 0; location < locations.size(); ++location) {
    for (const auto& file : route_files_in(locations[location], problems)) {
      files.push_back(file);
      if (const auto text = read_file(file, problems))
        read_routes(*text, file, location, table, problems);
    }
  }
  return table;
}

}  // namespace qrexec_proxy
