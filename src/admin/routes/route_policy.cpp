#include "admin/routes/route_policy.hpp"

#include "input/names.hpp"
#include "log/log_text.hpp"

namespace qrexec_proxy::admin {

PolicyLines make_route_policy_lines(const Route& route, const RoutePolicyRequest& request) {
  PolicyLines result;
  if (!names::is_qube_name(request.proxy)) {
    result.error = "invalid proxy qube name \"" + escape_for_log(request.proxy, 80) +
                   "\": [a-zA-Z][a-zA-Z0-9_-]*, at most 31 characters, not default or none";
    return result;
  }
  if (request.proxy == request.source || request.proxy == route.target) {
    result.error = "the proxy qube \"" + request.proxy +
                   "\" cannot be the source or the destination of its own calls";
    return result;
  }
  const std::string argument = route.argument ? "+" + *route.argument : "*";
  const std::string redirect =
      std::string(request.ask ? "ask" : "allow") + " target=" + request.proxy;
  result.lines.push_back({route.service, argument, request.source, route.target, redirect});
  result.lines.push_back({route.service, argument, request.source, "@default", redirect});
  result.lines.push_back({route.service, argument, request.proxy, route.target, "allow"});
  return result;
}

}  // namespace qrexec_proxy::admin
