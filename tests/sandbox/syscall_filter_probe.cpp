// A small program for syscall_filter_test: it installs the service's
// syscall filter exactly as the service does, then does one thing the
// test names. Exit 0: it did it and survived; 1: something else went
// wrong (the reason on stderr); death by SIGSYS: the filter killed it.
#include "log/journal.hpp"
#include "sandbox/syscall_filter.hpp"

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <fcntl.h>
#include <spawn.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace {

int fail(const std::string& why) {
  std::fprintf(stderr, "%s: %s\n", why.c_str(), std::strerror(errno));
  return 1;
}

pid_t spawn_sleeper() {
  pid_t pid = -1;
  // Not our stdout and stderr: the test waits for their end.
  posix_spawn_file_actions_t actions;
  ::posix_spawn_file_actions_init(&actions);
  for (int fd = 0; fd <= 2; ++fd)
    ::posix_spawn_file_actions_addopen(&actions, fd, "/dev/null", O_RDWR, 0);
  posix_spawnattr_t attributes;
  ::posix_spawnattr_init(&attributes);
  ::posix_spawnattr_setpgroup(&attributes, 0);
  ::posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETPGROUP);
  char sleep_path[] = "/bin/sleep";
  char seconds[] = "60";
  char* argv[] = {sleep_path, seconds, nullptr};
  if (::posix_spawn(&pid, argv[0], &actions, &attributes, argv, environ) != 0) pid = -1;
  ::posix_spawnattr_destroy(&attributes);
  ::posix_spawn_file_actions_destroy(&actions);
  return pid;
}

// A call's children: the destination and, here, two filter programs.
using Children = std::vector<pid_t>;

// What the engine does once the call runs: move bytes, wait, log, allocate,
// refuse to open files, and stop its children.
int engine_work(const Children& children) {
  int in[2], out[2];
  if (::pipe2(in, O_CLOEXEC | O_NONBLOCK) != 0 || ::pipe2(out, O_CLOEXEC | O_NONBLOCK) != 0)
    return fail("pipe2");
  int caller[2];  // a caller's socket, as stdin and stdout are
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, caller) != 0) return fail("socketpair");
  const int epoll = ::epoll_create1(EPOLL_CLOEXEC);
  epoll_event event{};
  event.events = EPOLLIN;
  if (epoll < 0 || ::epoll_ctl(epoll, EPOLL_CTL_ADD, in[0], &event) != 0) return fail("epoll");
  qrexec_proxy::Journal journal;
  journal.send(qrexec_proxy::Priority::debug, "test", "syscall filter probe: before the filter");

  if (const std::string error = qrexec_proxy::install_syscall_filter(children); !error.empty()) {
    std::fprintf(stderr, "install_syscall_filter: %s\n", error.c_str());
    return 1;
  }

  // What the engine still does to descriptors: flags (non-blocking, and
  // restored at the end), seals of a journal record's memfd, and the error
  // a caller's socket holds once it has gone.
  const int flags = ::fcntl(in[0], F_GETFL);
  if (flags < 0 || ::fcntl(in[0], F_SETFL, flags & ~O_NONBLOCK) != 0 ||
      ::fcntl(in[0], F_SETFL, flags) != 0)
    return fail("fcntl(F_GETFL/F_SETFL)");
  int socket_error = -1;
  socklen_t length = sizeof socket_error;
  if (::getsockopt(caller[0], SOL_SOCKET, SO_ERROR, &socket_error, &length) != 0 ||
      socket_error != 0)
    return fail("getsockopt(SO_ERROR)");
  if (::write(in[1], "bytes", 5) != 5) return fail("write");
  epoll_event ready[2];
  if (::epoll_wait(epoll, ready, 2, 1000) != 1) return fail("epoll_wait");
  if (::splice(in[0], nullptr, out[1], nullptr, 5, SPLICE_F_NONBLOCK) != 5) return fail("splice");
  char buffer[8];
  if (::read(out[0], buffer, sizeof buffer) != 5) return fail("read");
  // Allocations small and large (brk and mmap), and a large record that
  // does not fit one datagram (the journal passes it in a memfd).
  std::vector<std::string> blocks;
  for (int i = 0; i < 64; ++i) blocks.emplace_back(std::size_t{1} << (i % 24), 'x');
  blocks.clear();
  journal.send(qrexec_proxy::Priority::debug, "test", std::string(16 * 1024 * 1024, 'y'));
  journal.send(qrexec_proxy::Priority::debug, "test", "syscall filter probe: after the filter");
#ifndef QREXEC_PROXY_SANITIZE  // sanitizer builds open their report files
  // Files are refused softly.
  errno = 0;
  if (::open("/etc/hostname", O_RDONLY | O_CLOEXEC) >= 0 || errno != EPERM)
    return fail("open was not refused with EPERM");
