// The command line of qrexec-proxy-admin: subcommands, options and help
// (CLI11), dispatching to one function per subcommand.
#pragma once

namespace qrexec_proxy::admin {

// main() of qrexec-proxy-admin.
int run_admin(int argc, char** argv);

}  // namespace qrexec_proxy::admin
