// Structured records to the systemd journal. Every record carries
// SYSLOG_IDENTIFIER=qrexec-proxy and the call's fields (CHAIN, SOURCE,
// TARGET, SERVICE) once they are known. When no journal is running, records
// are dropped silently: the proxy never falls back to stderr, which would
// reach the calling qube.
//
// Records go to journald over its native protocol (a datagram of fields on
// /run/systemd/journal/socket, a sealed memfd when too large for one), the
// protocol sd_journal_sendv() speaks: the service needs no libsystemd, which
// with the libraries it pulls in would cost every call over a megabyte of
// memory and a millisecond of start-up.
#pragma once

#include "log/journal_fields.hpp"
#include "plugin_api/plugin.hpp"

#include <string>
#include <string_view>

namespace qrexec_proxy {

// Appends one field to a record in the journal's native format: NAME=VALUE
// and a newline, or, when VALUE holds a newline, NAME, a newline, VALUE's
// length (64 bits, little endian), VALUE and a newline.
void append_journal_field(std::string& record, std::string_view name, std::string_view value);

class Journal {
 public:
  Journal();
  ~Journal();
  Journal(const Journal&) = delete;
  Journal& operator=(const Journal&) = delete;

  // Adds CHAIN, SOURCE, TARGET, SERVICE, ENTRY (how the call came in:
  // entry_name) and, when given, ROUTE to every later record. Values are
  // escaped: a field never holds a control byte.
  void set_call(const CallInfo& call, std::string_view entry, std::string_view route = {});
  // Only SOURCE and ENTRY, for records before the call's names are known.
  void set_source(std::string_view source, std::string_view entry);
  // How the call came in, as set_call or set_source gave it.
  const std::string& entry() const { return entry_; }

  // One record. `fields` are added as given; values must be safe (escaped
  // by the caller when they hold untrusted bytes).
  void send(Priority priority, std::string_view event, std::string_view message,
            std::span<const LogField> fields = {});

  // Called last, before the process exits: returns once journald has
  // attributed every record sent to this process. journald adds the fields
  // that prove who wrote a record (_EXE, _COMM...) from /proc as it takes
  // the record: a record taken after its writer has exited has neither,
  // and `qrexec-proxy-admin log` does not believe it. journald takes the
  // datagrams of its socket one at a time and finishes each (the /proc
  // reads included) before it receives the next, so this sends an empty
  // datagram, which journald ignores, behind the records and waits (at
  // most a second, should journald be stalled) until journald has
  // received it: every record before it has then been attributed.
  void settle();

 private:
  void deliver();
  void deliver_in_memfd();

  // The call's fields, already in the native format.
  std::string call_fields_;
  std::string entry_;
  // Reused storage for one record, so logging does not allocate once warm.
  std::string record_;
  int socket_ = -1;       // made by the constructor, never later
  std::size_t sent_ = 0;  // records sent
};

}  // namespace qrexec_proxy
