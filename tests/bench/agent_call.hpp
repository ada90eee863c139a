// Runs service calls the way qrexec-agent runs a service: stdin, stdout and
// stderr on AF_UNIX socketpairs, the QREXEC_* environment, the argument in
// argv[1]. The benchmark is the calling qube: it writes the input, reads the
// output, and measures the service process and everything it started.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <sys/types.h>

namespace qrexec_proxy::bench {

struct CallPlan {
  std::vector<std::string> argv;  // absolute path first
  std::vector<std::string> environment;
  // The input: `input` (or `shared_input`, when set: large inputs built
  // once for many calls), or when `input_bytes` > 0 that many bytes of a
  // fixed pattern; then end of stream.
  std::string input;
  std::shared_ptr<const std::string> shared_input;
  std::uint64_t input_bytes = 0;
  bool keep_output = false;  // keep the output's bytes (else only count them)
  // Peak RSS of the service process at its exit (VmHWM, read while ptrace
  // holds it at PTRACE_EVENT_EXIT). The input starts only once it is traced.
  bool trace_exit = false;
  // A slow reader: read nothing of the output for `hold_output`, then read
  // `slow_read_chunk` bytes each millisecond for `slow_read`, sampling the
  // service's RSS all along; then read at full speed.
  std::chrono::milliseconds hold_output{0};
  std::chrono::milliseconds slow_read{0};
  std::size_t slow_read_chunk = 64 * 1024;
};

struct CallRecord {
  int exit_status = -1;  // as a shell reports it: code, or 128+N for signal N
  bool timed_out = false;
  std::string failure;              // why the benchmark could not run the call
  double wall_seconds = 0;          // from the start of the service to its end and last output byte
  double tree_cpu_seconds = 0;      // the service and every descendant it waited for (wait4)
  double service_cpu_seconds = -1;  // the service process alone (schedstat), -1 if unknown
  long peak_rss_kib = -1;           // VmHWM at exit (trace_exit)
  long held_rss_kib = -1;           // the highest VmRSS seen while the output was held back
  long first_rss_kib = -1;          // VmRSS at the first sample, once the call is under way
  std::uint64_t output_bytes = 0;
  std::string output;        // when keep_output
  std::string error_output;  // what the service wrote to stderr (always kept)
  std::string note;          // a measure that could not be taken, and why

  bool ok() const { return failure.empty() && !timed_out && exit_status == 0; }
};

// Runs every plan at once (one event loop) and returns their records in
// order. A call still running after `timeout` is killed.
std::vector<CallRecord> run_calls(const std::vector<CallPlan>& plans,
                                  std::chrono::milliseconds timeout);

CallRecord run_call(const CallPlan& plan, std::chrono::milliseconds timeout);

}  // namespace qrexec_proxy::bench
