// The system calls of the allow-list whose allowed arguments are the call's
// own processes: their pids are known only once the call has spawned them,
// while the allow-list is compiled once, at build time
// (src/sandbox/allow_list/syscall_allow_list.cpp). The compiled program returns a marker
// for each of these calls; install_syscall_filter replaces every marker
// return with a jump to a check of the actual pids (syscall_filter.cpp).
#pragma once

#include <cstdint>

#include <linux/seccomp.h>

namespace qrexec_proxy {

enum class PidCheck : std::uint16_t {
  signal_child = 1,  // kill(): a child, or its process group (-child)
  wait_for_child,    // wait4(): a child
  waitid_child,      // waitid(P_PID, child)
  signal_self,       // tgkill(): this process only (abort(), raise())
};

struct PidCheckedCall {
  const char* syscall;
  PidCheck check;
};

inline constexpr PidCheckedCall kPidCheckedCalls[] = {
    {"kill", PidCheck::signal_child},
    {"wait4", PidCheck::wait_for_child},
    {"waitid", PidCheck::waitid_child},
    {"tgkill", PidCheck::signal_self},
};

// The marker is a SECCOMP_RET_TRACE return: were one ever left in place,
// with no tracer attached the kernel fails the call with ENOSYS.
constexpr std::uint32_t marker_of(PidCheck check) {
  return SECCOMP_RET_TRACE | static_cast<std::uint16_t>(check);
}

}  // namespace qrexec_proxy
