// qrexec-proxy-admin: chains, plugins, config checks, dom0 policy lines,
// local runs and call logs of qrexec-proxy. See qrexec-proxy-admin(1).
#include "admin/cli.hpp"

int main(int argc, char** argv) {
  return qrexec_proxy::admin::run_admin(argc, argv);
}
