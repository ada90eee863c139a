// Structured records to the systemd journal. Every record carries
// SYSLOG_IDENTIFIER=qrexec-proxy and the call's fields (CHAIN, SOURCE,
// TARGET, SERVICE) once they are known. When no journal is running, records
// are dropped silently: the proxy never falls back to stderr, which would
// reach the calling qube.
#pragma once

#include "core/plugin.hpp"

#include <string>
#include <string_view>
#include <vector>

#include <sys/uio.h>

namespace qrexec_proxy {

inline constexpr std::string_view kSyslogIdentifier = "qrexec-proxy";

// Values of the EVENT field, so records can be selected by kind.
namespace journal_event {
inline constexpr std::string_view start = "start";
inline constexpr std::string_view refused = "refused";
inline constexpr std::string_view error = "error";
inline constexpr std::string_view plugin = "plugin";
inline constexpr std::string_view audit = "audit";
inline constexpr std::string_view destination_stderr = "destination-stderr";
inline constexpr std::string_view summary = "summary";
}  // namespace journal_event

class Journal {
 public:
  Journal();

  // Adds CHAIN, SOURCE, TARGET, SERVICE to every later record. Values are
  // escaped: a field never holds a control byte.
  void set_call(const CallInfo& call);
  // Only SOURCE, for records before the argument has been validated.
  void set_source(std::string_view source);

  // One record. `fields` are added as given; values must be safe (escaped
  // by the caller when they hold untrusted bytes).
  void send(Priority priority, std::string_view event, std::string_view message,
            std::span<const LogField> fields = {});

 private:
  void add_field(std::string_view name, std::string_view value);

  std::vector<std::string> call_fields_;
  // Reused storage for one record, so logging does not allocate once warm.
  std::vector<std::string> record_;
  std::vector<iovec> iov_;
};

}  // namespace qrexec_proxy
