#include "admin/live/calls_command.hpp"

#include "admin/output/json_output.hpp"
#include "admin/output/table.hpp"
#include "input/names.hpp"
#include "registry/live_calls.hpp"

#include <nlohmann/json.hpp>

#include <chrono>
#include <map>
#include <ostream>
#include <thread>

namespace qrexec_proxy::admin {
namespace {

using live::Record;
using live::text_of;

std::string_view phase_name(std::uint32_t phase) {
  switch (static_cast<CallPhase>(phase)) {
    case CallPhase::admitting:
      return "admitting";
    case CallPhase::running:
      return "running";
    case CallPhase::draining:
      return "draining";
    case CallPhase::ended:
      return "ended";
  }
  return "?";
}

std::int64_t now_unix_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string format_age(std::int64_t microseconds) {
  const std::int64_t seconds = microseconds / 1000000;
  if (seconds < 60) return std::to_string(seconds) + "s";
  if (seconds < 3600)
    return std::to_string(seconds / 60) + "m" + std::to_string(seconds % 60) + "s";
  return std::to_string(seconds / 3600) + "h" + std::to_string(seconds / 60 % 60) + "m";
}

std::string format_rate(double bytes_per_second) {
  const char* units[] = {"B/s", "KiB/s", "MiB/s", "GiB/s"};
  int unit = 0;
  while (bytes_per_second >= 1024 && unit < 3) {
    bytes_per_second /= 1024;
    ++unit;
  }
  char text[32];
  std::snprintf(text, sizeof text, unit == 0 ? "%.0f %s" : "%.1f %s", bytes_per_second,
                units[unit]);
  return text;
}

bool wanted(const Record& call, const CallsOptions& options) {
  return (!options.chain || text_of(call.chain) == *options.chain) &&
         (!options.source || text_of(call.source) == *options.source) &&
         (!options.target || text_of(call.target) == *options.target);
}

nlohmann::json call_json(const Record& call) {
  return {{"id", text_of(call.id)},
          {"pid", call.pid},
          {"started_unix_us", call.started_unix_us},
          {"source", text_of(call.source)},
          {"chain", text_of(call.chain)},
          {"target", text_of(call.target)},
          {"service", text_of(call.service)},
          {"entry", text_of(call.entry)},
          {"state", phase_name(live::load(call.phase))},
          {"src2dst_bytes", live::load(call.src2dst_bytes)},
          {"dst2src_bytes", live::load(call.dst2src_bytes)}};
}

nlohmann::json calls_json(const std::vector<Record>& calls) {
  nlohmann::json list = nlohmann::json::array();
  for (const Record& call : calls) list.push_back(call_json(call));
  return list;
}

// Bytes each way at the last look, by call id, for --watch's rates.
using Previous = std::map<std::string, std::pair<std::uint64_t, std::uint64_t>>;

std::string render(const AdminContext& context, const std::vector<Record>& calls,
                   const Previous* previous, double interval) {
  if (calls.empty()) return "No calls running.\n";
  std::vector<std::string> headers = {"id",      "pid",   "age",   "source", "chain", "target",
                                      "service", "entry", "state", "to-dst", "to-src"};
  if (previous != nullptr) {
    headers.emplace_back("to-dst rate");
    headers.emplace_back("to-src rate");
  }
  Table table(std::move(headers));
  const std::int64_t now = now_unix_us();
  for (const Record& call : calls) {
    const std::uint64_t up = live::load(call.src2dst_bytes);
    const std::uint64_t down = live::load(call.dst2src_bytes);
    std::vector<Cell> row = {text_of(call.id),
                             std::to_string(call.pid),
                             format_age(now - call.started_unix_us),
                             text_of(call.source),
                             text_of(call.chain),
                             text_of(call.target),
                             text_of(call.service),
                             text_of(call.entry),
                             std::string(phase_name(live::load(call.phase))),
                             std::to_string(up),
                             std::to_string(down)};
    if (previous != nullptr) {
      const auto before = previous->find(text_of(call.id));
      const auto rate = [&](std::uint64_t now_bytes, std::uint64_t then) {
        return format_rate(static_cast<double>(now_bytes - std::min(now_bytes, then)) / interval);
      };
      row.emplace_back(before == previous->end() ? "-" : rate(up, before->second.first));
      row.emplace_back(before == previous->end() ? "-" : rate(down, before->second.second));
    }
    table.add_row(std::move(row));
  }
  return table.render(context.style);
}

}  // namespace

int calls_command(const AdminContext& context, const CallsOptions& options) {
  for (const auto& [name, value] :
       {std::pair{"chain", options.chain}, std::pair{"source", options.source},
        std::pair{"target", options.target}}) {
    if (!value) continue;
    const bool valid = std::string_view(name) == "chain" ? names::is_chain_name(*value)
                                                         : names::is_qube_name(*value);
    if (!valid) {
      context.error(std::string("invalid ") + name + " name \"" + *value + "\"");
      return admin_status::usage;
    }
  }
  const auto directory = live::registry_directory(context.settings().state_dir);
  const auto look = [&]() -> std::optional<std::vector<Record>> {
    live::Listing listing = live::list_live_calls(directory);
    if (!listing.error.empty()) {
      context.error(listing.error);
      return std::nullopt;
    }
    std::erase_if(listing.calls, [&](const Record& call) { return !wanted(call, options); });
    return listing.calls;
  };
  if (!options.watch) {
    const auto calls = look();
    if (!calls) return admin_status::failure;
    if (options.json) {
      context.out << json_text(calls_json(*calls));
    } else {
      context.out << render(context, *calls, nullptr, 0);
    }
    return admin_status::ok;
  }
  // --watch: the screen redrawn in place; the rates are over the interval.
  Previous previous;
  bool first = true;
  for (int round = 0; options.rounds == 0 || round < options.rounds; ++round) {
    const auto calls = look();
    if (!calls) return admin_status::failure;
    if (options.json) {
      // One line a look, so that a reader can take each as it comes.
      context.out << calls_json(*calls).dump() << "\n";
    } else {
      if (context.style.colour()) context.out << "\033[H\033[2J";
      context.out << render(context, *calls, first ? nullptr : &previous, options.interval_seconds);
      if (!context.style.colour()) context.out << "\n";
    }
    context.out.flush();
    previous.clear();
    for (const Record& call : *calls)
      previous[text_of(call.id)] = {live::load(call.src2dst_bytes), live::load(call.dst2src_bytes)};
    first = false;
    if (options.rounds == 0 || round + 1 < options.rounds)
      std::this_thread::sleep_for(std::chrono::duration<double>(options.interval_seconds));
  }
  return admin_status::ok;
}

}  // namespace qrexec_proxy::admin
