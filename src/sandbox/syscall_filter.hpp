// The service's seccomp filter: once a call is set up, the process may only
// move bytes, wait, keep time, log, and stop its own destination. Anything
// else kills it (README: "Threat model").
//
// When: after the destination has been spawned (a filter is inherited across
// execve, and the destination must not run under ours) and after every
// descriptor, buffer and admission check of the call exists (those need
// wider calls: open, mmap of memfds, epoll_ctl, posix_spawn...).
//
// The allow-list itself, one group per need with the reason, is in
// syscall_allow_list.cpp; see there for how to extend it. It is compiled at
// build time; a call only fills in its pids and loads the program.
#pragma once

#include <span>
#include <string>
#include <vector>

#include <linux/filter.h>
#include <sys/types.h>

namespace qrexec_proxy {

// Sets PR_SET_NO_NEW_PRIVS (a filter needs it; it is normally set already
// by prepare_service_process) and installs the filter for this process.
// `children` (the destination, and the filter programs of exec plugins) are
// the only processes the call may signal and reap. Returns an error message,
// or an empty string once the filter is in force.
std::string install_syscall_filter(std::span<const pid_t> children);

// The program install_syscall_filter loads: the compiled allow-list, where
// signalling and waiting name `self` or one of `children` only.
std::vector<sock_filter> assemble_syscall_filter(pid_t self, std::span<const pid_t> children);

}  // namespace qrexec_proxy
