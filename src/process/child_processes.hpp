// The processes a call starts: the destination first, then the exec
// plugin's filter programs. They are started before the call's system call
// filter (they do not inherit it), watched through their pidfds and stderr
// pipes, and stopped and collected before the call ends: no child outlives
// its call.
#pragma once

#include "input/stderr_lines.hpp"
#include "plugin_api/plugin.hpp"
#include "process/child_process.hpp"

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <sys/types.h>

namespace qrexec_proxy {

class ChildProcesses {
 public:
  struct Child {
    ChildProcess process;
    std::optional<std::size_t> plugin;  // the filter's plugin; none for the destination
    Direction direction = Direction::src2dst;
    std::size_t reading_flow = 0;  // a filter's: the flow of `direction` reading its stdout
    StderrLines stderr_lines;
  };
  // Gets each line a child wrote to its stderr, made safe for the journal.
  using StderrSink =
      std::function<void(const Child& child, std::string_view safe_line, std::size_t cut_bytes)>;

  // Room for `count` children: they never move once started (the flows
  // hold their descriptors).
  explicit ChildProcesses(std::size_t count) { children_.reserve(count); }

  // Starts the destination (the first child). Returns 0, or the errno of
  // the failure.
  int start_destination(const std::vector<std::string>& argv,
                        const std::vector<std::string>& environment);
  // Starts `plugin`'s program for `direction`; flow `reading_flow` of that
  // direction reads its stdout. Returns 0, or the errno of the failure.
  int start_filter(std::size_t plugin, Direction direction, std::size_t reading_flow,
                   const std::vector<std::string>& argv,
                   const std::vector<std::string>& environment);

  std::size_t size() const { return children_.size(); }
  bool empty() const { return children_.empty(); }
  Child& operator[](std::size_t index) { return children_[index]; }
  const Child& operator[](std::size_t index) const { return children_[index]; }
  ChildProcess& destination() { return children_.front().process; }
  const ChildProcess& destination() const { return children_.front().process; }
  // Every child's pid: the processes the call may still signal and reap.
  std::vector<pid_t> pids() const;

  // Reads what child `index` wrote to stderr so far (without blocking);
  // every line goes to `sink`. With `finish`, also the line it did not end,
  // and its pipe closes at its end.
  void read_stderr(std::size_t index, bool finish, const StderrSink& sink);
  // Stops every child not yet collected (with the destination, or only the
  // filter programs): SIGTERM to its process group, one grace period for
  // them all, then SIGKILL to what is left; then collects them.
  void stop(bool destination_too);

 private:
  std::vector<Child> children_;
};

}  // namespace qrexec_proxy
