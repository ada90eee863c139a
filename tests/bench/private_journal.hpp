// A systemd-journald of the benchmark's own. The sniff chain sends every
// byte it moves to the journal, over a million records per GiB: sent to the
// machine's journal they would trip its rate limit for every other program
// (journald limits all callers outside systemd units as one). So, when run
// as root, the benchmark moves into a mount namespace of its own, mounts
// empty tmpfs over the journal's directories and starts a journald there:
// the proxy logs to a real journal, and nobody else's records are lost.
#pragma once

#include <optional>
#include <string>

#include <sys/types.h>

namespace qrexec_proxy::bench {

class PrivateJournal {
 public:
  // Starts it, or says in `why_not` why it cannot (then the machine's
  // journal is used).
  static std::optional<PrivateJournal> start(std::string& why_not);
  PrivateJournal(PrivateJournal&& other) noexcept;
  PrivateJournal& operator=(PrivateJournal&&) = delete;
  ~PrivateJournal();

 private:
  PrivateJournal() = default;
  pid_t pid_ = -1;
};

}  // namespace qrexec_proxy::bench
