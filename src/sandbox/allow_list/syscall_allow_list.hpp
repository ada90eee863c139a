// The service's seccomp allow-list, compiled to a BPF program with
// libseccomp. Used at build time only (filter_compiler.cpp, beside it); the service
// loads the result (syscall_filter.hpp).
#pragma once

#include <string>
#include <vector>

#include <linux/filter.h>

namespace qrexec_proxy {

struct CompiledAllowList {
  std::vector<sock_filter> program;  // empty on error
  std::string error;
};

// The program: the architecture check, then every group of the allow-list;
// each call of kPidCheckedCalls returns its marker (syscall_pid_checks.hpp).
CompiledAllowList compile_allow_list();

}  // namespace qrexec_proxy
