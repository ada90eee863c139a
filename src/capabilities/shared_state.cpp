#include "capabilities/shared_state.hpp"

#include <cerrno>
#include <chrono>
#include <cstring>
#include <thread>

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

namespace qrexec_proxy {
namespace {

// Locks are held for a read-modify-write of a few bytes; a holder that keeps
// one this long is stuck, and waiting longer would hang the call.
constexpr auto lock_wait_limit = std::chrono::seconds(5);
constexpr std::size_t max_record_size = 1024 * 1024;

std::string errno_text(const char* what) {
  return std::string(what) + ": " + std::strerror(errno);
}

std::string ensure_directory(const std::filesystem::path& directory) {
  std::error_code error;
  std::filesystem::create_directories(directory, error);
  if (error) return "cannot create " + directory.string() + ": " + error.message();
  return {};
}

UniqueFd open_record(const std::filesystem::path& path) {
  return UniqueFd(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600));
}

bool lock_with_deadline(int fd) {
  const auto deadline = std::chrono::steady_clock::now() + lock_wait_limit;
  auto pause = std::chrono::milliseconds(1);
  while (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    if (errno != EWOULDBLOCK && errno != EINTR) return false;
    if (std::chrono::steady_clock::now() >= deadline) {
      errno = ETIMEDOUT;
      return false;
    }
    std::this_thread::sleep_for(pause);
    pause = std::min(pause * 2, std::chrono::milliseconds(50));
  }
  return true;
}

}  // namespace

SharedState::SharedState(std::filesystem::path root) : root_(std::move(root)) {}

std::filesystem::path SharedState::directory(std::string_view scope,
                                             const std::string& configured) const {
  if (!configured.empty()) return configured;
  return root_ / scope;
}

std::string SharedState::update(const std::filesystem::path& directory, std::string_view name,
                                const std::function<void(std::string& contents)>& update) {
  if (auto error = ensure_directory(directory); !error.empty()) return error;
  const auto path = directory / name;
  UniqueFd fd = open_record(path);
  if (!fd) return errno_text(("cannot open " + path.string()).c_str());
  if (!lock_with_deadline(fd.get())) return errno_text(("cannot lock " + path.string()).c_str());
  struct stat info {};
  if (::fstat(fd.get(), &info) != 0) return errno_text("fstat");
  if (!S_ISREG(info.st_mode) || static_cast<std::size_t>(info.st_size) > max_record_size)
    return path.string() + " is not a state file";
  std::string contents(static_cast<std::size_t>(info.st_size), '\0');
  if (!contents.empty() && ::pread(fd.get(), contents.data(), contents.size(), 0) !=
                               static_cast<ssize_t>(contents.size()))
    return errno_text(("cannot read " + path.string()).c_str());
  update(contents);
  // Write, then cut to size: a process killed in between leaves the new
  // contents followed by a stale tail of the old ones, never an empty record.
  if (::pwrite(fd.get(), contents.data(), contents.size(), 0) !=
          static_cast<ssize_t>(contents.size()) ||
      ::ftruncate(fd.get(), static_cast<off_t>(contents.size())) != 0)
    return errno_text(("cannot write " + path.string()).c_str());
  return {};  // closing the descriptor releases the lock
}

SharedState::SlotResult SharedState::take_slot(const std::filesystem::path& directory,
                                               std::string_view name, std::size_t limit,
                                               std::string& error, std::size_t first,
                                               std::size_t* taken) {
  if (error = ensure_directory(directory); !error.empty()) return SlotResult::error;
  for (std::size_t tried = 0; tried < limit; ++tried) {
    const std::size_t slot = (first + tried) % limit;
    const auto path = directory / (std::string(name) + ".slot" + std::to_string(slot));
    UniqueFd fd = open_record(path);
    if (!fd) {
      error = errno_text(("cannot open " + path.string()).c_str());
      return SlotResult::error;
    }
    if (::flock(fd.get(), LOCK_EX | LOCK_NB) == 0) {
      held_slots_.push_back(std::move(fd));
      if (taken != nullptr) *taken = slot;
      return SlotResult::taken;
    }
    if (errno != EWOULDBLOCK) {
      error = errno_text(("cannot lock " + path.string()).c_str());
      return SlotResult::error;
    }
  }
  return SlotResult::all_busy;
}

}  // namespace qrexec_proxy
