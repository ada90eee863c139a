// Routes: where a call that reached the proxy by dom0 redirection goes.
//
// A qube's unchanged tools (qvm-copy, qvm-open-in-vm...) call a service such
// as qubes.Filecopy; a dom0 policy line `... allow target=PROXY` sends the
// call to the proxy qube instead, where the service never learns which
// target the caller asked for. A route says it: calls of SERVICE (with any
// argument, or one exact argument) from these source qubes go to this one
// destination, through this chain.
//
// Each config location may hold routes.d/*.json, read in name order; each
// file is a JSON array of routes:
//
//   [{"source": "work", "service": "qubes.Filecopy",
//     "target": "vault", "chain": "one-way"}]
//
// `source` is a qube name or a list of them; `service` is NAME or NAME+ARG;
// `description` is optional. Within one location, two routes that could
// match the same call are an error naming both; a route of a later
// (per-qube) location takes the calls it matches from the routes of earlier
// (template-wide) ones.
#pragma once

#include "config/config_problem.hpp"

#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace qrexec_proxy {

struct Route {
  std::vector<std::string> sources;     // qube names
  std::string service;                  // NAME
  std::optional<std::string> argument;  // ARG; nullopt: any argument
  std::string target;
  std::string chain;
  std::string description;
  std::filesystem::path file;  // the file that defines it
  std::size_t index = 0;       // its place in that file, from 0
  std::size_t location = 0;    // its config location, template-wide first

  // NAME or NAME+ARG, as written in the route.
  std::string service_text() const;
  // "FILE route #N" for messages.
  std::string place() const;
  bool matches(std::string_view source, std::string_view service,
               const std::optional<std::string>& argument) const;
};

struct RouteTable {
  std::vector<Route> routes;  // in the order read: by location, file, index

  // The route that takes a call of `service` (with `argument`, nullopt for
  // none) from `source`: the one of the last location that has one.
  const Route* find(std::string_view source, std::string_view service,
                    const std::optional<std::string>& argument) const;
  // A route of a later location matches some of the calls `route` would
  // take (it is replaced, in part or whole).
  const Route* replaced_by(const Route& route) const;
};

inline constexpr std::string_view kRoutesDirectory = "routes.d";

// The route files of one location, in the order they are read.
std::vector<std::filesystem::path> route_files_in(const std::filesystem::path& location,
                                                  std::vector<ConfigProblem>& problems);

// Reads routes.d of every location. Problems (syntax, invalid names, two
// routes of one location for the same calls) go to `problems`, the files
// read to `files`. Chains are not checked here (Config does it).
RouteTable load_routes(const std::vector<std::filesystem::path>& locations,
                       std::vector<ConfigProblem>& problems,
                       std::vector<std::filesystem::path>& files);

// Checks one route file's text, as if it were the only one of `location`.
void read_routes(const std::string& text, const std::filesystem::path& file, std::size_t location,
                 RouteTable& table, std::vector<ConfigProblem>& problems);

}  // namespace qrexec_proxy
