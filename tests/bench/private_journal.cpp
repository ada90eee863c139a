#include "private_journal.hpp"

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <thread>
#include <utility>
#include <vector>

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

namespace qrexec_proxy::bench {
namespace fs = std::filesystem;
namespace {

constexpr const char* kSocket = "/run/systemd/journal/socket";
// Where journald keeps its sockets and its files.
constexpr const char* kJournalDirectories[] = {"/run/systemd/journal", "/run/log/journal",
                                               "/var/log/journal"};

std::string error_text(const std::string& what) {
  return what + ": " + std::strerror(errno);
}

fs::path journald_path() {
  for (const char* path : {"/lib/systemd/systemd-journald", "/usr/lib/systemd/systemd-journald"})
    if (::access(path, X_OK) == 0) return path;
  return {};
}

}  // namespace

std::optional<PrivateJournal> PrivateJournal::start(std::string& why_not) {
  if (::geteuid() != 0) {
    why_not = "not root";
    return std::nullopt;
  }
  const fs::path journald = journald_path();
  if (journald.empty()) {
    why_not = "no systemd-journald";
    return std::nullopt;
  }
  if (::unshare(CLONE_NEWNS) != 0) {
    why_not = error_text("unshare");
    return std::nullopt;
  }
  // From here on, mounts are ours alone.
  if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) {
    why_not = error_text("mount --make-rprivate /");
    return std::nullopt;
  }
  // On failure the machine's journal is used: take our mounts away again.
  std::vector<fs::path> mounted;
  auto give_up = [&](std::string why) {
    why_not = std::move(why);
    for (auto it = mounted.rbegin(); it != mounted.rend(); ++it) ::umount2(it->c_str(), MNT_DETACH);
    return std::nullopt;
  };
  for (const char* directory : kJournalDirectories) {
    std::error_code error;
    fs::path target = directory;
    if (!fs::is_directory(target, error)) {
      // Never create directories on the machine: mount over the parent.
      target = target.parent_path();
      if (!fs::is_directory(target, error)) continue;
    }
    if (::mount("tmpfs", target.c_str(), "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755") != 0)
      return give_up(error_text("mount tmpfs on " + target.string()));
    mounted.push_back(target);
  }

  posix_spawn_file_actions_t actions;
  ::posix_spawn_file_actions_init(&actions);
  for (int fd = 0; fd <= 2; ++fd)
    ::posix_spawn_file_actions_addopen(&actions, fd, "/dev/null", O_RDWR, 0);
  posix_spawnattr_t attributes;
  ::posix_spawnattr_init(&attributes);
  ::posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSID);
  char* const argv[] = {const_cast<char*>(journald.c_str()), nullptr};
  char* const envp[] = {nullptr};
  PrivateJournal journal;
  const int error =
      ::posix_spawn(&journal.pid_, journald.c_str(), &actions, &attributes, argv, envp);
  ::posix_spawn_file_actions_destroy(&actions);
  ::posix_spawnattr_destroy(&attributes);
  if (error != 0) {
    journal.pid_ = -1;
    return give_up(std::string("cannot start systemd-journald: ") + std::strerror(error));
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (::access(kSocket, F_OK) != 0) {
    if (::waitpid(journal.pid_, nullptr, WNOHANG) == journal.pid_) {
      journal.pid_ = -1;
      return give_up("systemd-journald did not start");
    }
    if (std::chrono::steady_clock::now() > deadline) {
      ::kill(journal.pid_, SIGKILL);
      ::waitpid(journal.pid_, nullptr, 0);
      journal.pid_ = -1;
      return give_up("systemd-journald did not start");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return journal;
}

PrivateJournal::PrivateJournal(PrivateJournal&& other) noexcept
    : pid_(std::exchange(other.pid_, -1)) {}

PrivateJournal::~PrivateJournal() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGTERM);
  while (::waitpid(pid_, nullptr, 0) < 0 && errno == EINTR) {
  }
}

}  // namespace qrexec_proxy::bench
