#include "sandbox/process_setup.hpp"

#include <csignal>
#include <cstdlib>
#include <string_view>

#include <dirent.h>
#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <unistd.h>

namespace qrexec_proxy {
namespace {

// Every descriptor above 2 goes: whatever qrexec-agent, a PAM module or a
// library left open must reach neither the proxy's work nor the destination.
void close_inherited_descriptors() {
  if (::close_range(3, ~0U, 0) == 0) return;
  // Kernels before 5.9 lack close_range: close what /proc lists.
  DIR* listing = ::opendir("/proc/self/fd");
  if (listing == nullptr) {
    for (int fd = 3; fd < 65536; ++fd) ::close(fd);
    return;
  }
  const int own = ::dirfd(listing);
  while (const dirent* entry = ::readdir(listing)) {
    const std::string_view name = entry->d_name;
    if (name == "." || name == "..") continue;
    const int fd = std::atoi(entry->d_name);
    if (fd > 2 && fd != own) ::close(fd);
  }
  ::closedir(listing);
}

}  // namespace

UniqueFd block_termination_signals() {
  ::signal(SIGPIPE, SIG_IGN);
  sigset_t termination;
  sigemptyset(&termination);
  sigaddset(&termination, SIGTERM);
  sigaddset(&termination, SIGINT);
  sigaddset(&termination, SIGHUP);
  // Not an ending: qrexec-proxy-admin stop asks the call to read its
  // registry entry (engine/call_control.cpp).
  sigaddset(&termination, SIGUSR1);
  ::sigprocmask(SIG_BLOCK, &termination, nullptr);
  return UniqueFd(::signalfd(-1, &termination, SFD_CLOEXEC | SFD_NONBLOCK));
}

UniqueFd prepare_service_process() {
  close_inherited_descriptors();
  const int null = ::open("/dev/null", O_RDWR | O_CLOEXEC);
  if (null >= 0) {
    for (int fd = 0; fd <= 1; ++fd)
      if (::fcntl(fd, F_GETFD) < 0) ::dup2(null, fd);
    ::dup2(null, 2);
    if (null > 2) ::close(null);
  }
  // Neither the proxy nor anything it starts can gain privileges (setuid
  // binaries, file capabilities); the syscall filter needs it as well.
  ::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
  return block_termination_signals();
}

}  // namespace qrexec_proxy
