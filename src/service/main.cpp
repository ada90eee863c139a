// qrexec-proxy: the qrexec service run in the proxy qube for each call of
// qrexec-proxy+CHAIN+DST+SERVICE[+ARG]. It takes no options.
#include "service/service.hpp"

int main(int argc, char** argv) {
  return qrexec_proxy::run_service(argc, argv);
}
