#include "core/process_setup.hpp"

#include <csignal>

#include <fcntl.h>
#include <sys/signalfd.h>
#include <unistd.h>

namespace qrexec_proxy {

UniqueFd block_termination_signals() {
  ::signal(SIGPIPE, SIG_IGN);
  sigset_t termination;
  sigemptyset(&termination);
  sigaddset(&termination, SIGTERM);
  sigaddset(&termination, SIGINT);
  sigaddset(&termination, SIGHUP);
  ::sigprocmask(SIG_BLOCK, &termination, nullptr);
  return UniqueFd(::signalfd(-1, &termination, SFD_CLOEXEC | SFD_NONBLOCK));
}

UniqueFd prepare_service_process() {
  ::close_range(3, ~0U, 0);
  const int null = ::open("/dev/null", O_RDWR | O_CLOEXEC);
  if (null >= 0) {
    for (int fd = 0; fd <= 1; ++fd)
      if (::fcntl(fd, F_GETFD) < 0) ::dup2(null, fd);
    ::dup2(null, 2);
    if (null > 2) ::close(null);
  }
  return block_termination_signals();
}

}  // namespace qrexec_proxy
