// The qrexec-proxy service, from argv and environment to exit status, and
// the steps it shares with `qrexec-proxy-admin run`.
#pragma once

#include "config/config.hpp"
#include "config/settings.hpp"
#include "engine/call.hpp"
#include "log/journal.hpp"

#include <string>
#include <vector>

namespace qrexec_proxy {

// main() of the service. Reads argv[1] or QREXEC_SERVICE_ARGUMENT and
// QREXEC_REMOTE_DOMAIN; writes nothing but proxied bytes.
int run_service(int argc, char** argv);

// Creates the chain's plugins, takes one of the proxy's max_calls slots
// (or refuses the call), runs the call with `destination_argv` as the
// destination, and writes the start and summary records. `lock_down` as in
// Call::run (the service passes its syscall filter).
CallResult run_chain(const ChainConfig& chain, const ProxySettings& proxy, const CallInfo& info,
                     SourceEndpoint source, const std::vector<std::string>& destination_argv,
                     const Settings& settings, Journal& journal, int signal_fd,
                     const LockDown& lock_down = {});

}  // namespace qrexec_proxy
