// What a call must leave behind: nothing. A LeakCheck is made at the start
// of a test; expect_nothing_left() at its end checks through /proc that
//  - the test process holds exactly the descriptors it held at the start;
//  - no process is left that the test started, directly or not: the test
//    process becomes a child subreaper, so whatever the proxy, its
//    destination or their helpers leave behind ends up as its child and is
//    seen, running or exited and never collected by a living parent (a
//    zombie). Exited orphans are collected, as init would;
//  - no file under the given directories is locked (/proc/locks).
// Leaks are reported as gtest failures, then cleaned up (killed, collected)
// so that one leaking test does not spoil the next.
#pragma once

#include <chrono>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include <sys/types.h>

namespace qrexec_proxy::test {

class LeakCheck {
 public:
  // `lock_roots`: directories whose files must not stay locked (the proxy's
  // state directory).
  explicit LeakCheck(std::vector<std::filesystem::path> lock_roots = {});

  // Waits up to `settle` for processes that are exiting to be gone, then
  // checks. Failures name what leaked.
  void expect_nothing_left(std::chrono::milliseconds settle = std::chrono::seconds(10));

 private:
  std::map<int, std::string> descriptors_;
  std::vector<std::filesystem::path> lock_roots_;
};

// A process as /proc tells it.
struct ProcessStatus {
  pid_t pid = -1;
  pid_t parent = -1;
  char state = '?';     // R, S, D, Z...
  std::string command;  // its command line, arguments separated by spaces
};

// Descriptor number -> what it refers to (the /proc/PID/fd link).
std::map<int, std::string> open_descriptors(pid_t pid);
// Processes whose parent is `parent`.
std::vector<ProcessStatus> children_of(pid_t parent);
// Every process whose ancestry leads to `ancestor`, ancestor excluded.
std::vector<ProcessStatus> descendants_of(pid_t ancestor);
// One line of /proc/PID/status ("Seccomp", "NoNewPrivs"...), value only.
std::string status_field(pid_t pid, const std::string& name);
// Locks (/proc/locks lines) held on files under `root`.
std::vector<std::string> locks_under(const std::filesystem::path& root);

}  // namespace qrexec_proxy::test
