// The service's syscall filter (src/sandbox/syscall_filter.cpp), installed by
// a probe program the way the service installs it: what the engine does
// once a call runs keeps working, and a call outside the allow-list kills
// the process instead of running.
#include "sandbox/syscall_filter.hpp"
#include "support/process.hpp"

#include <gtest/gtest.h>

#include <csignal>
#include <cstddef>
#include <string>
#include <vector>

#include <linux/seccomp.h>

namespace qrexec_proxy {
namespace {

constexpr int killed_by_sigsys = 128 + SIGSYS;

test::ProcessResult probe(const std::string& mode) {
  return test::run_process({QREXEC_PROXY_TEST_FILTER_PROBE, mode});
}

TEST(SyscallFilter, WhatTheEngineDoesOnceACallRunsStillWorks) {
  const test::ProcessResult result = probe("engine");
  EXPECT_EQ(result.exit_status, 0) << result.err;
}

// Each call works without the filter, so the filter is what stops it.
void expect_killed_by_the_filter_only(const std::vector<std::string>& calls) {
  for (const std::string& call : calls) {
    SCOPED_TRACE(call);
    const test::ProcessResult unfiltered = probe(call + "-unfiltered");
    EXPECT_EQ(unfiltered.exit_status, 0) << unfiltered.err;
    const test::ProcessResult filtered = probe(call);
    EXPECT_EQ(filtered.exit_status, killed_by_sigsys) << filtered.err;
  }
}

TEST(SyscallFilter, AForbiddenCallKillsTheProcessInsteadOfRunning) {
  expect_killed_by_the_filter_only({"socket-inet", "exec", "executable-memory"});
}

TEST(SyscallFilter, NoNewSocketAndNoSignalsFromTheKernelOnOurBehalf) {
  // A new datagram socket could forge journal records under another
  // identifier; F_SETOWN, F_SETSIG and O_ASYNC would have the kernel signal
  // another process whenever a descriptor becomes ready.
  expect_killed_by_the_filter_only(
      {"socket-unix-datagram", "fcntl-setown", "fcntl-setsig", "fcntl-async"});
}

TEST(SyscallFilter, OnlyTheCallsChildrenMayBeSignalledOrWaitedFor) {
  // The probe has three children; "engine" signals and waits for each.
  std::vector<std::string> calls = {"kill-other", "kill-other-group", "waitid-other", "waitid-any",
                                    "signal-other-thread-group"};
#ifndef QREXEC_PROXY_SANITIZE  // LeakSanitizer waits for its helper with wait4()
  calls.insert(calls.end(), {"wait-other", "wait-any"});
#endif
  expect_killed_by_the_filter_only(calls);
}

TEST(SyscallFilter, AbortStillEndsTheProcessWithSigabrt) {
  // abort() signals this process with tgkill(), which the filter allows for
  // this process alone: a broken invariant shows as SIGABRT, not SIGSYS.
  EXPECT_EQ(probe("abort").exit_status, 128 + SIGABRT);
}

TEST(SyscallFilter, EveryPidCheckOfTheCompiledAllowListIsFilledIn) {
  // The build-time program returns a marker for each pid-checked call;
  // none may be left once the call's pids are filled in.
  const pid_t children[] = {4000, 4001};
  const std::vector<sock_filter> program = assemble_syscall_filter(1234, children);
  ASSERT_LE(program.size(), std::size_t{BPF_MAXINSNS});
  const sock_filter load_first_argument =
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, args));
  std::size_t jumps_into_checks = 0;
  for (std::size_t at = 0; at < program.size(); ++at) {
    const sock_filter& instruction = program[at];
    if (instruction.code == (BPF_RET | BPF_K)) {
      EXPECT_NE(instruction.k & SECCOMP_RET_ACTION_FULL, SECCOMP_RET_TRACE) << "at " << at;
    }
    if (instruction.code != (BPF_JMP | BPF_JA | BPF_K)) continue;
    const std::size_t target = at + 1 + instruction.k;
    ASSERT_LT(target, program.size()) << "at " << at;
    if (program[target].code == load_first_argument.code &&
        program[target].k == load_first_argument.k)
      ++jumps_into_checks;
  }
  // kill, wait4, waitid, tgkill (sanitizer builds allow wait4 whatever
  // its arguments).
#ifdef QREXEC_PROXY_SANITIZE
  EXPECT_GE(jumps_into_checks, 3u);
#else
  EXPECT_GE(jumps_into_checks, 4u);
#endif
}

}  // namespace
}  // namespace qrexec_proxy
