// qrexec-proxy-bench: the proxy against the direct path, side by side, in
// the local qrexec emulation. See the README ("Performance") and
// tests/bench/run, which builds and runs it.
//
//   qrexec-proxy-bench [--quick] [--rounds N] [--only SECTION]... [--help]
//
// Prints progress on stderr and the table on stdout. Exits 1 when a call
// went wrong (lost bytes, a failed call, output on stderr); goals that are
// missed are shown in the table, never an error.
#include "bench_world.hpp"
#include "private_journal.hpp"
#include "scenarios.hpp"

#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>

#include <sys/utsname.h>
#include <unistd.h>

namespace qrexec_proxy::bench {
namespace {

namespace fs = std::filesystem;

void usage(std::ostream& out) {
  out << "usage: qrexec-proxy-bench [--quick] [--rounds N] [--only SECTION]... "
         "[--chain CHAIN]... [--bulk-mib N] [--sniff-mib N] [--filecopy-mib N] "
         "[--filecopy-files N] [--large-config N] [--shared-journal] [--stage DIR]\n"
         "  --quick           smoke mode: small sizes, one round, goals not judged\n"
         "  --rounds N        rounds of every measurement (default 5; quick: 1)\n"
         "  --only SECTION    throughput, latency, memory, concurrency or filecopy "
         "(repeatable)\n"
         "  --chain CHAIN     throughput: only this chain and the direct path (repeatable)\n"
         "  --bulk-mib N      MiB moved per throughput run (default 1024; quick: 16)\n"
         "  --sniff-mib N     the same for the sniff chain (default 1024; quick: 0.0625)\n"
         "  --filecopy-mib N  filecopy: MiB of the copy of 4 large files (default 1024; "
         "quick: 16)\n"
         "  --filecopy-files N  filecopy: files of the copy of small files (default 10000; "
         "quick: 100)\n"
         "  --large-config N  chains in the large config (default 1000)\n"
         "  --shared-journal  log to the machine's journal, not a private one\n"
         "  --stage DIR       the staged install to measure (default: the build's)\n";
}

std::string first_line(const std::string& path, const std::string& prefix) {
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);)
    if (line.compare(0, prefix.size(), prefix) == 0) {
      const auto colon = line.find(':');
      return colon == std::string::npos ? line : line.substr(colon + 2);
    }
  return "unknown";
}

std::string load_average() {
  std::ifstream in("/proc/loadavg");
  std::string one, five, fifteen;
  in >> one >> five >> fifteen;
  return one + " " + five + " " + fifteen;
}

void print_machine(std::ostream& out) {
  utsname names{};
  ::uname(&names);
  char date[64];
  const std::time_t now = std::time(nullptr);
  std::strftime(date, sizeof date, "%Y-%m-%d %H:%M %Z", std::localtime(&now));
  out << "Machine: " << first_line("/proc/cpuinfo", "model name") << ", "
      << ::sysconf(_SC_NPROCESSORS_ONLN) << " CPUs, Linux " << names.release << ", " << date
      << ", load average " << load_average() << "\n";
}

}  // namespace
}  // namespace qrexec_proxy::bench

