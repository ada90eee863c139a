// The allow-list. Every system call the service makes after set-up must be
// in one of the groups below; anything else kills the process (SIGSYS), so
// that code smuggled in through a bug can do no more than the proxy itself.
//
// Compiled once, at build time: filter_compiler.cpp, beside it, turns it into a BPF
// program with libseccomp, and the service loads that program with the pids
// of the call's processes filled in (syscall_filter.cpp, syscall_pid_checks.hpp),
// which costs it microseconds instead of building the filter at every call.
//
// Extending it: a plugin or engine service that needs a call at run time
// adds it to the group that matches its reason, or adds a group with a
// comment saying who needs it and why, with argument conditions where they
// narrow it (see `int_arg_is`). Prefer doing wide work before the filter:
// plugins open files, load libraries and start helper processes in on_start
// (or the engine does it for them at set-up), and only use the resulting
// descriptors later. tests/sandbox/syscall_filter_test.cpp and the end-to-end
// tests run every code path of the engine under the filter.
#include "sandbox/allow_list/syscall_allow_list.hpp"

#include "sandbox/syscall_pid_checks.hpp"

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <set>

#include <fcntl.h>
#include <linux/sockios.h>
#include <seccomp.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

namespace qrexec_proxy {
namespace {

struct Rule {
  const char* syscall;
  std::vector<scmp_arg_cmp> conditions = {};  // all must hold; none: any arguments
};

struct Group {
  const char* why;  // documentation only
  std::vector<Rule> rules;
};

// An int argument equals `value`. Only the low 32 bits are compared: the
// kernel ignores the rest, and a negative int may arrive sign-extended.
scmp_arg_cmp int_arg_is(unsigned arg, std::int64_t value) {
  return {arg, SCMP_CMP_MASKED_EQ, 0xffffffffULL, static_cast<std::uint32_t>(value)};
}

// None of `bits` is set in the argument.
scmp_arg_cmp lacks_bits(unsigned arg, std::uint64_t bits) {
  return {arg, SCMP_CMP_MASKED_EQ, bits, 0};
}

std::vector<Group> allowed_groups() {
  return {
      {"The call's bytes: splice for the zero-copy path, read/write for in-memory fifos, "
       "the children's stderr and the signalfd.",
       {{"read"}, {"readv"}, {"write"}, {"writev"}, {"splice"}}},

      {"Waiting: the event loop, and stop_children waiting on the pidfds.",
       {{"epoll_wait"}, {"epoll_pwait"}, {"epoll_pwait2"}, {"poll"}, {"ppoll"}}},

      {"Descriptors already open: ending a direction (shutdown, or dup2 of /dev/null over a "
       "non-socket stdout), restoring the caller's flags, closing, their metadata, the "
       "bytes waiting in a socket (FIONREAD, to tell a full pipe from an empty sender), and "
       "the error the kernel left on the caller's socket when it went away (SO_ERROR, read "
       "when poll() reports POLLERR: a caller that closes with bytes unread leaves "
       "ECONNRESET there).",
       {{"close"},
        {"shutdown"},
        // Only the commands the engine uses: no F_SETOWN, F_SETSIG or O_ASYNC, which
        // would have the kernel signal another process on our behalf.
        {"fcntl", {int_arg_is(1, F_GETFL)}},
        {"fcntl", {int_arg_is(1, F_SETFL), lacks_bits(2, O_ASYNC)}},
        {"fcntl", {int_arg_is(1, F_GETFD)}},
        {"fcntl", {int_arg_is(1, F_ADD_SEALS)}},
        {"dup2"},
        {"dup3"},
        {"fstat"},
        {"newfstatat"},
        {"ioctl", {int_arg_is(1, FIONREAD)}},
        {"getsockopt", {int_arg_is(1, SOL_SOCKET), int_arg_is(2, SO_ERROR)}}}},

      {"Time: timers and durations (normally the vDSO; the calls are the fallback), and "
       "short sleeps.",
       {{"clock_gettime"}, {"gettimeofday"}, {"clock_nanosleep"}, {"nanosleep"}}},

      {"Memory: malloc and free, never executable.",
       {{"brk"},
        {"mmap", {lacks_bits(2, PROT_EXEC)}},
        {"mprotect", {lacks_bits(2, PROT_EXEC)}},
        {"munmap"},
        {"mremap"},
        {"madvise"}}},

      {"The journal (log/journal.cpp): records are datagrams sent on the socket the journal "
       "made before the filter (no new socket: one could forge records under another "
       "identifier); records too large for one datagram go in a sealed memfd passed with "
       "SCM_RIGHTS. Before the process exits, it waits until journald has taken them "
       "(SIOCOUTQ), so that journald attributes them to this program.",
       {{"sendto"},
        {"sendmsg"},
        {"memfd_create"},
        {"ioctl", {int_arg_is(1, SIOCOUTQ)}},
        {"prctl", {int_arg_is(0, PR_GET_NAME)}}}},

      {"Signals and the end of the process: the signal mask, abort() on a broken invariant "
       "(signals this process only: syscall_pid_checks.hpp), exit.",
       {{"rt_sigprocmask"},
        {"rt_sigaction"},
        {"rt_sigreturn"},
        {"restart_syscall"},
        {"getpid"},
        {"gettid"},
        {"exit"},
        {"exit_group"}}},

      {"Plugins: random numbers from the kernel's CSPRNG (random delays), and the C++ "
       "runtime's locks.",
       {{"getrandom"}, {"futex"}}},

#ifdef QREXEC_PROXY_SANITIZE
      {"Sanitizer builds only (tests): writing reports to their log files, checking that "
       "memory is readable (through a pipe), and the leak check at exit, which stops the "
       "process with a ptrace helper.",
       {{"open"},
        {"openat"},
        {"stat"},
        {"lstat"},
        {"getdents"},
        {"getdents64"},
        {"readlink"},
        {"pipe"},
        {"pipe2"},
        {"clone"},
        {"ptrace"},
        {"wait4"},
        {"prctl"},
        {"ioctl"},
        {"getppid"},
        {"sched_yield"},
        {"sigaltstack"},
        {"lseek"}}},
#endif
  };
}

// Calls that reach for the file system. Refused with EPERM rather than
// killing the process: a plugin touching shared state from a late callback
// gets an error it can fail closed on, and the call ends with a record.
std::vector<const char*> refused_with_eperm() {
  return {
      "open",
      "openat",
      "openat2",
      "creat",
      "mkdir",
      "mkdirat",
      "unlink",
      "unlinkat",
      "rename",
      "renameat",
      "renameat2",
      "statx",
      "access",
      "faccessat",
      "faccessat2",
      "readlink",
      "readlinkat",
      "truncate",
#ifdef QREXEC_PROXY_SANITIZE
      // Sanitizer builds: the runtime then writes its reports unsymbolized
      // instead of starting llvm-symbolizer (whose execve would be killed).
      "fork",
      "vfork",
#endif
  };
}

class FilterContext {
 public:
  FilterContext() : context_(::seccomp_init(SCMP_ACT_KILL_PROCESS)) {}
  ~FilterContext() {
    if (context_ != nullptr) ::seccomp_release(context_);
  }
  FilterContext(const FilterContext&) = delete;
  FilterContext& operator=(const FilterContext&) = delete;
  scmp_filter_ctx get() const { return context_; }

