// The lines a child process of a call writes to its stderr: the
// destination client (whose stderr carries what the destination qube's
// service writes) and the exec plugin's filter programs (which see the
// calling qube's bytes). Whatever they write is untrusted: it is cut into
// lines here, each at most max_line bytes, and made safe for the journal
// before anyone else sees it.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

namespace qrexec_proxy {

class StderrLines {
 public:
  // Gets each line, escaped (log/log_text.hpp escape_for_log), without its
  // '\n', and how many of its bytes were left out beyond max_line.
  using Sink = std::function<void(std::string_view safe_line, std::size_t cut_bytes)>;

  explicit StderrLines(std::size_t max_line) : max_line_(max_line) {}

  // Takes the next bytes the child wrote; every line they complete goes to
  // `sink`. Bytes beyond max_line in one line are left out.
  void feed(std::string_view untrusted_bytes, const Sink& sink);
  // The child wrote its last byte: a line it did not end goes to `sink`.
  void finish(const Sink& sink);

 private:
  void emit(const Sink& sink);

  std::size_t max_line_;
  std::string untrusted_line_;  // the line so far, at most max_line_ bytes
  std::size_t cut_bytes_ = 0;   // of the line so far, left out
};

}  // namespace qrexec_proxy
