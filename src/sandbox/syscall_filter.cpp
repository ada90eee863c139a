// Loading the filter for one call: the allow-list compiled at build time
// (syscall_allow_list.cpp), with its marker returns (syscall_pid_checks.hpp)
// turned into jumps to checks of this call's pids, appended here. The
// appended checks are the only BPF written by hand; each compares one
// argument with a list of values, two instructions per value, so that no
// conditional jump ever reaches past its 255-instruction range.
#include "sandbox/syscall_filter.hpp"

#include "sandbox/syscall_pid_checks.hpp"

#include <array>
#include <bit>
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

namespace qrexec_proxy {
namespace {

#include "sandbox/syscall_allow_list_program.inc"

// Where the low 32 bits of argument `index` are in seccomp_data. Int
// arguments (pids, idtype) are compared there only: the kernel ignores the
// upper half, and a negative int may arrive sign-extended.
constexpr std::uint32_t low_word_of_argument(unsigned index) {
  return static_cast<std::uint32_t>(offsetof(seccomp_data, args) + 8 * index +
                                    (std::endian::native == std::endian::big ? 4 : 0));
}

class ProgramBuilder {
 public:
  explicit ProgramBuilder(std::size_t reserve) { program_.reserve(reserve); }

  std::size_t size() const { return program_.size(); }
  std::vector<sock_filter>& program() { return program_; }

  void load_argument(unsigned index) {
    add(BPF_STMT(BPF_LD | BPF_W | BPF_ABS, low_word_of_argument(index)));
  }
  // Allowed if the loaded word is one of `values`.
  void allow_if_one_of(const std::vector<std::uint32_t>& values) {
    for (const std::uint32_t value : values) {
      add(BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, value, 0, 1));
      add(BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW));
    }
  }
  // Goes on only if the loaded word is `value`.
  void require(std::uint32_t value) {
    add(BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, value, 1, 0));
    kill();
  }
  void kill() { add(BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS)); }

 private:
  void add(sock_filter instruction) { program_.push_back(instruction); }
  std::vector<sock_filter> program_;
};

std::vector<std::uint32_t> words(std::span<const pid_t> pids, bool with_groups) {
  std::vector<std::uint32_t> result;
  for (const pid_t pid : pids) {
    result.push_back(static_cast<std::uint32_t>(pid));
    if (with_groups) result.push_back(static_cast<std::uint32_t>(-pid));
  }
  return result;
}

void append_check(ProgramBuilder& builder, PidCheck check, pid_t self,
                  std::span<const pid_t> children) {
  switch (check) {
    case PidCheck::signal_child:
      builder.load_argument(0);
      builder.allow_if_one_of(words(children, true));
      break;
    case PidCheck::wait_for_child:
      builder.load_argument(0);
      builder.allow_if_one_of(words(children, false));
      break;
    case PidCheck::waitid_child:
      builder.load_argument(0);
      builder.require(P_PID);
      builder.load_argument(1);
      builder.allow_if_one_of(words(children, false));
      break;
    case PidCheck::signal_self:
      builder.load_argument(0);
      builder.allow_if_one_of({static_cast<std::uint32_t>(self)});
      break;
  }
  builder.kill();
}

// A jump from instruction `from` to instruction `to` (later).
sock_filter jump(std::size_t from, std::size_t to) {
  return BPF_JUMP(BPF_JMP | BPF_JA | BPF_K, static_cast<std::uint32_t>(to - from - 1), 0, 0);
}

}  // namespace

std::vector<sock_filter> assemble_syscall_filter(pid_t self, std::span<const pid_t> children) {
  const std::size_t checks_size = 16 + 8 * children.size();
  ProgramBuilder builder(std::size(kAllowListProgram) + checks_size);
  builder.program().assign(std::begin(kAllowListProgram), std::end(kAllowListProgram));
  const std::size_t allow_list_end = builder.size();

  std::array<std::size_t, std::size(kPidCheckedCalls) + 1> check_start{};
  for (const auto& call : kPidCheckedCalls) {
    check_start[static_cast<std::size_t>(call.check)] = builder.size();
    append_check(builder, call.check, self, children);
  }
  std::vector<sock_filter>& program = builder.program();
  for (std::size_t at = 0; at < allow_list_end; ++at) {
    if (program[at].code != (BPF_RET | BPF_K)) continue;
    for (const auto& call : kPidCheckedCalls)
      if (program[at].k == marker_of(call.check))
        program[at] = jump(at, check_start[static_cast<std::size_t>(call.check)]);
  }
  return program;
}

std::string install_syscall_filter(std::span<const pid_t> children) {
  if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
    return std::string("PR_SET_NO_NEW_PRIVS: ") + std::strerror(errno);
  std::vector<sock_filter> program = assemble_syscall_filter(::getpid(), children);
  if (program.size() > BPF_MAXINSNS)
    return "the filter for " + std::to_string(children.size()) + " processes is too large";
  const sock_fprog loadable{static_cast<unsigned short>(program.size()), program.data()};
  if (::syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &loadable) != 0)
    return std::string("seccomp(SECCOMP_SET_MODE_FILTER): ") + std::strerror(errno);
  return {};
}

}  // namespace qrexec_proxy