int main(int argc, char** argv) {
  using namespace qrexec_proxy::bench;
  BenchOptions options;
  std::optional<int> rounds;
  std::optional<long> bulk_mib, sniff_mib, filecopy_mib, filecopy_files;
  std::size_t large_config = 1000;
  bool shared_journal = false;
  fs::path stage = QREXEC_PROXY_BENCH_STAGE;
  std::vector<std::string> only;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) {
        usage(std::cerr);
        std::exit(2);
      }
      return argv[++i];
    };
    if (arg == "--quick") {
      options.quick = true;
    } else if (arg == "--rounds") {
      rounds = std::atoi(value().c_str());
    } else if (arg == "--only") {
      only.push_back(value());
    } else if (arg == "--bulk-mib") {
      bulk_mib = std::atol(value().c_str());
    } else if (arg == "--sniff-mib") {
      sniff_mib = std::atol(value().c_str());
    } else if (arg == "--filecopy-mib") {
      filecopy_mib = std::atol(value().c_str());
    } else if (arg == "--filecopy-files") {
      filecopy_files = std::atol(value().c_str());
    } else if (arg == "--chain") {
      options.chains.push_back(value());
    } else if (arg == "--large-config") {
      large_config = static_cast<std::size_t>(std::atol(value().c_str()));
    } else if (arg == "--shared-journal") {
      shared_journal = true;
    } else if (arg == "--stage") {
      stage = value();
    } else if (arg == "--help" || arg == "-h") {
      usage(std::cout);
      return 0;
    } else {
      usage(std::cerr);
      return 2;
    }
  }
  if (options.quick) {
    options.rounds = 1;
    options.bulk_bytes = 16ull << 20;
    options.sniff_bytes = 64ull << 10;  // a few records, not a flood
    options.latency_calls = 10;
    options.concurrent_calls = 20;
    options.hold_bytes = 16ull << 20;
    options.hold_time = std::chrono::milliseconds(200);
    options.slow_time = std::chrono::milliseconds(200);
    options.filecopy_bytes = 16ull << 20;
    options.filecopy_small_files = 100;
  }
  if (rounds) options.rounds = std::max(1, *rounds);
  if (bulk_mib) options.bulk_bytes = static_cast<std::uint64_t>(std::max(1L, *bulk_mib)) << 20;
  if (sniff_mib) options.sniff_bytes = static_cast<std::uint64_t>(std::max(1L, *sniff_mib)) << 20;
  if (filecopy_mib)
    options.filecopy_bytes = static_cast<std::uint64_t>(std::max(1L, *filecopy_mib)) << 20;
  if (filecopy_files)
    options.filecopy_small_files = static_cast<std::size_t>(std::max(1L, *filecopy_files));
  if (!only.empty()) options.sections = only;

  std::string why_not = "--shared-journal";
  const std::optional<PrivateJournal> journal =
      shared_journal ? std::nullopt : PrivateJournal::start(why_not);
  if (!journal) std::cerr << "note: the machine's journal is used (" << why_not << ")\n";

  Installation installation{
      stage / "usr/lib/qubes-qrexec-proxy/qrexec-proxy",
      stage / "usr/lib/qubes-qrexec-proxy/plugins",
      QREXEC_PROXY_BENCH_EMULATOR,
      QREXEC_PROXY_BENCH_DIRECT_SERVICE,
      QREXEC_PROXY_BENCH_SERVICES,
  };
  for (const fs::path& file : {installation.service, installation.emulator,
                               installation.direct_service, installation.services}) {
    if (::access(file.c_str(), X_OK) != 0) {
      std::cerr << "qrexec-proxy-bench: " << file.string() << " is missing (build first)\n";
      return 2;
    }
  }
  BenchWorld world(installation, large_config);
  Report report;
  Failures failures;
  std::ostringstream machine_before;
  print_machine(machine_before);
  if (options.wants("throughput")) measure_throughput(world, options, report, failures);
  if (options.wants("latency")) measure_latency(world, options, report, failures);
  if (options.wants("memory")) measure_memory(world, options, report, failures);
  if (options.wants("concurrency")) measure_concurrency(world, options, report, failures);
  if (options.wants("filecopy")) measure_filecopy(world, options, report, failures);

  std::cout << machine_before.str();
  std::cout << "Rounds: " << options.rounds << (options.quick ? " (quick: smoke mode)" : "")
            << ", journal: " << (journal ? "private" : "the machine's")
            << ", load average at the end " << load_average() << "\n\n";
  report.print(std::cout);
  if (!options.quick)
    std::cout << "\nGoals met: " << report.goals() - report.goals_missed() << " of "
              << report.goals() << "\n";
  if (failures.any()) {
    std::cout << "\n" << failures.problems().size() << " call(s) went wrong:\n";
    for (const auto& problem : failures.problems()) std::cout << "  " << problem << "\n";
    return 1;
  }
  return 0;
}
