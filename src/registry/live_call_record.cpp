#include "registry/live_call_record.hpp"

#include <cstdlib>
#include <cstring>

#include <fcntl.h>
#include <unistd.h>

namespace qrexec_proxy::live {

std::filesystem::path registry_directory(const std::filesystem::path& state_dir) {
  return state_dir / "live";
}

std::optional<std::uint64_t> process_start_time(pid_t pid) {
  // Three system calls, no stream: every call reads its own.
  const std::string path = "/proc/" + std::to_string(pid) + "/stat";
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  char text[1024];
  const ssize_t size = ::read(fd, text, sizeof text - 1);
  ::close(fd);
  if (size <= 0) return std::nullopt;
  text[size] = '\0';
  // The command name (field 2) may hold spaces and parentheses: count the
  // fields after its last ')'. starttime is field 22, the 20th after it.
  char* field = std::strrchr(text, ')');
  if (field == nullptr) return std::nullopt;
  for (int index = 3; index <= 22; ++index) {
    field = std::strchr(field, ' ');
    if (field == nullptr) return std::nullopt;
    ++field;
  }
  char* end = nullptr;
  const unsigned long long start = std::strtoull(field, &end, 10);
  if (end == field) return std::nullopt;
  return start;
}

bool is_alive(const Record& record) {
  if (record.magic != kMagic || record.version != kVersion || record.pid <= 0) return false;
  if (load(record.phase) == static_cast<std::uint32_t>(CallPhase::ended)) return false;
  const auto start = process_start_time(record.pid);
  return start && *start == record.process_start;
}

}  // namespace qrexec_proxy::live
