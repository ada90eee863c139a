#include "admin/journal/stats_command.hpp"

#include "admin/journal/time_spec.hpp"
#include "admin/output/json_output.hpp"
#include "admin/output/table.hpp"

#include <cstdio>
#include <ostream>

namespace qrexec_proxy::admin {
namespace {

std::string milliseconds(std::uint64_t us) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f", static_cast<double>(us) / 1000.0);
  return text;
}

nlohmann::json group_json(const GroupStats& stats, StatsGroup by) {
  return {
      {std::string(to_string(by)), stats.key},
      {"calls", stats.calls},
      {"completed", stats.completed},
      {"refused", stats.refused},
      {"aborted", stats.aborted},
      {"stopped", stats.stopped},
      {"src2dst_bytes", stats.src2dst_bytes},
      {"dst2src_bytes", stats.dst2src_bytes},
      {"duration_p50_us", stats.duration_p50_us},
      {"duration_p95_us", stats.duration_p95_us},
      {"duration_max_us", stats.duration_max_us},
  };
}

}  // namespace

int stats_command(const AdminContext& context, const StatsOptions& options) {
  CallLogQuery query;
  if (options.since) {
    query.since = parse_time_spec(*options.since, std::chrono::system_clock::now());
    if (!query.since) {
      context.error("cannot understand the time \"" + *options.since +
                    "\": use e.g. \"2026-11-26 10:00\", \"-1h\" or \"2 hours ago\"");
      return admin_status::usage;
    }
  }
  auto read = read_call_log(query);
  if (auto* error = std::get_if<std::string>(&read)) {
    context.error(*error);
    return admin_status::failure;
  }
  const auto groups = call_stats(std::get<std::vector<CallSummary>>(read), options.by);
  if (options.json) {
    nlohmann::json list = nlohmann::json::array();
    for (const auto& stats : groups) list.push_back(group_json(stats, options.by));
    context.out << json_text(list);
    return admin_status::ok;
  }
  if (groups.empty()) {
    context.out << "No calls logged" << (options.since ? " since then" : "") << ".\n";
    return admin_status::ok;
  }
  Table table({std::string(to_string(options.by)), "calls", "completed", "refused", "aborted",
               "stopped", "src2dst", "dst2src", "p50 ms", "p95 ms", "max ms"});
  for (const auto& stats : groups)
    table.add_row({stats.key.empty() ? "-" : stats.key, std::to_string(stats.calls),
                   std::to_string(stats.completed), std::to_string(stats.refused),
                   std::to_string(stats.aborted), std::to_string(stats.stopped),
                   std::to_string(stats.src2dst_bytes), std::to_string(stats.dst2src_bytes),
                   milliseconds(stats.duration_p50_us), milliseconds(stats.duration_p95_us),
                   milliseconds(stats.duration_max_us)});
  context.out << table.render(context.style);
  return admin_status::ok;
}

}  // namespace qrexec_proxy::admin
