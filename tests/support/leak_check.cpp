#include "support/leak_check.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <optional>
#include <set>
#include <sstream>
#include <thread>

#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

namespace qrexec_proxy::test {
namespace fs = std::filesystem;

namespace {

std::string read_all(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::optional<ProcessStatus> process_status(pid_t pid) {
  // /proc/PID/stat: "PID (COMM) STATE PPID ..."; COMM may hold anything,
  // so parse from the last ')'.
  const std::string stat = read_all("/proc/" + std::to_string(pid) + "/stat");
  const auto close = stat.rfind(')');
  if (close == std::string::npos) return std::nullopt;
  std::istringstream rest(stat.substr(close + 1));
  ProcessStatus status;
  status.pid = pid;
  rest >> status.state >> status.parent;
  if (!rest) return std::nullopt;
  std::string command = read_all("/proc/" + std::to_string(pid) + "/cmdline");
  std::replace(command.begin(), command.end(), '\0', ' ');
  while (!command.empty() && command.back() == ' ') command.pop_back();
  status.command = command.empty() ? stat.substr(0, close + 1) : command;
  return status;
}

std::vector<ProcessStatus> all_processes() {
  std::vector<ProcessStatus> processes;
  std::error_code error;
  for (const auto& entry : fs::directory_iterator("/proc", error)) {
    const std::string name = entry.path().filename().string();
    if (name.empty() || !std::all_of(name.begin(), name.end(), ::isdigit)) continue;
    if (auto status = process_status(std::stoi(name))) processes.push_back(*status);
  }
  return processes;
}

std::string describe(const std::vector<ProcessStatus>& processes) {
  std::string text;
  for (const auto& process : processes)
    text += "\n  pid " + std::to_string(process.pid) + " state " + process.state + ": " +
            process.command.substr(0, 200);
  return text;
}

std::string describe(const std::map<int, std::string>& descriptors) {
  std::string text;
  for (const auto& [fd, target] : descriptors) text += " " + std::to_string(fd) + "->" + target;
  return text;
}

}  // namespace

std::map<int, std::string> open_descriptors(pid_t pid) {
  std::map<int, std::string> descriptors;
  const fs::path directory = "/proc/" + std::to_string(pid) + "/fd";
  std::error_code error;
  for (const auto& entry : fs::directory_iterator(directory, error)) {
    const int fd = std::stoi(entry.path().filename().string());
    std::error_code link_error;
    const fs::path target = fs::read_symlink(entry.path(), link_error);
    descriptors[fd] = link_error ? "?" : target.string();
  }
  if (pid == ::getpid()) {
    // The listing itself used a descriptor that is closed again.
    for (auto it = descriptors.begin(); it != descriptors.end();) {
      if (::fcntl(it->first, F_GETFD) < 0)
        it = descriptors.erase(it);
      else
        ++it;
    }
  }
  return descriptors;
}

std::vector<ProcessStatus> children_of(pid_t parent) {
  std::vector<ProcessStatus> children;
  for (const auto& process : all_processes())
    if (process.parent == parent) children.push_back(process);
  return children;
}

std::vector<ProcessStatus> descendants_of(pid_t ancestor) {
  const auto processes = all_processes();
  std::set<pid_t> family = {ancestor};
  std::vector<ProcessStatus> found;
  bool grew = true;
  while (grew) {
    grew = false;
    for (const auto& process : processes) {
      if (family.contains(process.parent) && !family.contains(process.pid)) {
        family.insert(process.pid);
        found.push_back(process);
        grew = true;
      }
    }
  }
  return found;
}

std::string status_field(pid_t pid, const std::string& name) {
  std::istringstream lines(read_all("/proc/" + std::to_string(pid) + "/status"));
  for (std::string line; std::getline(lines, line);) {
    if (!line.starts_with(name + ":")) continue;
    const auto value = line.find_first_not_of(" \t", name.size() + 1);
    return value == std::string::npos ? "" : line.substr(value);
  }
  return {};
}

std::vector<std::string> locks_under(const fs::path& root) {
  // Files are named in /proc/locks by MAJOR:MINOR:INODE.
  std::set<std::string> files;
  std::error_code error;
  for (auto it = fs::recursive_directory_iterator(root, error);
       !error && it != fs::recursive_directory_iterator(); it.increment(error)) {
    struct stat info {};
    if (::lstat(it->path().c_str(), &info) != 0) continue;
    char key[64];
    std::snprintf(key, sizeof key, "%02x:%02x:%lu", ::major(info.st_dev), ::minor(info.st_dev),
                  static_cast<unsigned long>(info.st_ino));
    files.insert(key);
  }
  std::vector<std::string> held;
  std::istringstream lines(read_all("/proc/locks"));
  for (std::string line; std::getline(lines, line);) {
    std::istringstream fields(line);
    std::vector<std::string> parts;
    for (std::string part; fields >> part;)
      if (part != "->") parts.push_back(part);
    // ID: CLASS MODE TYPE PID DEVICE:INODE START END
    if (parts.size() >= 6 && files.contains(parts[5])) held.push_back(line);
  }
  return held;
}

LeakCheck::LeakCheck(std::vector<fs::path> lock_roots)
    : descriptors_(open_descriptors(::getpid())), lock_roots_(std::move(lock_roots)) {
  // Orphans of the calls become our children: nothing escapes the check.
  ::prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
}

void LeakCheck::expect_nothing_left(std::chrono::milliseconds settle) {
  // Orphans that have exited were adopted by us, the subreaper: collect
  // them as init would. Whatever else is left (running, or exited under a
  // living parent that does not collect it) has leaked.
  const pid_t self = ::getpid();
  auto collect_adopted = [&] {
    while (::waitpid(-1, nullptr, WNOHANG) > 0) {
    }
  };
  const auto deadline = std::chrono::steady_clock::now() + settle;
  std::vector<ProcessStatus> left;
  while (true) {
    collect_adopted();
    left = descendants_of(self);
    std::erase_if(left, [&](const ProcessStatus& p) { return p.state == 'Z' && p.parent == self; });
    if (left.empty() || std::chrono::steady_clock::now() >= deadline) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_TRUE(left.empty()) << "processes left behind (Z: exited, never collected):"
                            << describe(left);
  for (const auto& process : left) ::kill(process.pid, SIGKILL);
  const auto reap_deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (!descendants_of(self).empty() && std::chrono::steady_clock::now() < reap_deadline) {
    collect_adopted();
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }

  const auto descriptors = open_descriptors(::getpid());
  EXPECT_EQ(descriptors, descriptors_)
      << "descriptors before:" << describe(descriptors_) << "\nafter:" << describe(descriptors);

  for (const auto& root : lock_roots_) {
    const auto locks = locks_under(root);
    EXPECT_TRUE(locks.empty()) << "locks left under " << root.string() << ": "
                               << (locks.empty() ? "" : locks.front());
  }
}

}  // namespace qrexec_proxy::test
