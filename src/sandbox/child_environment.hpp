// The environment of every process the service starts: qrexec-client-vm
// and the exec plugin's filter programs. It is built from an allow-list,
// never inherited whole: qrexec-agent starts the service through a login
// shell with variables of the calling qube's request (the target keyword it
// asked for, ...), and the proxy qube user's profile may export anything
// (LD_PRELOAD, a PATH of its own). A child gets a fixed PATH and only the
// variables that describe the user and the locale.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace qrexec_proxy {

// The PATH every child gets: the system's programs only.
inline constexpr std::string_view kChildPath = "/usr/local/bin:/usr/bin:/bin";

// `NAME=value` entries of `environment` (the service's own, as environ
// holds it) that a child may see, and PATH=kChildPath. A test build also
// passes what the qrexec emulation and the sanitizers need.
std::vector<std::string> child_environment(const char* const* environment);
// The same for the service's own environment.
std::vector<std::string> child_environment();

}  // namespace qrexec_proxy
