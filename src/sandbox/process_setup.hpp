// Process hygiene for the service, done first thing in main().
#pragma once

#include "io/unique_fd.hpp"

namespace qrexec_proxy {

// Closes every inherited descriptor above 2, points descriptor 2 at
// /dev/null (stderr reaches the calling qube: nothing may ever get there,
// not even a library's last words), makes sure 0 and 1 are open, sets
// PR_SET_NO_NEW_PRIVS (inherited by the destination: qrexec-client-vm needs
// no privileges either), ignores SIGPIPE, and blocks SIGTERM, SIGINT and
// SIGHUP into the returned signalfd.
UniqueFd prepare_service_process();

// Blocks SIGTERM, SIGINT, SIGHUP and SIGUSR1 (a stop request) and returns a
// signalfd for them; SIGPIPE is ignored. For programs that keep their
// descriptors (the admin CLI).
UniqueFd block_termination_signals();

}  // namespace qrexec_proxy