 private:
  scmp_filter_ctx context_;
};

std::string failure(const char* what, int result) {
  return std::string(what) + ": " + std::strerror(-result);
}

std::string add_rules(scmp_filter_ctx filter) {
  // Another ABI (x32, i386 on x86_64) would bypass a filter keyed on the
  // native call numbers: kill on those too.
  if (const int result = ::seccomp_attr_set(filter, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS);
      result < 0)
    return failure("seccomp_attr_set(ACT_BADARCH)", result);
  // A binary search over the call numbers rather than a linear scan: every
  // splice() and epoll_wait() of the data path runs the program.
  if (const int result = ::seccomp_attr_set(filter, SCMP_FLTATR_CTL_OPTIMIZE, 2); result < 0)
    return failure("seccomp_attr_set(CTL_OPTIMIZE)", result);

  std::set<int> allowed_always;  // allowed whatever the arguments
  std::set<int> allowed;
  for (const auto& group : allowed_groups()) {
    for (const auto& rule : group.rules) {
      const int number = ::seccomp_syscall_resolve_name(rule.syscall);
      if (number < 0) continue;  // not a call of this architecture
      allowed.insert(number);
      if (rule.conditions.empty()) allowed_always.insert(number);
      const int result = ::seccomp_rule_add_array(
          filter, SCMP_ACT_ALLOW, number, static_cast<unsigned>(rule.conditions.size()),
          rule.conditions.empty() ? nullptr : rule.conditions.data());
      if (result < 0) return failure(rule.syscall, result);
    }
  }
  for (const auto& call : kPidCheckedCalls) {
    const int number = ::seccomp_syscall_resolve_name(call.syscall);
    if (number < 0) continue;
    if (allowed_always.contains(number)) continue;  // sanitizer builds: wait4
    if (allowed.contains(number)) return std::string(call.syscall) + ": also in a group";
    const int result = ::seccomp_rule_add(filter, marker_of(call.check), number, 0);
    if (result < 0) return failure(call.syscall, result);
    allowed.insert(number);
  }
  for (const char* name : refused_with_eperm()) {
    const int number = ::seccomp_syscall_resolve_name(name);
    if (number < 0 || allowed.contains(number)) continue;
    const int result = ::seccomp_rule_add(filter, SCMP_ACT_ERRNO(EPERM), number, 0);
    if (result < 0) return failure(name, result);
  }
  return {};
}

}  // namespace

CompiledAllowList compile_allow_list() {
  CompiledAllowList compiled;
  FilterContext filter;
  if (filter.get() == nullptr) {
    compiled.error = "seccomp_init failed";
    return compiled;
  }
  compiled.error = add_rules(filter.get());
  if (!compiled.error.empty()) return compiled;

  const int memory = ::memfd_create("allow-list", MFD_CLOEXEC);
  if (memory < 0) {
    compiled.error = std::string("memfd_create: ") + std::strerror(errno);
    return compiled;
  }
  if (const int result = ::seccomp_export_bpf(filter.get(), memory); result < 0) {
    compiled.error = failure("seccomp_export_bpf", result);
    ::close(memory);
    return compiled;
  }
  const off_t size = ::lseek(memory, 0, SEEK_END);
  if (size <= 0 || size % static_cast<off_t>(sizeof(sock_filter)) != 0) {
    compiled.error = "seccomp_export_bpf wrote " + std::to_string(size) + " bytes";
    ::close(memory);
    return compiled;
  }
  compiled.program.resize(static_cast<std::size_t>(size) / sizeof(sock_filter));
  const ssize_t got = ::pread(memory, compiled.program.data(), static_cast<std::size_t>(size), 0);
  ::close(memory);
  if (got != size) {
    compiled.program.clear();
    compiled.error = "cannot read the exported program back";
  }
  return compiled;
}

}  // namespace qrexec_proxy
