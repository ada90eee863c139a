#include "input/stderr_lines.hpp"

#include "log/log_text.hpp"

#include <algorithm>

namespace qrexec_proxy {

void StderrLines::feed(std::string_view untrusted_bytes, const Sink& sink) {
  while (!untrusted_bytes.empty()) {
    const std::size_t end = untrusted_bytes.find('\n');
    const std::string_view untrusted_piece = untrusted_bytes.substr(0, end);
    const std::size_t room = max_line_ - untrusted_line_.size();
    untrusted_line_.append(untrusted_piece.substr(0, room));
    cut_bytes_ += untrusted_piece.size() - std::min(room, untrusted_piece.size());
    if (end == std::string_view::npos) return;
    emit(sink);
    untrusted_bytes.remove_prefix(end + 1);
  }
}

void StderrLines::finish(const Sink& sink) {
  if (!untrusted_line_.empty() || cut_bytes_ > 0) emit(sink);
}

void StderrLines::emit(const Sink& sink) {
  sink(escape_for_log(untrusted_line_, max_line_), cut_bytes_);
  untrusted_line_.clear();
  cut_bytes_ = 0;
}

}  // namespace qrexec_proxy
