// The qrexec-proxy service, from argv and environment to exit status.
#pragma once

namespace qrexec_proxy {

// main() of the service. Reads argv[1] or QREXEC_SERVICE_ARGUMENT and
// QREXEC_REMOTE_DOMAIN; writes nothing but proxied bytes.
int run_service(int argc, char** argv);

}  // namespace qrexec_proxy
