#include "registry/live_calls.hpp"

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstring>

#include <fcntl.h>
#include <poll.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace qrexec_proxy::live {
namespace {

int open_pidfd(pid_t pid) {
  return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
}

int send_signal(int pidfd, int signal) {
  return static_cast<int>(::syscall(SYS_pidfd_send_signal, pidfd, signal, nullptr, 0));
}

}  // namespace

bool is_entry_id(std::string_view id) {
  return id.size() == 8 && std::all_of(id.begin(), id.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

namespace {

// Each entry file of `directory` with its contents, whole ones only.
template <typename Visit>
bool for_each_entry(const std::filesystem::path& directory, std::string& error, Visit visit) {
  std::error_code problem;
  if (!std::filesystem::exists(directory, problem)) return true;  // no call ran yet
  std::filesystem::directory_iterator files(directory, problem);
  if (problem) {
    error = "cannot read " + directory.string() + ": " + problem.message() +
            " (run as root, or as the user the service runs as)";
    return false;
  }
  for (const auto& file : files) {
    if (!file.path().filename().string().starts_with("slot")) continue;
    const int fd = ::open(file.path().c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
    if (fd < 0) continue;
    Record record{};
    const bool whole = ::pread(fd, &record, sizeof record, 0) == sizeof record;
    ::close(fd);
    if (whole) visit(file.path(), record);
  }
  return true;
}

}  // namespace

Listing list_live_calls(const std::filesystem::path& directory) {
  Listing listing;
  for_each_entry(directory, listing.error, [&](const std::filesystem::path&, const Record& record) {
    if (is_alive(record)) listing.calls.push_back(record);
  });
  std::sort(listing.calls.begin(), listing.calls.end(),
            [](const Record& a, const Record& b) { return a.started_unix_us < b.started_unix_us; });
  return listing;
}

StopOutcome request_stop(const std::filesystem::path& directory, const StopOrder& order,
                         std::chrono::milliseconds wait) {
  StopOutcome outcome;
  if (!is_entry_id(order.id)) {
    outcome.error = "no call " + order.id + ": an id is 8 hex digits, as `calls` shows it";
    return outcome;
  }
  std::filesystem::path path;
  if (!for_each_entry(directory, outcome.error,
                      [&](const std::filesystem::path& file, const Record& record) {
                        if (text_of(record.id) == order.id && is_alive(record)) path = file;
                      }))
    return outcome;
  if (path.empty()) {
    outcome.error = "no call " + order.id + " runs";
    return outcome;
  }
  const int fd = ::open(path.c_str(), O_RDWR | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) {
    outcome.error = "cannot open " + path.string() + ": " + std::strerror(errno);
    return outcome;
  }
  void* mapping = ::mmap(nullptr, sizeof(Record), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  ::close(fd);
  if (mapping == MAP_FAILED) {
    outcome.error = "cannot map " + path.string() + ": " + std::strerror(errno);
    return outcome;
  }
  auto* record = static_cast<Record*>(mapping);
  // The pidfd first, then the check that its process is the entry's (and
  // the entry still this call's): a pid reused since cannot be hit.
  const int pidfd = is_alive(*record) ? open_pidfd(record->pid) : -1;
  if (pidfd < 0 || !is_alive(*record) || text_of(record->id) != order.id) {
    outcome.error = "no call " + order.id + " runs (it has ended)";
  } else {
    store(record->stop_direction, order.direction);
    store(record->stop_uid, order.uid);
    set_text(record->stop_user, order.user);
    set_text(record->stop_reason, order.reason);
    store(record->stop_sequence, load(record->stop_sequence) + 1);
    if (send_signal(pidfd, SIGUSR1) != 0) {
      outcome.error = "cannot signal the call's process: " + std::string(std::strerror(errno));
    } else {
      outcome.sent = true;
      if (order.direction == 0) {
        pollfd exited{pidfd, POLLIN, 0};
        outcome.ended = ::poll(&exited, 1, static_cast<int>(wait.count())) == 1;
      }
    }
  }
  if (pidfd >= 0) ::close(pidfd);
  ::munmap(mapping, sizeof(Record));
  return outcome;
}

}  // namespace qrexec_proxy::live
