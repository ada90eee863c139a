#include "admin/journal/call_log.hpp"

#include "admin/service_program.hpp"

#include "engine/exit_status.hpp"
#include "log/journal.hpp"

#include <charconv>
#include <cstring>
#include <filesystem>
#include <map>
#include <memory>

#include <systemd/sd-journal.h>

namespace qrexec_proxy::admin {
namespace {

struct JournalCloser {
  void operator()(sd_journal* journal) const { sd_journal_close(journal); }
};
using JournalHandle = std::unique_ptr<sd_journal, JournalCloser>;

// The value of FIELD in the current entry, or empty.
std::string field(sd_journal* journal, std::string_view name) {
  const void* data = nullptr;
  std::size_t length = 0;
  if (sd_journal_get_data(journal, std::string(name).c_str(), &data, &length) < 0) return {};
  const std::string_view entry(static_cast<const char*>(data), length);
  const std::size_t prefix = name.size() + 1;  // "NAME="
  return entry.size() >= prefix ? std::string(entry.substr(prefix)) : std::string();
}

template <typename Number>
std::optional<Number> number(const std::string& text) {
  Number value{};
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

std::string match(std::string_view name, std::string_view value) {
  return std::string(name) + "=" + std::string(value);
}

// The programs whose records count: this one, and the service installed
// beside it (as journald names them: symbolic links resolved).
std::vector<std::filesystem::path> record_writers() {
  const auto self = this_program();
  if (!self) return {};
  std::vector<std::filesystem::path> writers = {*self};
  if (const auto service = service_program()) writers.push_back(*service);
  return writers;
}

}  // namespace

std::variant<std::vector<CallSummary>, std::string> read_call_log(const CallLogQuery& query) {
  sd_journal* raw = nullptr;
  if (const int error = sd_journal_open(&raw, SD_JOURNAL_LOCAL_ONLY); error < 0)
    return std::string("cannot open the journal: ") + std::strerror(-error);
  const JournalHandle journal(raw);
  // Opening succeeds even when no file may be read: say so rather than
  // report that no call was made.
  if (sd_journal_has_runtime_files(journal.get()) <= 0 &&
      sd_journal_has_persistent_files(journal.get()) <= 0)
    return std::string(
        "no journal can be read here: run as root or as a member of the systemd-journal group");

  // Matches on different fields must all hold, of matches on one field any
  // may hold. A call the service refused before its chain ran has a
  // "refused" record instead of a summary; audit records come before their
  // call's summary, from the same process.
  // Any process may name itself qrexec-proxy (SYSLOG_IDENTIFIER is its own
  // to set); only journald sets _EXE, from the writer's /proc entry. A
  // record counts when the service or this program (`run`) wrote it.
  std::vector<std::string> matches = {match(journal_field::syslog_identifier, kSyslogIdentifier),
                                      match(journal_field::event, journal_event::summary),
                                      match(journal_field::event, journal_event::refused),
                                      match(journal_field::event, journal_event::audit)};
  // Files are in plugin records, which are many: read only when asked.
  if (query.files) matches.push_back(match(journal_field::event, journal_event::plugin));
  const auto writers = record_writers();
  if (writers.empty())
    return std::string("cannot read /proc/self/exe: no record can be told from a forged one");
  for (const auto& program : writers)
    matches.push_back(match(journal_field::trusted_executable, program.string()));
  if (query.chain) matches.push_back(match(journal_field::chain, *query.chain));
  if (query.source) matches.push_back(match(journal_field::source, *query.source));
  for (const auto& text : matches)
    if (const int error = sd_journal_add_match(journal.get(), text.data(), text.size()); error < 0)
      return std::string("cannot search the journal: ") + std::strerror(-error);

  std::uint64_t since_us = 0;
  if (query.since) {
    const auto count =
        std::chrono::duration_cast<std::chrono::microseconds>(query.since->time_since_epoch())
            .count();
    since_us = count > 0 ? static_cast<std::uint64_t>(count) : 0;
  }
  const int seek = since_us > 0 ? sd_journal_seek_realtime_usec(journal.get(), since_us)
                                : sd_journal_seek_head(journal.get());
  if (seek < 0) return std::string("cannot search the journal: ") + std::strerror(-seek);

  std::vector<CallSummary> calls;
  // Audit events waiting for their call's summary, by the service's pid.
  std::map<std::string, std::vector<AuditEvent>> pending_audit;
  std::map<std::string, std::vector<FileEvent>> pending_files;
  while (true) {
    const int next = sd_journal_next(journal.get());
    if (next < 0) return std::string("cannot read the journal: ") + std::strerror(-next);
    if (next == 0) break;
    std::uint64_t realtime_us = 0;
    if (sd_journal_get_realtime_usec(journal.get(), &realtime_us) < 0) continue;
    // Entries of several journal files interleave: check each one's time.
    if (realtime_us < since_us) continue;
    const std::string event = field(journal.get(), journal_field::event);
    const std::string pid = field(journal.get(), journal_field::trusted_pid);
    if (event == journal_event::audit) {
      pending_audit[pid].push_back({field(journal.get(), journal_field::plugin),
                                    field(journal.get(), journal_field::action),
                                    field(journal.get(), journal_field::message)});
      continue;
    }
    if (event == journal_event::plugin) {
      const std::string path = field(journal.get(), journal_field::file_path);
      if (!path.empty())
        pending_files[pid].push_back(
            {path, field(journal.get(), journal_field::file_type),
             number<std::uint64_t>(field(journal.get(), journal_field::file_size)).value_or(0),
             field(journal.get(), journal_field::file_sha256)});
      continue;
    }
    CallSummary call;
    call.time = TimePoint(std::chrono::microseconds(realtime_us));
    if (const auto audits = pending_audit.find(pid); audits != pending_audit.end()) {
      call.audit = std::move(audits->second);
      pending_audit.erase(audits);
    }
    if (const auto files = pending_files.find(pid); files != pending_files.end()) {
      call.files = std::move(files->second);
      pending_files.erase(files);
    }
    call.source = field(journal.get(), journal_field::source);
    call.chain = field(journal.get(), journal_field::chain);
    call.target = field(journal.get(), journal_field::target);
    call.service = field(journal.get(), journal_field::service);
    call.entry = field(journal.get(), journal_field::entry);
    if (event == journal_event::refused) {
      call.outcome = outcome_name::refused;
      call.exit_status = exit_status::refused;
      call.reason = field(journal.get(), journal_field::message);
      if (call.reason.starts_with(journal_text::refused_prefix))
        call.reason.erase(0, journal_text::refused_prefix.size());
      calls.push_back(std::move(call));
      continue;
    }
    call.outcome = field(journal.get(), journal_field::outcome);
    call.exit_status = number<int>(field(journal.get(), journal_field::exit_status));
    call.src2dst_bytes =
        number<std::uint64_t>(field(journal.get(), journal_field::src2dst_bytes)).value_or(0);
    call.dst2src_bytes =
        number<std::uint64_t>(field(journal.get(), journal_field::dst2src_bytes)).value_or(0);
    call.duration_us =
        number<std::uint64_t>(field(journal.get(), journal_field::duration_us)).value_or(0);
    call.reason = field(journal.get(), journal_field::reason);
    call.plugin = field(journal.get(), journal_field::plugin);
    calls.push_back(std::move(call));
  }
  if (query.audited_only)
    std::erase_if(calls, [](const CallSummary& call) { return call.audit.empty(); });
  return calls;
}

}  // namespace qrexec_proxy::admin
