// Exit statuses of the qrexec-proxy service (README: "Exit status").
#pragma once

namespace qrexec_proxy::exit_status {

// A plugin aborted a running call (timeout, filter, ...). Distinct from the
// qrexec statuses below and from 128+N (a destination killed by signal N).
inline constexpr int aborted = 124;
// Configuration or internal error of the proxy.
inline constexpr int internal_error = 125;
// The proxy refused the call: bad argument, unknown chain, or a plugin's
// admission check. The destination was never contacted.
inline constexpr int refused = 126;
// The proxy was told to stop (SIGTERM, SIGINT, SIGHUP): 128 + SIGTERM.
inline constexpr int terminated = 143;

}  // namespace qrexec_proxy::exit_status
