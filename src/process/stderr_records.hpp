// What a call's child processes write to their stderr, as journal records:
// one a line, and never more than a call may write. A child that writes
// without end (a destination's service, a filter fed the caller's bytes)
// must not flood the journal and push the call's own records out of it.
#pragma once

#include "log/journal.hpp"
#include "process/child_processes.hpp"

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace qrexec_proxy {

class StderrRecords {
 public:
  // The most of its children's stderr one call logs.
  static constexpr std::size_t kMostLines = 200;
  static constexpr std::size_t kMostBytes = 32 * 1024;

  // `plugin_names[i]` names the plugin of chain position i (a filter's).
  StderrRecords(Journal& journal, const std::vector<std::string>& plugin_names)
      : journal_(journal), plugin_names_(plugin_names) {}

  // A line `child` wrote, made safe, and how many bytes of it were cut.
  void line(const ChildProcesses::Child& child, std::string_view safe_line, std::size_t cut_bytes);
  // The call is over: one record of what was left out, if anything was.
  void finish();

 private:
  struct Count {
    std::size_t lines = 0;
    std::size_t bytes = 0;
  };
  Journal& journal_;
  const std::vector<std::string>& plugin_names_;
  Count logged_;
  Count left_out_;
};

}  // namespace qrexec_proxy
