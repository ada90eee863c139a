#include "capabilities/file_sinks.hpp"

#include <cerrno>
#include <cstring>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace qrexec_proxy {
namespace {

bool is_single_component(std::string_view name) {
  return !name.empty() && name != "." && name != ".." && name.find('/') == std::string_view::npos &&
         name.find('\0') == std::string_view::npos;
}

}  // namespace

std::optional<FileSinks::Id> FileSinks::create(const std::filesystem::path& directory,
                                               std::string_view name, std::string& error) {
  if (!directory.is_absolute()) {
    error = "not an absolute directory: " + directory.string();
    return std::nullopt;
  }
  if (!is_single_component(name)) {
    error = "not a plain file name: " + std::string(name);
    return std::nullopt;
  }
  if (::mkdir(directory.c_str(), 0700) != 0 && errno != EEXIST) {
    error = "cannot create " + directory.string() + ": " + std::strerror(errno);
    return std::nullopt;
  }
  const UniqueFd parent(::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!parent) {
    error = "cannot open " + directory.string() + ": " + std::strerror(errno);
    return std::nullopt;
  }
  const std::string file(name);
  UniqueFd fd(::openat(parent.get(), file.c_str(),
                       O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
  if (!fd) {
    error = "cannot create " + (directory / file).string() + ": " + std::strerror(errno);
    return std::nullopt;
  }
  files_.push_back(std::move(fd));
  return static_cast<Id>(files_.size() - 1);
}

int FileSinks::write(Id id, std::span<const std::byte> bytes) {
  if (id >= files_.size() || !files_[id]) return EBADF;
  while (!bytes.empty()) {
    const ssize_t written = ::write(files_[id].get(), bytes.data(), bytes.size());
    if (written < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    if (written == 0) return EIO;  // a regular file that takes nothing: never loop on it
    bytes = bytes.subspan(static_cast<std::size_t>(written));
  }
  return 0;
}

void FileSinks::close(Id id) {
  if (id < files_.size()) files_[id].reset();
}

}  // namespace qrexec_proxy
