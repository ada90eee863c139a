#include "config/config_stamp.hpp"

#include <algorithm>
#include <cerrno>
#include <ctime>
#include <system_error>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace qrexec_proxy {
namespace fs = std::filesystem;
namespace {

constexpr char kStampFile[] = "config-valid.stamp";
constexpr char kStampHeader[] = "qrexec-proxy config stamp 1\n";
constexpr off_t kMaxStampSize = 1024 * 1024;
// Ten ticks of the slowest kernel clock (HZ=100) that file times come from.
constexpr std::int64_t kSettleTimeNs = 100'000'000;

std::int64_t nanoseconds_of(const timespec& time) {
  return static_cast<std::int64_t>(time.tv_sec) * 1'000'000'000 + time.tv_nsec;
}

std::string identity_of(const struct stat& info) {
  auto nanoseconds = [](const timespec& time) {
    return std::to_string(time.tv_sec) + "." + std::to_string(time.tv_nsec);
  };
  return std::to_string(info.st_dev) + " " + std::to_string(info.st_ino) + " " +
         std::to_string(info.st_size) + " " + nanoseconds(info.st_mtim) + " " +
         nanoseconds(info.st_ctim);
}

// Paths come from settings and directory listings: length-prefixed, so no
// character in a name can make two different stamps read alike.
std::string quoted(const fs::path& path) {
  return std::to_string(path.native().size()) + ":" + path.native();
}

// The identity of `file`, noting its change time in `newest_change_ns`.
std::optional<std::string> identity_noting_change(const fs::path& file,
                                                  std::int64_t& newest_change_ns) {
  struct stat info {};
  if (::stat(file.c_str(), &info) != 0) return std::nullopt;
  newest_change_ns = std::max(newest_change_ns, nanoseconds_of(info.st_ctim));
  return identity_of(info);
}

bool add_plugin_dir(ConfigStamp& stamp, const fs::path& directory) {
  std::error_code error;
  fs::directory_iterator it(directory, error);
  if (error) {
    if (error != std::errc::no_such_file_or_directory && error != std::errc::not_a_directory)
      return false;
    stamp.text += "plugin-dir " + quoted(directory) + " none\n";
    return true;
  }
  std::vector<fs::path> plugins;
  for (; it != fs::directory_iterator(); it.increment(error))
    if (it->path().extension() == ".so") plugins.push_back(it->path());
  if (error) return false;
  std::sort(plugins.begin(), plugins.end());
  stamp.text += "plugin-dir " + quoted(directory) + "\n";
  for (const auto& plugin : plugins) {
    const auto identity = identity_noting_change(plugin, stamp.newest_change_ns);
    if (!identity) return false;
    stamp.text += "plugin " + quoted(plugin) + " " + *identity + "\n";
  }
  return true;
}

}  // namespace

std::optional<std::string> file_identity(int fd) {
  struct stat info {};
  if (::fstat(fd, &info) != 0) return std::nullopt;
  return identity_of(info);
}

std::optional<std::string> file_identity(const fs::path& file) {
  struct stat info {};
  if (::stat(file.c_str(), &info) != 0) return std::nullopt;
  return identity_of(info);
}

std::optional<ConfigStamp> config_stamp(const std::vector<fs::path>& config_files,
                                        const std::vector<fs::path>& plugin_dirs) {
  ConfigStamp stamp{kStampHeader, {}};
  const auto program = file_identity(fs::path("/proc/self/exe"));
  if (!program) return std::nullopt;
  stamp.text += "program " + *program + "\n";
  for (const auto& file : config_files) {
    auto identity = identity_noting_change(file, stamp.newest_change_ns);
    if (!identity) return std::nullopt;
    stamp.text += "file " + quoted(file) + " " + *identity + "\n";
    stamp.file_identities.push_back(std::move(*identity));
  }
  for (const auto& directory : plugin_dirs)
    if (!add_plugin_dir(stamp, directory)) return std::nullopt;
  return stamp;
}

bool ConfigStamp::settled() const {
  timespec now{};
  ::clock_gettime(CLOCK_REALTIME, &now);
  return nanoseconds_of(now) - newest_change_ns >= kSettleTimeNs;
}

std::string read_valid_stamp(const fs::path& state_dir) {
  const fs::path file = state_dir / kStampFile;
  const int fd = ::open(file.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return {};
  std::string stamp;
  struct stat info {};
  if (::fstat(fd, &info) == 0 && S_ISREG(info.st_mode) && info.st_size <= kMaxStampSize) {
    stamp.resize(static_cast<std::size_t>(info.st_size));
    const ssize_t got = ::pread(fd, stamp.data(), stamp.size(), 0);
    if (got != static_cast<ssize_t>(stamp.size())) stamp.clear();
  }
  ::close(fd);
  return stamp;
}

void write_valid_stamp(const fs::path& state_dir, const std::string& stamp) {
  std::error_code error;
  fs::create_directories(state_dir, error);
  if (error) return;
  std::string temporary = (state_dir / ".config-valid.stamp.XXXXXX").native();
  const int fd = ::mkostemp(temporary.data(), O_CLOEXEC);
  if (fd < 0) return;
  std::string_view rest = stamp;
  bool written = true;
  while (!rest.empty()) {
    const ssize_t put = ::write(fd, rest.data(), rest.size());
    if (put < 0 && errno == EINTR) continue;
    if (put <= 0) {
      written = false;
      break;
    }
    rest.remove_prefix(static_cast<std::size_t>(put));
  }
  ::close(fd);
  // Concurrent calls may race here; each writes a whole stamp, and rename()
  // replaces atomically, so a reader sees one of them complete.
  if (!written || ::rename(temporary.c_str(), (state_dir / kStampFile).c_str()) != 0)
    ::unlink(temporary.c_str());
}

}  // namespace qrexec_proxy
