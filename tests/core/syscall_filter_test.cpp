// The service's syscall filter (src/core/syscall_filter.cpp), installed by
// a probe program the way the service installs it: what the engine does
// once a call runs keeps working, and a call outside the allow-list kills
// the process instead of running.
#include "support/process.hpp"

#include <gtest/gtest.h>

#include <csignal>

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

TEST(SyscallFilter, AForbiddenCallKillsTheProcessInsteadOfRunning) {
  // Each call works without the filter, so the filter is what stops it.
  for (const std::string call : {"socket-inet", "exec", "executable-memory"}) {
    SCOPED_TRACE(call);
    const test::ProcessResult unfiltered = probe(call + "-unfiltered");
    EXPECT_EQ(unfiltered.exit_status, 0) << unfiltered.err;
    const test::ProcessResult filtered = probe(call);
    EXPECT_EQ(filtered.exit_status, killed_by_sigsys) << filtered.err;
  }
}

TEST(SyscallFilter, OnlyTheDestinationMayBeSignalled) {
  EXPECT_EQ(probe("kill-other-unfiltered").exit_status, 0);
  EXPECT_EQ(probe("kill-other").exit_status, killed_by_sigsys);
}

}  // namespace
}  // namespace qrexec_proxy
