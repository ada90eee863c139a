#include "core/journal.hpp"

#include "core/call_request.hpp"

#include <systemd/sd-journal.h>

namespace qrexec_proxy {

Journal::Journal() = default;

void Journal::set_call(const CallInfo& call) {
  call_fields_ = {"CHAIN=" + escape_for_log(call.chain), "SOURCE=" + escape_for_log(call.source),
                  "TARGET=" + escape_for_log(call.target),
                  "SERVICE=" + escape_for_log(call.service, 2048)};
}

void Journal::set_source(std::string_view source) {
  call_fields_ = {"SOURCE=" + escape_for_log(source)};
}

void Journal::add_field(std::string_view name, std::string_view value) {
  // record_ was sized in send(), so earlier iovecs stay valid.
  std::string& field = record_[iov_.size()];
  field.assign(name);
  field.push_back('=');
  field.append(value);
  iov_.push_back({field.data(), field.size()});
}

void Journal::send(Priority priority, std::string_view event, std::string_view message,
                   std::span<const LogField> fields) {
  iov_.clear();
  constexpr std::size_t own_fields = 4;
  if (record_.size() < own_fields + fields.size()) record_.resize(own_fields + fields.size());
  static constexpr char digits[] = "01234567";
  const char level = digits[static_cast<int>(priority) & 7];
  add_field("PRIORITY", std::string_view(&level, 1));
  add_field("SYSLOG_IDENTIFIER", kSyslogIdentifier);
  add_field("EVENT", event);
  add_field("MESSAGE", message);
  for (const auto& field : fields) add_field(field.name, field.value);
  for (const auto& field : call_fields_)
    iov_.push_back({const_cast<char*>(field.data()), field.size()});
  // Failure (no journal) is deliberately ignored: see the class comment.
  (void)sd_journal_sendv(iov_.data(), static_cast<int>(iov_.size()));
}

}  // namespace qrexec_proxy
