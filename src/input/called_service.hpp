// Which service qrexec-agent runs this program as. The agent names it in
// QREXEC_SERVICE_FULL_NAME (NAME or NAME+ARG, as the caller asked, the
// argument sanitised by dom0); without it, the program's own name (the
// base name of argv[0]: the entry the agent found) and the argument as the
// agent passes it. `qrexec-proxy` is the explicit way in; any other name
// is a call redirected to this qube by dom0, for a route to take.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace qrexec_proxy {

inline constexpr std::string_view kProxyServiceName = "qrexec-proxy";

// A validated service name and argument.
struct CalledService {
  std::string name;
  std::optional<std::string> argument;  // present when the name had a '+'

  bool is_proxy() const { return name == kProxyServiceName; }
  // NAME or NAME+ARG: how the destination is called.
  std::string full_name() const;
};

struct CalledServiceResult {
  std::optional<CalledService> service;
  std::string error;  // why it is not a valid name; for the journal only
};

// Splits NAME[+ARG] on its first '+' and checks both parts against the
// Qubes naming rules.
CalledServiceResult parse_called_service(std::string_view untrusted_full_name);

// The full name to parse: QREXEC_SERVICE_FULL_NAME when set and not empty,
// else the base name of argv[0], with "+" and the argument (argv[1], else
// QREXEC_SERVICE_ARGUMENT) when it has none of its own and one is given.
std::optional<std::string> find_called_service(int argc, const char* const* argv,
                                               const char* untrusted_env_full_name,
                                               const char* untrusted_env_argument);

}  // namespace qrexec_proxy
