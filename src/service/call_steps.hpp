// The steps of a call once its names are known, shared by the service and
// `qrexec-proxy-admin run`: which chain runs it (or why none may), and
// running it with its start and summary records. Each program reports a
// refusal its own way (the service only to the journal).
#pragma once

#include "config/config.hpp"
#include "config/settings.hpp"
#include "engine/call.hpp"
#include "log/journal.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace qrexec_proxy {

struct ChainChoice {
  const ChainConfig* chain = nullptr;  // the chain, when the call may run
  int exit_status = 0;                 // else: 125 (invalid config) or 126 (refused)
  std::string reason;                  // else: why
};

// The chain `chain_name` of `config` for a call to `target`: none when the
// config has any problem (fail closed: a chain may miss a restriction),
// when no chain has that name, or when the target is dom0 and the chain
// does not allow it.
ChainChoice choose_chain(const Config& config, std::string_view chain_name,
                         std::string_view target);

// Creates the chain's plugins, takes one of the proxy's max_calls slots
// (or refuses the call), runs the call with `destination_argv` as the
// destination, and writes the start and summary records. `lock_down` as in
// Call::run (the service passes its syscall filter).
CallResult run_chain(const ChainConfig& chain, const ProxySettings& proxy, const CallInfo& info,
                     SourceEndpoint source, const std::vector<std::string>& destination_argv,
                     const Settings& settings, Journal& journal, int signal_fd,
                     const LockDown& lock_down = {});

}  // namespace qrexec_proxy
