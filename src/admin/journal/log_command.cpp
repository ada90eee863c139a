#include "admin/journal/log_command.hpp"

#include "admin/journal/call_log.hpp"
#include "admin/journal/time_spec.hpp"
#include "admin/output/json_output.hpp"
#include "admin/output/table.hpp"
#include "input/names.hpp"
#include "log/journal_fields.hpp"

#include <ctime>
#include <ostream>

namespace qrexec_proxy::admin {
namespace {

// "2026-11-26 10:00:03" for people, "2026-11-26T10:00:03.123456+01:00"
// for scripts; both in local time.
std::string format_time(TimePoint time, bool iso) {
  const auto us_since_epoch =
      std::chrono::duration_cast<std::chrono::microseconds>(time.time_since_epoch()).count();
  const std::time_t seconds = static_cast<std::time_t>(us_since_epoch / 1000000);
  std::tm local{};
  if (::localtime_r(&seconds, &local) == nullptr) return "?";
  char text[64];
  if (!iso) {
    std::strftime(text, sizeof text, "%Y-%m-%d %H:%M:%S", &local);
    return text;
  }
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%S", &local);
  char fraction[16];
  std::snprintf(fraction, sizeof fraction, ".%06lld",
                static_cast<long long>(us_since_epoch % 1000000));
  char zone[8];
  std::strftime(zone, sizeof zone, "%z", &local);  // +0100
  const std::string offset(zone);
  return std::string(text) + fraction + offset.substr(0, 3) + ":" + offset.substr(3);
}

std::string format_duration(std::uint64_t us) {
  char text[32];
  std::snprintf(text, sizeof text, "%.3f s", static_cast<double>(us) / 1e6);
  return text;
}

Colour outcome_colour(const std::string& outcome) {
  if (outcome == outcome_name::completed) return Colour::green;
  if (outcome == outcome_name::refused || outcome == outcome_name::source_gone ||
      outcome == outcome_name::terminated || outcome == outcome_name::stopped)
    return Colour::yellow;
  return Colour::red;
}

nlohmann::json audit_json(const std::vector<AuditEvent>& events) {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& event : events)
    list.push_back(
        {{"plugin", event.plugin}, {"action", event.action}, {"message", event.message}});
  return list;
}

// "byte_limit would cut src2dst; timeout would abort the call (...)".
std::string audit_text(const std::vector<AuditEvent>& events) {
  constexpr std::string_view prefix = journal_text::audit_prefix;
  std::string text;
  for (const auto& event : events) {
    std::string_view message = event.message;
    if (message.starts_with(prefix)) message.remove_prefix(prefix.size());
    text += (text.empty() ? "" : "; ") + std::string(message);
  }
  return text;
}

nlohmann::json call_json(const CallSummary& call) {
  return {
      {"time", format_time(call.time, true)},
      {"realtime_usec",
       std::chrono::duration_cast<std::chrono::microseconds>(call.time.time_since_epoch()).count()},
      {"source", call.source},
      {"chain", call.chain},
      {"target", call.target},
      {"service", call.service},
      {"entry", call.entry.empty() ? nlohmann::json() : nlohmann::json(call.entry)},
      {"src2dst_bytes", call.src2dst_bytes},
      {"dst2src_bytes", call.dst2src_bytes},
      {"duration_us", call.duration_us},
      {"outcome", call.outcome},
      {"exit_status", call.exit_status ? nlohmann::json(*call.exit_status) : nlohmann::json()},
      {"reason", call.reason},
      {"plugin", call.plugin},
      {"audit", audit_json(call.audit)},
  };
}

nlohmann::json files_json(const std::vector<FileEvent>& files) {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& file : files)
    list.push_back(
        {{"path", file.path},
         {"type", file.type},
         {"size", file.size},
         {"sha256", file.sha256.empty() ? nlohmann::json() : nlohmann::json(file.sha256)}});
  return list;
}

