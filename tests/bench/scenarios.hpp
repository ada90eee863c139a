// The benchmark's measurements, each comparing the proxy with the direct
// path in the same rounds: the runs of both are interleaved, and the best
// round of each is compared, so a noisy machine shows in the spread rather
// than in the ratios.
#pragma once

#include "bench_world.hpp"
#include "report.hpp"

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace qrexec_proxy::bench {

struct BenchOptions {
  bool quick = false;  // smoke mode: small sizes, one round, goals not judged
  int rounds = 5;
  std::uint64_t bulk_bytes = 1ull << 30;   // moved to the sink per throughput run
  std::uint64_t sniff_bytes = 1ull << 30;  // the same for the sniff chain
  std::size_t latency_calls = 200;         // small calls per path and round
  std::size_t concurrent_calls = 200;
  std::uint64_t hold_bytes = 512ull << 20;    // what the slow reader holds back
  std::chrono::milliseconds hold_time{2000};  // reading nothing
  std::chrono::milliseconds slow_time{2000};  // then reading 64 KiB a millisecond
  // qubes.Filecopy streams through pass and filecopy: large files adding
  // up to about filecopy_bytes, and filecopy_small_files of 1 to 4 KiB.
  std::uint64_t filecopy_bytes = 1ull << 30;
  std::size_t filecopy_large_files = 4;
  std::size_t filecopy_small_files = 10000;
  std::vector<std::string> sections = {"throughput", "latency", "memory", "concurrency",
                                       "filecopy"};
  std::vector<std::string> chains;  // throughput: only these chains (empty: all)
  bool wants(const std::string& section) const;
};

// Correctness problems seen while measuring: a wrong byte count, a failed
// call, a byte on stderr. Any of them makes the benchmark fail.
class Failures {
 public:
  void check(bool ok, const std::string& what);
  bool any() const { return !problems_.empty(); }
  const std::vector<std::string>& problems() const { return problems_; }

 private:
  std::vector<std::string> problems_;
};

void measure_throughput(const BenchWorld& world, const BenchOptions& options, Report& report,
                        Failures& failures);
void measure_latency(const BenchWorld& world, const BenchOptions& options, Report& report,
                     Failures& failures);
void measure_memory(const BenchWorld& world, const BenchOptions& options, Report& report,
                    Failures& failures);
void measure_concurrency(const BenchWorld& world, const BenchOptions& options, Report& report,
                         Failures& failures);
void measure_filecopy(const BenchWorld& world, const BenchOptions& options, Report& report,
                      Failures& failures);

}  // namespace qrexec_proxy::bench
