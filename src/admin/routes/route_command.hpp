// `qrexec-proxy-admin route list|enable|disable|policy`: the routes that
// take calls dom0 redirects to this proxy qube (config/routes.hpp), their
// entries in /usr/local/etc/qubes-rpc, and their dom0 policy lines.
#pragma once

#include "admin/admin_context.hpp"

#include <optional>
#include <string>

namespace qrexec_proxy::admin {

struct RouteListOptions {
  bool json = false;
};
// Lists every route: sources, service, target, chain, its file, whether
// its entry is enabled and whether a per-qube route replaces it.
int route_list_command(const AdminContext& context, const RouteListOptions& options);

// SERVICE (NAME or NAME+ARG) exactly as a route names it.
int route_enable_command(const AdminContext& context, const std::string& service);
int route_disable_command(const AdminContext& context, const std::string& service);

struct RoutePolicyOptions {
  std::string source;
  std::string service;               // NAME or NAME+ARG
  std::optional<std::string> proxy;  // default: this qube's name (its host name)
  bool ask = false;
};
// Prints the dom0 lines of the route that takes SOURCE's calls of SERVICE.
int route_policy_command(const AdminContext& context, const RoutePolicyOptions& options);

}  // namespace qrexec_proxy::admin