// The files of each call that carried some, below the calls' table.
std::string files_text(const std::vector<CallSummary>& calls) {
  std::string text;
  for (const auto& call : calls) {
    if (call.files.empty()) continue;
    text += "\n" + format_time(call.time, false) + " " + call.source + " -> " + call.target + " (" +
            call.chain + "), " + std::to_string(call.files.size()) + " files:\n";
    for (const auto& file : call.files) {
      text += "  " + file.type + " " + file.path + " " + std::to_string(file.size) + " bytes";
      if (!file.sha256.empty()) text += " sha256:" + file.sha256;
      text += "\n";
    }
  }
  return text;
}

}  // namespace

int log_command(const AdminContext& context, const LogOptions& options) {
  CallLogQuery query;
  if (options.chain) {
    if (!names::is_chain_name(*options.chain)) {
      context.error("invalid chain name \"" + *options.chain + "\"");
      return admin_status::usage;
    }
    query.chain = options.chain;
  }
  if (options.source) {
    if (!names::is_qube_name(*options.source)) {
      context.error("invalid source qube name \"" + *options.source + "\"");
      return admin_status::usage;
    }
    query.source = options.source;
  }
  if (options.since) {
    query.since = parse_time_spec(*options.since, std::chrono::system_clock::now());
    if (!query.since) {
      context.error("cannot understand the time \"" + *options.since +
                    "\": use e.g. \"2026-11-26 10:00\", \"-1h\" or \"2 hours ago\"");
      return admin_status::usage;
    }
  }

  query.audited_only = options.audit;
  query.files = options.files;
  auto read = read_call_log(query);
  if (auto* error = std::get_if<std::string>(&read)) {
    context.error(*error);
    return admin_status::failure;
  }
  const auto& calls = std::get<std::vector<CallSummary>>(read);
  if (options.json) {
    nlohmann::json list = nlohmann::json::array();
    for (const auto& call : calls) {
      list.push_back(call_json(call));
      if (options.files) list.back()["files"] = files_json(call.files);
    }
    context.out << json_text(list);
    return admin_status::ok;
  }
  if (calls.empty()) {
    context.out << "No calls logged" << (options.since ? " since then" : "") << ".\n";
    return admin_status::ok;
  }
  // Why a call did not complete, last and only when there is something to say.
  bool any_reason = false;
  bool any_audit = false;
  // How each call came in, once some did not come the explicit way: a route
  // or a local run (`run` records a call of its own; any local user may run
  // it, so its records are never taken for calls from a qube).
  bool any_other_entry = false;
  for (const auto& call : calls) {
    any_reason |= !call.reason.empty();
    any_audit |= !call.audit.empty();
    any_other_entry |= !call.entry.empty() && call.entry != entry_name::explicit_call;
  }
  std::vector<std::string> headers = {"time",   "source", "chain",    "target",  "service",
                                      "to-dst", "to-src", "duration", "outcome", "exit"};
  if (any_other_entry) headers.emplace_back("entry");
  if (any_reason) headers.emplace_back("reason");
  if (any_audit) headers.emplace_back("audit");
  Table table(std::move(headers));
  const auto or_dash = [](const std::string& text) { return text.empty() ? "-" : text; };
  for (const auto& call : calls) {
    std::vector<Cell> row = {format_time(call.time, false),
                             or_dash(call.source),
                             or_dash(call.chain),
                             or_dash(call.target),
                             or_dash(call.service),
                             std::to_string(call.src2dst_bytes),
                             std::to_string(call.dst2src_bytes),
                             format_duration(call.duration_us),
                             Cell(call.outcome, outcome_colour(call.outcome)),
                             call.exit_status ? std::to_string(*call.exit_status) : "-"};
    if (any_other_entry) row.emplace_back(or_dash(call.entry));
    if (any_reason) row.emplace_back(call.reason);
    if (any_audit) row.emplace_back(audit_text(call.audit));
    table.add_row(std::move(row));
  }
  context.out << table.render(context.style);
  if (options.files) context.out << files_text(calls);
  return admin_status::ok;
}

}  // namespace qrexec_proxy::admin
