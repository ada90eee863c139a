#include "input/stderr_lines.hpp"

#include "log/log_text.hpp"

namespace qrexec_proxy {

void StderrLines::feed(std::string_view untrusted_bytes, const Sink& sink) {
  while (!untrusted_bytes.empty()) {
    const std::size_t end = untrusted_bytes.find('\n');
    const std::string_view untrusted_piece = untrusted_bytes.substr(0, end);
    if (untrusted_line_.size() < max_line_)
      untrusted_line_.append(untrusted_piece.substr(0, max_line_ - untrusted_line_.size()));
    if (end == std::string_view::npos) return;
    emit(sink);
    untrusted_bytes.remove_prefix(end + 1);
  }
}

void StderrLines::finish(const Sink& sink) {
  if (!untrusted_line_.empty()) emit(sink);
}

void StderrLines::emit(const Sink& sink) {
  sink(escape_for_log(untrusted_line_, max_line_));
  untrusted_line_.clear();
}

}  // namespace qrexec_proxy
