#include "scenarios.hpp"

#include "statistics.hpp"
#include "support/filecopy_builder.hpp"

#include <algorithm>
#include <cstdio>
#include <iostream>
#include <memory>
#include <optional>

namespace qrexec_proxy::bench {
namespace {

using std::chrono::milliseconds;

constexpr double kMiB = 1024.0 * 1024.0;
constexpr double kGiB = 1024.0 * kMiB;
constexpr milliseconds kBulkTimeout{600000};
constexpr milliseconds kSmallTimeout{60000};
const std::string kSmallInput = "qrexec-proxy benchmark: a small call\n";

std::string sink_reply(std::uint64_t bytes) {
  return std::to_string(bytes) + "\n";
}

// Checks what every call must get right, whatever is measured.
void check_call(Failures& failures, const CallRecord& record, const std::string& what,
                const std::optional<std::string>& expected_output,
                std::optional<std::uint64_t> expected_bytes = std::nullopt) {
  static bool noted = false;
  if (!record.note.empty() && !noted) {
    std::cerr << "note: " << record.note << " (shown as n/a)\n";
    noted = true;
  }
  failures.check(record.failure.empty(), what + ": " + record.failure);
  failures.check(!record.timed_out, what + ": timed out");
  failures.check(record.exit_status == 0,
                 what + ": exit status " + std::to_string(record.exit_status));
  failures.check(record.error_output.empty(),
                 what + ": wrote to stderr: " + record.error_output.substr(0, 200));
  if (expected_output)
    failures.check(record.output == *expected_output,
                   what + ": wrong output (" + std::to_string(record.output_bytes) + " bytes)");
  if (expected_bytes)
    failures.check(record.output_bytes == *expected_bytes,
                   what + ": " + std::to_string(record.output_bytes) + " bytes instead of " +
                       std::to_string(*expected_bytes));
}

// Adds a value the benchmark may have been unable to measure (no ptrace,
// no schedstat): unknown values are left out, and a row without any shows
// "n/a".
void add_known(Rounds& rounds, double value) {
  if (value >= 0) rounds.add(value);
}

Row unknown_row(std::string measure, const Rounds& direct, const Rounds& proxy, int decimals) {
  auto text = [&](const Rounds& rounds) {
    return rounds.empty() ? std::string("n/a") : fixed(rounds.best(), decimals);
  };
  return Row(std::move(measure), text(direct), text(proxy), "");
}

std::string spread_text(const Rounds& direct, const Rounds& proxy) {
  if (direct.size() < 2 && proxy.size() < 2) return "";
  std::string text = direct.empty() ? "-" : percent(direct.spread());
  return text + " / " + percent(proxy.spread());
}

Row::Verdict judge(const BenchOptions& options, bool met) {
  if (options.quick) return Row::Verdict::none;  // smoke mode: too small to mean anything
  return met ? Row::Verdict::met : Row::Verdict::missed;
}

// A row comparing best values as a ratio proxy / direct.
Row ratio_row(const BenchOptions& options, std::string measure, const Rounds& direct,
              const Rounds& proxy, int decimals, std::optional<double> at_least,
              std::optional<double> at_most) {
  if (direct.empty() || proxy.empty())
    return unknown_row(std::move(measure), direct, proxy, decimals);
  const double ratio = direct.best() > 0 ? proxy.best() / direct.best() : 0;
  Row row{std::move(measure), fixed(direct.best(), decimals), fixed(proxy.best(), decimals),
          fixed(ratio, 2) + " x"};
  if (at_least) {
    row.goal = ">= " + fixed(*at_least, 2) + " x";
    row.verdict = judge(options, ratio >= *at_least);
  } else if (at_most) {
    row.goal = "<= " + fixed(*at_most, 2) + " x";
    row.verdict = judge(options, ratio <= *at_most);
  }
  row.spread = spread_text(direct, proxy);
  return row;
}

// A row comparing best values as the cost the proxy adds.
Row added_row(const BenchOptions& options, std::string measure, const Rounds& direct,
              const Rounds& proxy, int decimals, std::optional<double> at_most) {
  if (direct.empty() || proxy.empty())
    return unknown_row(std::move(measure), direct, proxy, decimals);
  const double added = proxy.best() - direct.best();
  Row row{std::move(measure), fixed(direct.best(), decimals), fixed(proxy.best(), decimals),
          (added >= 0 ? "+" : "") + fixed(added, decimals)};
  if (at_most) {
    row.goal = "<= +" + fixed(*at_most, decimals);
    row.verdict = judge(options, added <= *at_most);
  }
  row.spread = spread_text(direct, proxy);
  return row;
}

std::string mib(long kib) {
  return fixed(static_cast<double>(kib) / 1024.0, 2);
}

struct Bulk {
  std::string label;
  std::string chain;  // empty: the direct path
  std::uint64_t bytes;
  bool count_only;  // the chain's plugins read no bytes: the zero-copy goals apply
  Rounds rate{Rounds::Better::higher};
  Rounds tree_cpu{Rounds::Better::lower};
  Rounds own_cpu{Rounds::Better::lower};
  Rounds peak_rss{Rounds::Better::lower};
};

// Pseudo-random bytes (xorshift64): file content that nothing compresses.
std::string random_bytes(std::size_t size, std::uint64_t state) {
  std::string bytes(size, '\0');
  for (char& byte : bytes) {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    byte = static_cast<char>(state >> 56);
  }
  return bytes;
}

std::string size_text(std::uint64_t bytes) {
  if (bytes >= (1u << 20) && bytes % (1u << 20) == 0) return std::to_string(bytes >> 20) + " MiB";
  if (bytes >= (1u << 10)) return fixed(static_cast<double>(bytes) / 1024.0, 0) + " KiB";
  return std::to_string(bytes) + " bytes";
}

// A qubes.Filecopy stream as qfile-agent sends it, built once for every
// call that sends it.
struct FilecopyInput {
  std::string label;
  std::shared_ptr<const std::string> stream;
  std::size_t files = 0;
};

// `files` files of bytes / files each in one directory: a copy of a few
// large files.
FilecopyInput large_files_input(std::uint64_t bytes, std::size_t files) {
  const std::string content = random_bytes(static_cast<std::size_t>(bytes / files), 1);
  test::FilecopyStream stream;
  stream.directory("bench");
  for (std::size_t i = 0; i < files; ++i)
    stream.file("bench/large-" + std::to_string(i) + ".bin", content);
  stream.directory("bench").end();
  return {std::to_string(files) + " files of " + size_text(content.size()),
          std::make_shared<const std::string>(stream.release()), files};
}

// `files` files of 1 to 4 KiB in directories of 100: a copy of a source
// tree, a mail folder, photos' thumbnails.
FilecopyInput small_files_input(std::size_t files) {
  constexpr std::size_t kSmallest = 1024, kLargest = 4096, kPerDirectory = 100;
  const std::string pool = random_bytes(256 * 1024, 2);
  test::FilecopyStream stream;
  stream.directory("bench");
  std::string directory;
  char name[48];
  for (std::size_t i = 0; i < files; ++i) {
    if (i % kPerDirectory == 0) {
      if (!directory.empty()) stream.directory(directory);
      std::snprintf(name, sizeof name, "bench/d%04zu", i / kPerDirectory);
      directory = name;
      stream.directory(directory);
    }
    const std::size_t size = kSmallest + (i * 2654435761u) % (kLargest - kSmallest + 1);
    const std::size_t offset = (i * 7919) % (pool.size() - size);
    std::snprintf(name, sizeof name, "/file-%06zu.txt", i);
    stream.file(directory + name, pool.substr(offset, size));
  }
  if (!directory.empty()) stream.directory(directory);
  stream.directory("bench").end();
  return {std::to_string(files) + " files of 1-4 KiB",
          std::make_shared<const std::string>(stream.release()), files};
}

}  // namespace

bool BenchOptions::wants(const std::string& section) const {
  return std::find(sections.begin(), sections.end(), section) != sections.end();
}

void Failures::check(bool ok, const std::string& what) {
  if (ok) return;
  problems_.push_back(what);
  std::cerr << "FAILED: " << what << '\n';
}

void measure_throughput(const BenchWorld& world, const BenchOptions& options, Report& report,
                        Failures& failures) {
  std::vector<Bulk> runs = {
      {"direct", "", options.bulk_bytes, false},
      {"none", chain::none, options.bulk_bytes, true},
      {"pass", chain::pass, options.bulk_bytes, true},
      {"count-only", chain::count_only, options.bulk_bytes, true},
      {"sniff", chain::sniff, options.sniff_bytes, false},
      {"streamline", chain::streamline, options.bulk_bytes, false},
  };
  if (!options.chains.empty())
    std::erase_if(runs, [&](const Bulk& run) {
      return !run.chain.empty() && std::find(options.chains.begin(), options.chains.end(),
                                             run.chain) == options.chains.end();
    });
  const std::size_t chains = runs.size() - 1;
  // A direct run sized like the sniff run, when that differs (quick mode).
  const bool sniffing = std::any_of(runs.begin(), runs.end(),
                                    [](const Bulk& run) { return run.chain == chain::sniff; });
  if (sniffing && options.sniff_bytes != options.bulk_bytes)
    runs.push_back({"direct (sniff size)", "", options.sniff_bytes, false});
  for (int round = 0; round < options.rounds; ++round) {
    for (std::size_t k = 0; k < runs.size(); ++k) {
      Bulk& run = runs[(k + static_cast<std::size_t>(round)) % runs.size()];
      CallPlan plan = run.chain.empty() ? world.direct_call("bench.Sink")
                                        : world.proxy_call(run.chain, "bench.Sink");
      plan.input_bytes = run.bytes;
      plan.keep_output = true;
      plan.trace_exit = true;
      const CallRecord record = run_call(plan, kBulkTimeout);
      check_call(failures, record, "throughput " + run.label, sink_reply(run.bytes));
      const double gib = static_cast<double>(run.bytes) / kGiB;
      run.rate.add(static_cast<double>(run.bytes) / kMiB / record.wall_seconds);
      run.tree_cpu.add(record.tree_cpu_seconds / gib);
      add_known(run.own_cpu, record.service_cpu_seconds / gib);
      add_known(run.peak_rss, static_cast<double>(record.peak_rss_kib) / 1024.0);
      std::cerr << "throughput round " << round + 1 << "/" << options.rounds << ": " << run.label
                << " " << fixed(static_cast<double>(run.bytes) / kMiB / record.wall_seconds, 0)
                << " MiB/s, CPU " << fixed(record.tree_cpu_seconds / gib, 3)
                << " s/GiB (service alone " << fixed(record.service_cpu_seconds / gib, 3)
                << "), peak RSS " << mib(record.peak_rss_kib) << " MiB\n";
    }
  }
  const Bulk& direct = runs[0];
  auto direct_for = [&](const Bulk& run) -> const Bulk& {
    return run.bytes == direct.bytes ? direct : runs.back();
  };
  for (std::size_t i = 1; i <= chains; ++i) {
    const Bulk& run = runs[i];
    report.add(ratio_row(options, "throughput, chain " + run.label + " (MiB/s)",
                         direct_for(run).rate, run.rate, 0, run.count_only ? 0.95 : 0.7,
                         std::nullopt));
  }
  for (std::size_t i = 1; i <= chains; ++i) {
    const Bulk& run = runs[i];
    report.add(ratio_row(options, "CPU per GiB, whole call, chain " + run.label + " (s)",
                         direct_for(run).tree_cpu, run.tree_cpu, 3, std::nullopt, std::nullopt));
  }
  for (std::size_t i = 1; i <= chains; ++i) {
    const Bulk& run = runs[i];
    report.add(ratio_row(
        options,
        "CPU per GiB, proxy process alone vs whole direct call, chain " + run.label + " (s)",
        direct_for(run).tree_cpu, run.own_cpu, 3, std::nullopt,
        run.count_only ? std::optional<double>(0.25) : std::nullopt));
  }
  for (std::size_t i = 1; i <= chains; ++i) {
    const Bulk& run = runs[i];
    Row row = added_row(options, "peak RSS of the service, chain " + run.label + " (MiB)",
                        direct_for(run).peak_rss, run.peak_rss, 2, std::nullopt);
    if (run.count_only && !run.peak_rss.empty()) {
      row.goal = "proxy <= 4.00";
      row.verdict = judge(options, run.peak_rss.best() <= 4.0);
    }
    report.add(std::move(row));
  }
}

void measure_latency(const BenchWorld& world, const BenchOptions& options, Report& report,
                     Failures& failures) {
  struct Path {
    std::string label;
    CallPlan plan;
    Rounds median{Rounds::Better::lower};
    Rounds p99{Rounds::Better::lower};
    Rounds cpu{Rounds::Better::lower};      // whole call, median, ms
    Rounds own_cpu{Rounds::Better::lower};  // the service process alone, median, ms
    Rounds peak_rss{Rounds::Better::lower};
  };
  std::vector<Path> paths;
  paths.push_back({"direct", world.direct_call("bench.Mirror")});
  paths.push_back({"proxy, 10 chains", world.proxy_call(chain::pass, "bench.Mirror")});
  paths.push_back(
      {"proxy, " + std::to_string(world.chains_in(BenchWorld::Config::large)) + " chains",
       world.proxy_call(chain::pass, "bench.Mirror", BenchWorld::Config::large)});
  for (Path& path : paths) {
    path.plan.input = kSmallInput;
    path.plan.keep_output = true;
  }
  for (int round = 0; round < options.rounds; ++round) {
    std::vector<std::vector<double>> times(paths.size()), cpu(paths.size()), own_cpu(paths.size());
    for (std::size_t call = 0; call < options.latency_calls; ++call) {
      for (std::size_t k = 0; k < paths.size(); ++k) {
        const std::size_t p = (k + call) % paths.size();
        const CallRecord record = run_call(paths[p].plan, kSmallTimeout);
        check_call(failures, record, "latency " + paths[p].label, kSmallInput);
        times[p].push_back(record.wall_seconds * 1000.0);
        cpu[p].push_back(record.tree_cpu_seconds * 1000.0);
        if (record.service_cpu_seconds >= 0)
          own_cpu[p].push_back(record.service_cpu_seconds * 1000.0);
      }
    }
    // Peak RSS of a small call, in separate traced calls (tracing costs time).
    for (Path& path : paths) {
      CallPlan traced = path.plan;
      traced.trace_exit = true;
      const CallRecord record = run_call(traced, kSmallTimeout);
      check_call(failures, record, "traced " + path.label, kSmallInput);
      add_known(path.peak_rss, static_cast<double>(record.peak_rss_kib) / 1024.0);
    }
    for (std::size_t p = 0; p < paths.size(); ++p) {
      paths[p].median.add(median(times[p]));
      paths[p].p99.add(percentile(times[p], 99));
      paths[p].cpu.add(median(cpu[p]));
      if (!own_cpu[p].empty()) paths[p].own_cpu.add(median(own_cpu[p]));
      std::cerr << "latency round " << round + 1 << "/" << options.rounds << ": " << paths[p].label
                << " median " << fixed(median(times[p]), 2) << " ms, p99 "
                << fixed(percentile(times[p], 99), 2) << " ms, CPU " << fixed(median(cpu[p]), 2)
                << " ms (service alone " << fixed(median(own_cpu[p]), 2) << " ms)\n";
    }
  }
  const std::string calls = std::to_string(options.latency_calls);
  report.add(added_row(options, "latency of a small call, median of " + calls + " (ms)",
                       paths[0].median, paths[1].median, 2, 1.0));
  report.add(added_row(options, "latency of a small call, p99 of " + calls + " (ms)", paths[0].p99,
                       paths[1].p99, 2, std::nullopt));
  report.add(added_row(options, "CPU of a small call, whole call, median (ms)", paths[0].cpu,
                       paths[1].cpu, 2, std::nullopt));
  Row own = added_row(options, "CPU of a small call, proxy process alone, median (ms)",
                      paths[0].cpu, paths[1].own_cpu, 2, std::nullopt);
  own.comparison = "";
  report.add(std::move(own));
  report.add(added_row(options,
                       "latency, median, config of " +
                           std::to_string(world.chains_in(BenchWorld::Config::large)) +
                           " chains (ms)",
                       paths[0].median, paths[2].median, 2, std::nullopt));
  Row more_chains =
      added_row(options,
                "per-call cost of " + std::to_string(world.chains_in(BenchWorld::Config::large)) +
                    " chains over 10, median (ms)",
                paths[1].median, paths[2].median, 2, 1.0);
  more_chains.direct = "";
  report.add(std::move(more_chains));
  report.add(added_row(options, "peak RSS of a small call, config of 10 chains (MiB)",
                       paths[0].peak_rss, paths[1].peak_rss, 2, std::nullopt));
  report.add(added_row(options,
                       "peak RSS of a small call, config of " +
                           std::to_string(world.chains_in(BenchWorld::Config::large)) +
                           " chains (MiB)",
                       paths[0].peak_rss, paths[2].peak_rss, 2, std::nullopt));
}

void measure_memory(const BenchWorld& world, const BenchOptions& options, Report& report,
                    Failures& failures) {
  const std::string service = "bench.Emit+" + std::to_string(options.hold_bytes);
  struct Path {
    std::string label;
    CallPlan plan;
    Rounds held{Rounds::Better::lower};
    Rounds growth{Rounds::Better::lower};
  };
  std::vector<Path> paths;
  paths.push_back({"direct", world.direct_call(service)});
  paths.push_back({"proxy", world.proxy_call(chain::pass, service)});
  for (Path& path : paths) {
    path.plan.hold_output = options.hold_time;
    path.plan.slow_read = options.slow_time;
    path.plan.trace_exit = true;
  }
  // Memory does not depend on the machine's load: one round is enough.
  for (std::size_t k = 0; k < paths.size(); ++k) {
    const CallRecord record = run_call(paths[k].plan, kBulkTimeout);
    check_call(failures, record, "slow reader " + paths[k].label, std::nullopt, options.hold_bytes);
    add_known(paths[k].held, static_cast<double>(record.held_rss_kib) / 1024.0);
    if (record.held_rss_kib >= 0 && record.first_rss_kib >= 0)
      paths[k].growth.add(static_cast<double>(record.held_rss_kib - record.first_rss_kib) / 1024.0);
    std::cerr << "slow reader: " << paths[k].label << " RSS " << mib(record.first_rss_kib)
              << " MiB at first, at most " << mib(record.held_rss_kib) << " MiB while held, peak "
              << mib(record.peak_rss_kib) << " MiB\n";
  }
  const std::string held = std::to_string(options.hold_bytes >> 20) + " MiB";
  Row rss = added_row(options, "RSS while a slow reader holds " + held + " back (MiB)",
                      paths[0].held, paths[1].held, 2, std::nullopt);
  rss.goal = "proxy <= 4.00";
  if (!paths[1].held.empty()) rss.verdict = judge(options, paths[1].held.best() <= 4.0);
  report.add(std::move(rss));
  Row growth = added_row(options, "RSS growth while the reader is slow (MiB)", paths[0].growth,
                         paths[1].growth, 2, std::nullopt);
  growth.comparison = "";
  growth.goal = "proxy <= 0.10";
  if (!paths[1].growth.empty()) growth.verdict = judge(options, paths[1].growth.best() <= 0.1);
  report.add(std::move(growth));
}

void measure_concurrency(const BenchWorld& world, const BenchOptions& options, Report& report,
                         Failures& failures) {
  struct Path {
    std::string label;
    CallPlan plan;
    Rounds total{Rounds::Better::lower};
    std::size_t completed = 0;
    std::size_t attempted = 0;
  };
  std::vector<Path> paths;
  paths.push_back({"direct", world.direct_call("bench.Mirror")});
  paths.push_back({"proxy", world.proxy_call(chain::pass, "bench.Mirror")});
  for (Path& path : paths) {
    path.plan.input = kSmallInput;
    path.plan.keep_output = true;
  }
  for (int round = 0; round < options.rounds; ++round) {
    for (std::size_t k = 0; k < paths.size(); ++k) {
      Path& path = paths[(k + static_cast<std::size_t>(round)) % paths.size()];
      const std::vector<CallPlan> plans(options.concurrent_calls, path.plan);
      const auto started = std::chrono::steady_clock::now();
      const std::vector<CallRecord> records = run_calls(plans, kBulkTimeout);
      const double seconds =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
      for (const CallRecord& record : records) {
        check_call(failures, record, "concurrent " + path.label, kSmallInput);
        path.completed += record.ok() && record.output == kSmallInput ? 1 : 0;
        ++path.attempted;
      }
      path.total.add(seconds);
      std::cerr << "concurrency round " << round + 1 << "/" << options.rounds << ": " << path.label
                << " " << options.concurrent_calls << " calls in " << fixed(seconds, 3) << " s\n";
    }
  }
  const std::string calls = std::to_string(options.concurrent_calls);
  Row complete{calls + " concurrent calls: completed, all rounds",
               std::to_string(paths[0].completed) + "/" + std::to_string(paths[0].attempted),
               std::to_string(paths[1].completed) + "/" + std::to_string(paths[1].attempted), ""};
  complete.goal = "all";
  complete.verdict = judge(options, paths[1].completed == paths[1].attempted);
  report.add(std::move(complete));
  report.add(ratio_row(options, calls + " concurrent calls: total time (s)", paths[0].total,
                       paths[1].total, 3, std::nullopt, std::nullopt));
}

void measure_filecopy(const BenchWorld& world, const BenchOptions& options, Report& report,
                      Failures& failures) {
  struct Run {
    std::string chain;
    Rounds rate{Rounds::Better::higher};
    // The proxy process alone: seconds per GiB of large files, or
    // microseconds per small file.
    Rounds cpu{Rounds::Better::lower};
  };
  struct Input {
    FilecopyInput input;
    bool small_files;
    std::vector<Run> runs;  // pass first
  };
  std::vector<Input> inputs;
  std::cerr << "filecopy: building the streams\n";
  inputs.push_back(
      {large_files_input(options.filecopy_bytes, options.filecopy_large_files), false, {}});
  inputs.push_back({small_files_input(options.filecopy_small_files), true, {}});
  for (Input& input : inputs)
    for (const char* name : {chain::pass, chain::filecopy, chain::filecopy_sha256})
      input.runs.push_back({name});

  for (int round = 0; round < options.rounds; ++round) {
    for (Input& input : inputs) {
      const std::uint64_t bytes = input.input.stream->size();
      const double cpu_scale = input.small_files ? 1e6 / static_cast<double>(input.input.files)
                                                 : kGiB / static_cast<double>(bytes);
      for (std::size_t k = 0; k < input.runs.size(); ++k) {
        Run& run = input.runs[(k + static_cast<std::size_t>(round)) % input.runs.size()];
        CallPlan plan = world.proxy_call(run.chain, "bench.Sink", BenchWorld::Config::filecopy);
        plan.shared_input = input.input.stream;
        plan.keep_output = true;
        const CallRecord record = run_call(plan, kBulkTimeout);
        check_call(failures, record, "filecopy " + input.input.label + ", chain " + run.chain,
                   sink_reply(bytes));
        const double rate = static_cast<double>(bytes) / kMiB / record.wall_seconds;
        run.rate.add(rate);
        if (record.service_cpu_seconds >= 0) run.cpu.add(record.service_cpu_seconds * cpu_scale);
        std::cerr << "filecopy round " << round + 1 << "/" << options.rounds << ": "
                  << input.input.label << ", chain " << run.chain << " " << fixed(rate, 0)
                  << " MiB/s, proxy CPU " << fixed(record.service_cpu_seconds, 3) << " s\n";
      }
    }
  }

  for (const Input& input : inputs) {
    const std::string what = "filecopy stream, " + input.input.label + ": ";
    const Run& pass = input.runs[0];
    for (std::size_t i = 1; i < input.runs.size(); ++i) {
      const Run& run = input.runs[i];
      const double goal = run.chain == chain::filecopy ? 0.8 : 0.5;
      report.add(ratio_row(options,
                           what + "throughput, chain " + run.chain + " vs chain pass (MiB/s)",
                           pass.rate, run.rate, 0, goal, std::nullopt));
    }
    // The proxy's own CPU: per GiB of a copy of large files, per file of a
    // copy of small ones.
    for (std::size_t i = 1; i < input.runs.size(); ++i) {
      const Run& run = input.runs[i];
      if (!input.small_files) {
        report.add(ratio_row(options,
                             what + "proxy CPU per GiB, chain " + run.chain + " vs chain pass (s)",
                             pass.cpu, run.cpu, 3, std::nullopt, std::nullopt));
        continue;
      }
      Row row = added_row(options,
                          what + "proxy CPU per file, chain " + run.chain + " vs chain pass (us)",
                          pass.cpu, run.cpu, 2, std::nullopt);
      row.goal = "proxy <= 20.00";
      if (!run.cpu.empty()) row.verdict = judge(options, run.cpu.best() <= 20.0);
      report.add(std::move(row));
    }
  }
}

}  // namespace qrexec_proxy::bench