#endif
  // Each child: signal it and its group, wait for it without collecting it,
  // kill what is left, collect it.
  for (const pid_t child : children) {
    if (::kill(child, 0) != 0 || ::kill(-child, SIGTERM) != 0) return fail("kill");
    siginfo_t info{};
    if (::waitid(P_PID, static_cast<id_t>(child), &info, WEXITED | WNOWAIT) != 0)
      return fail("waitid");
    ::kill(-child, SIGKILL);
    int status = 0;
    if (::waitpid(child, &status, 0) != child) return fail("waitpid");
  }
  ::close(epoll);
  for (const int fd : {in[0], in[1], out[0], out[1], caller[0], caller[1]}) ::close(fd);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s MODE\n", argv[0]);
    return 2;
  }
  const std::string_view mode = argv[1];
  Children children;
  for (int i = 0; i < 3; ++i) {
    children.push_back(spawn_sleeper());
    if (children.back() < 0) return fail("posix_spawn");
  }
  auto filter = [&] {
    const std::string error = qrexec_proxy::install_syscall_filter(children);
    if (!error.empty()) std::fprintf(stderr, "install_syscall_filter: %s\n", error.c_str());
    return error.empty();
  };
  auto survive = [&] {
    for (const pid_t child : children) {
      ::kill(-child, SIGKILL);
      ::waitpid(child, nullptr, 0);
    }
    return 0;
  };

  if (mode == "engine") return engine_work(children);
  // Calls that must kill: each works without the filter ("MODE-unfiltered").
  const bool filtered = !mode.ends_with("-unfiltered");
  const std::string_view call = filtered ? mode : mode.substr(0, mode.size() - 11);
  if (filtered && !filter()) return 1;
  if (call == "socket-inet") {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return fail("socket");
    ::close(fd);
  } else if (call == "socket-unix-datagram") {
    // A new datagram socket could send records to the journal under any
    // identifier: the journal's own socket is made before the filter.
    const int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return fail("socket");
    ::close(fd);
  } else if (call == "fcntl-setown") {
    // The kernel would signal another process for us on I/O.
    if (::fcntl(0, F_SETOWN, ::getppid()) != 0) return fail("fcntl(F_SETOWN)");
  } else if (call == "fcntl-setsig") {
    if (::fcntl(0, F_SETSIG, SIGUSR1) != 0) return fail("fcntl(F_SETSIG)");
  } else if (call == "fcntl-async") {
    const int flags = ::fcntl(0, F_GETFL);
    if (flags < 0 || ::fcntl(0, F_SETFL, flags | O_ASYNC) != 0) return fail("fcntl(O_ASYNC)");
    ::fcntl(0, F_SETFL, flags);
  } else if (call == "kill-other") {
    // Only the call's children may be signalled: not our parent, say.
    if (::kill(::getppid(), 0) != 0) return fail("kill");
  } else if (call == "kill-other-group") {
    if (::kill(-::getpgrp(), 0) != 0) return fail("kill");
  } else if (call == "wait-other") {
    // Only the children may be waited for (unfiltered: not our child).
    if (::wait4(::getppid(), nullptr, WNOHANG, nullptr) != -1 || errno != ECHILD)
      return fail("wait4");
  } else if (call == "wait-any") {
    if (::wait4(-1, nullptr, WNOHANG, nullptr) != 0) return fail("wait4");
  } else if (call == "waitid-other") {
    siginfo_t info{};
    if (::waitid(P_PID, static_cast<id_t>(::getppid()), &info, WEXITED | WNOHANG) != -1 ||
        errno != ECHILD)
      return fail("waitid");
  } else if (call == "waitid-any") {
    siginfo_t info{};
    if (::waitid(P_ALL, 0, &info, WEXITED | WNOHANG) != 0) return fail("waitid");
  } else if (call == "signal-other-thread-group") {
    // tgkill names this process only: the parent's main thread is refused.
    if (::syscall(SYS_tgkill, ::getppid(), ::getppid(), 0) != 0) return fail("tgkill");
  } else if (call == "abort") {
    std::abort();  // tgkill() of this process: SIGABRT, not SIGSYS
  } else if (call == "exec") {
    char true_path[] = "/bin/true";
    char* args[] = {true_path, nullptr};
    pid_t child = -1;
    if (::posix_spawn(&child, args[0], nullptr, nullptr, args, environ) != 0)
      return fail("posix_spawn");
    ::waitpid(child, nullptr, 0);
  } else if (call == "executable-memory") {
    void* code = ::mmap(nullptr, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (code == MAP_FAILED) return fail("mmap");
    ::munmap(code, 4096);
  } else {
    std::fprintf(stderr, "unknown mode %s\n", argv[1]);
    return 2;
  }
  return survive();
}
