// The dom0 policy lines (format v5) of a route:
//   SVC  +ARG|*  SRC    DST       allow|ask target=PROXY
//   SVC  +ARG|*  SRC    @default  allow|ask target=PROXY
//   SVC  +ARG|*  PROXY  DST       allow
// The first two redirect the source's calls of the service, to the route's
// destination or to no named target (qvm-copy, qvm-open-in-vm without a
// qube), to the proxy qube; the last lets the proxy qube make the call on.
#pragma once

#include "admin/policy/policy_lines.hpp"
#include "config/routes.hpp"

namespace qrexec_proxy::admin {

struct RoutePolicyRequest {
  std::string source;  // one of the route's sources
  std::string proxy;   // this proxy qube
  bool ask = false;    // ask, not allow, in the redirect lines
};

// Refuses a proxy name qrexec would refuse, and a proxy that is the route's
// source or destination (a qube cannot call itself).
PolicyLines make_route_policy_lines(const Route& route, const RoutePolicyRequest& request);

}  // namespace qrexec_proxy::admin
