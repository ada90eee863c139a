// The call a source qube asks for: qrexec-proxy+CHAIN+DST+SERVICE[+ARG].
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace qrexec_proxy {

// A validated request. Every field has passed the Qubes naming rules.
struct CallRequest {
  std::string chain;
  std::string target;
  std::string service;
  std::optional<std::string> service_argument;  // present when REST had a '+'

  // What the destination is called with: SERVICE or SERVICE+ARG.
  std::string destination_call() const;
};

struct CallRequestResult {
  std::optional<CallRequest> request;
  std::string error;  // why it was refused; for the journal, never the caller
};

// Splits CHAIN+DST+REST on the first two '+' (REST is SERVICE[+ARG]) and
// validates each part. The argument is data: a leading '-' is just a
// character that fails validation.
CallRequestResult parse_call_argument(std::string_view untrusted_argument);

// Where the argument comes from: argv[1] when given and non-empty (qrexec
// passes it only then), else QREXEC_SERVICE_ARGUMENT.
std::optional<std::string_view> find_call_argument(int argc, const char* const* argv,
                                                   const char* untrusted_env_argument);

}  // namespace qrexec_proxy
