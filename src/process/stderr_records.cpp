#include "process/stderr_records.hpp"

namespace qrexec_proxy {

void StderrRecords::line(const ChildProcesses::Child& child, std::string_view safe_line,
                         std::size_t cut_bytes) {
  if (logged_.lines >= kMostLines || logged_.bytes + safe_line.size() > kMostBytes) {
    ++left_out_.lines;
    left_out_.bytes += safe_line.size() + cut_bytes;
    return;
  }
  ++logged_.lines;
  logged_.bytes += safe_line.size();
  std::string text(safe_line);
  if (cut_bytes > 0) text += " [line cut: " + std::to_string(cut_bytes) + " more bytes left out]";
  if (!child.plugin) {
    journal_.send(Priority::warning, journal_event::destination_stderr, "destination: " + text);
    return;
  }
  const std::string& name = plugin_names_[*child.plugin];
  const std::string direction(to_string(child.direction));
  const LogField fields[] = {{journal_field::plugin, name}, {journal_field::direction, direction}};
  journal_.send(Priority::warning, journal_event::plugin,
                name + " " + direction + " program: " + text, fields);
}

void StderrRecords::finish() {
  if (left_out_.lines == 0) return;
  const std::string lines = std::to_string(left_out_.lines);
  const std::string bytes = std::to_string(left_out_.bytes);
  const LogField fields[] = {{journal_field::stderr_lines_left_out, lines},
                             {journal_field::stderr_bytes_left_out, bytes}};
  journal_.send(Priority::warning, journal_event::destination_stderr,
                "stderr: " + lines + " more lines (" + bytes +
                    " bytes) of the call's programs left out: at most " +
                    std::to_string(kMostLines) + " lines and " + std::to_string(kMostBytes / 1024) +
                    " KiB of a call's stderr are logged",
                fields);
  left_out_ = {};
}

}  // namespace qrexec_proxy
