// The two dom0 policy lines (format v5) that let a source qube call a
// destination's service through this proxy qube:
//   qrexec-proxy  +CHAIN+DST+SVC[+ARG]  SRC    PROXY  allow
//   SVC           +ARG or *             PROXY  DST    allow
#pragma once

#include <array>
#include <string>
#include <vector>

namespace qrexec_proxy::admin {

struct PolicyRequest {
  std::string chain;
  std::string source;   // a qube name, @anyvm, @tag:TAG or @type:TYPE
  std::string target;   // the destination qube
  std::string service;  // SVC or SVC+ARG
  std::string proxy;    // this proxy qube
};

using PolicyLine = std::array<std::string, 5>;  // service, argument, source, target, action

struct PolicyLines {
  std::vector<PolicyLine> lines;  // both, or none when `error` says why
  std::string error;
};

// Refuses every name qrexec (or the proxy service) would refuse.
PolicyLines make_policy_lines(const PolicyRequest& request);

// A policy source other than a plain qube name: @anyvm, @tag:TAG or
// @type:TYPE.
bool is_policy_source_token(std::string_view source);

}  // namespace qrexec_proxy::admin
