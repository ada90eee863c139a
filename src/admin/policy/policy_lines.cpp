#include "admin/policy/policy_lines.hpp"

#include "input/call_request.hpp"
#include "input/names.hpp"
#include "log/log_text.hpp"

#include <algorithm>

namespace qrexec_proxy::admin {
namespace {

constexpr std::string_view kServiceName = "qrexec-proxy";

// Tags as qubes-core-admin accepts them: [A-Za-z0-9_-]+.
bool is_tag(std::string_view tag) {
  return !tag.empty() && tag.size() <= 255 && std::all_of(tag.begin(), tag.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-';
  });
}

bool is_qube_type(std::string_view type) {
  for (const std::string_view known : {"AppVM", "DispVM", "StandaloneVM", "TemplateVM", "AdminVM"})
    if (type == known) return true;
  return false;
}

std::string quoted(std::string_view text) {
  return "\"" + escape_for_log(text, 80) + "\"";
}

}  // namespace

bool is_policy_source_token(std::string_view source) {
  if (source == "@anyvm") return true;
  if (source.starts_with("@tag:")) return is_tag(source.substr(5));
  if (source.starts_with("@type:")) return is_qube_type(source.substr(6));
  return false;
}

PolicyLines make_policy_lines(const PolicyRequest& request) {
  PolicyLines result;
  const auto fail = [&](std::string error) {
    result.error = std::move(error);
    return result;
  };
  if (!names::is_chain_name(request.chain))
    return fail("invalid chain name " + quoted(request.chain) +
                ": use letters, digits, '_', '.' and '-', at most " +
                std::to_string(names::max_chain_name) +
                " characters, not starting with '.' or '-'");
  if (!names::is_qube_name(request.source) && !is_policy_source_token(request.source))
    return fail("invalid source " + quoted(request.source) +
                ": give a qube name, @anyvm, @tag:TAG or @type:TYPE");
  if (!names::is_qube_name(request.target))
    return fail("invalid destination qube name " + quoted(request.target) +
                ": [a-zA-Z][a-zA-Z0-9_-]*, at most 31 characters, not default or none");
  if (names::is_reserved_qube_name(request.target))
    return fail("the destination " + quoted(request.target) +
                " is a name Qubes reserves (Domain-0, NAME-dm): no qube of that name takes calls");
  if (!names::is_qube_name(request.proxy))
    return fail("invalid proxy qube name " + quoted(request.proxy) +
                ": [a-zA-Z][a-zA-Z0-9_-]*, at most 31 characters, not default or none");
  // A qube cannot call itself over qrexec.
  if (request.target == request.proxy || request.source == request.proxy)
    return fail("the proxy qube " + quoted(request.proxy) +
                " cannot be the source or the destination of its own calls");
  // The service's own parser has the last word: what it refuses, refuse here.
  const CallRequestResult parsed =
      parse_call_argument(request.chain + "+" + request.target + "+" + request.service);
  if (!parsed.request)
    return fail("invalid service " + quoted(request.service) + ": " + parsed.error +
                " (SERVICE is [A-Za-z0-9_.-], not starting with '.' or '-', at most " +
                std::to_string(names::max_service_name) + " characters; +ARG may add '+')");
  const CallRequest& call = *parsed.request;

  result.lines.push_back({std::string(kServiceName),
                          "+" + call.chain + "+" + call.target + "+" + call.destination_call(),
                          request.source, request.proxy, "allow"});
  result.lines.push_back({call.service, call.service_argument ? "+" + *call.service_argument : "*",
                          request.proxy, call.target, "allow"});
  return result;
}

}  // namespace qrexec_proxy::admin
