// The names of the journal fields the proxy writes and qrexec-proxy-admin
// reads back, the values of EVENT, the outcomes of a call, and the fixed
// texts a reader parses: one place for the writers and the readers
// (README: "Logging").
#pragma once

#include <string_view>

namespace qrexec_proxy {

inline constexpr std::string_view kSyslogIdentifier = "qrexec-proxy";

namespace journal_field {
// Every record.
inline constexpr std::string_view priority = "PRIORITY";
inline constexpr std::string_view syslog_identifier = "SYSLOG_IDENTIFIER";
inline constexpr std::string_view event = "EVENT";
inline constexpr std::string_view message = "MESSAGE";
// The call, once its names are known (SOURCE before).
inline constexpr std::string_view chain = "CHAIN";
inline constexpr std::string_view source = "SOURCE";
inline constexpr std::string_view target = "TARGET";
inline constexpr std::string_view service = "SERVICE";
// How the call came in (entry_name), and for a route, which one ("FILE
// route #N").
inline constexpr std::string_view entry = "ENTRY";
inline constexpr std::string_view route = "ROUTE";
// A plugin's records, and what a plugin in audit mode would have done.
inline constexpr std::string_view plugin = "PLUGIN";
inline constexpr std::string_view action = "ACTION";
inline constexpr std::string_view direction = "DIRECTION";
// The summary of a call.
inline constexpr std::string_view outcome = "OUTCOME";
inline constexpr std::string_view exit_status = "EXIT_STATUS";
inline constexpr std::string_view destination_status = "DESTINATION_STATUS";
inline constexpr std::string_view src2dst_bytes = "SRC2DST_BYTES";
inline constexpr std::string_view dst2src_bytes = "DST2SRC_BYTES";
inline constexpr std::string_view src2dst_received = "SRC2DST_RECEIVED";
inline constexpr std::string_view dst2src_received = "DST2SRC_RECEIVED";
inline constexpr std::string_view src2dst_dropped = "SRC2DST_DROPPED";
inline constexpr std::string_view dst2src_dropped = "DST2SRC_DROPPED";
inline constexpr std::string_view duration_us = "DURATION_US";
inline constexpr std::string_view reason = "REASON";
// What a call's programs wrote to stderr beyond what is logged.
inline constexpr std::string_view stderr_lines_left_out = "STDERR_LINES_LEFT_OUT";
inline constexpr std::string_view stderr_bytes_left_out = "STDERR_BYTES_LEFT_OUT";
inline constexpr std::string_view plugin_records_left_out = "PLUGIN_RECORDS_LEFT_OUT";
// A file that crossed (plugins filecopy and open_in_vm).
inline constexpr std::string_view file_path = "FILE_PATH";
inline constexpr std::string_view file_type = "FILE_TYPE";
inline constexpr std::string_view file_size = "FILE_SIZE";
inline constexpr std::string_view file_mode = "FILE_MODE";
inline constexpr std::string_view file_sha256 = "FILE_SHA256";
inline constexpr std::string_view file_link_target = "FILE_LINK_TARGET";
// Set by journald itself, from the writer's /proc entry.
inline constexpr std::string_view trusted_executable = "_EXE";
inline constexpr std::string_view trusted_pid = "_PID";
}  // namespace journal_field

// Values of EVENT, so records can be selected by kind.
namespace journal_event {
inline constexpr std::string_view start = "start";
inline constexpr std::string_view refused = "refused";
inline constexpr std::string_view error = "error";
inline constexpr std::string_view plugin = "plugin";
inline constexpr std::string_view audit = "audit";
inline constexpr std::string_view destination_stderr = "destination-stderr";
inline constexpr std::string_view summary = "summary";
// An administrator stopped one direction of a call (qrexec-proxy-admin stop).
inline constexpr std::string_view stop = "stop";
}  // namespace journal_event

// Values of OUTCOME.
namespace outcome_name {
inline constexpr std::string_view completed = "completed";
inline constexpr std::string_view refused = "refused";
inline constexpr std::string_view aborted = "aborted";
inline constexpr std::string_view source_gone = "source-gone";
inline constexpr std::string_view terminated = "terminated";
inline constexpr std::string_view failed = "failed";
inline constexpr std::string_view stopped = "stopped";  // at an administrator's request
}  // namespace outcome_name

// Values of ENTRY.
namespace entry_name {
// The source called qrexec-proxy+CHAIN+DST+SERVICE.
inline constexpr std::string_view explicit_call = "explicit";
// dom0 redirected a call of another service to this qube; a route took it.
inline constexpr std::string_view route = "route";
// qrexec-proxy-admin run, in this qube.
inline constexpr std::string_view local_run = "run";
}  // namespace entry_name

// The fixed beginnings of messages a reader takes apart.
namespace journal_text {
// A call refused before its chain ran: "call refused: REASON".
inline constexpr std::string_view refused_prefix = "call refused: ";
// An audit record: "audit: PLUGIN would WHAT".
inline constexpr std::string_view audit_prefix = "audit: ";
}  // namespace journal_text

}  // namespace qrexec_proxy
