#include "registry/live_call_entry.hpp"

#include "log/log_text.hpp"

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

namespace qrexec_proxy::live {
namespace {

std::string random_id() {
  unsigned char bytes[4] = {};
  if (::getrandom(bytes, sizeof bytes, 0) != sizeof bytes) return {};
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id;
  for (const unsigned char byte : bytes) {
    id += kHex[byte >> 4];
    id += kHex[byte & 15];
  }
  return id;
}

// Reads an entry file whole; false when it is none.
bool read_record(int fd, Record& record) {
  return ::pread(fd, &record, sizeof record, 0) == static_cast<ssize_t>(sizeof record);
}

}  // namespace

// Cheap enough for every call's start: ended, or its process is gone. (A
// pid reused since keeps an entry until a reader's full check removes it.)
bool surely_over(const Record& record) {
  if (record.magic != kMagic || record.version != kVersion || record.pid <= 0) return true;
  if (load(record.phase) == static_cast<std::uint32_t>(CallPhase::ended)) return true;
  return ::kill(record.pid, 0) != 0 && errno == ESRCH;
}

std::size_t remove_stale_entries(const std::filesystem::path& directory, bool thorough) {
  std::size_t removed = 0;
  std::error_code error;
  for (const auto& file : std::filesystem::directory_iterator(directory, error)) {
    const int fd = ::open(file.path().c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
    if (fd < 0) continue;
    Record record{};
    const bool is_record = read_record(fd, record);
    ::close(fd);
    // A file being created is short for a moment: only whole entries go.
    const bool over = thorough ? !is_alive(record) : surely_over(record);
    if (is_record && over && ::unlink(file.path().c_str()) == 0) ++removed;
  }
  return removed;
}

std::unique_ptr<LiveCallEntry> LiveCallEntry::create(const std::filesystem::path& directory,
                                                     const CallInfo& info, std::string_view entry,
                                                     std::string& error) {
  if (::mkdir(directory.c_str(), 0700) != 0 && errno != EEXIST) {
    error = "cannot create " + directory.string() + ": " + std::strerror(errno);
    return nullptr;
  }
  remove_stale_entries(directory, false);
  const auto start = process_start_time(::getpid());
  if (!start) {
    error = "cannot read this process's start time from /proc";
    return nullptr;
  }
  int fd = -1;
  std::string id;
  for (int attempt = 0; attempt < 8 && fd < 0; ++attempt) {
    id = random_id();
    if (id.empty()) break;
    fd = ::open((directory / id).c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0 && errno != EEXIST) break;
  }
  if (fd < 0) {
    error = "cannot create an entry in " + directory.string() + ": " + std::strerror(errno);
    return nullptr;
  }
  void* mapping = MAP_FAILED;
  if (::ftruncate(fd, sizeof(Record)) == 0)
    mapping = ::mmap(nullptr, sizeof(Record), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  const int saved = errno;
  ::close(fd);
  if (mapping == MAP_FAILED) {
    ::unlink((directory / id).c_str());
    error = "cannot map an entry of " + directory.string() + ": " + std::strerror(saved);
    return nullptr;
  }
  auto* record = static_cast<Record*>(mapping);
  set_text(record->id, id);
  record->pid = static_cast<std::int32_t>(::getpid());
  record->process_start = *start;
  record->started_unix_us = std::chrono::duration_cast<std::chrono::microseconds>(
                                std::chrono::system_clock::now().time_since_epoch())
                                .count();
  set_text(record->source, info.source);
  set_text(record->target, info.target);
  set_text(record->chain, info.chain);
  set_text(record->entry, entry);
  set_text(record->service, info.service);
  record->version = kVersion;
  store(record->magic, kMagic);  // last: a reader sees a whole entry or none
  return std::unique_ptr<LiveCallEntry>(new LiveCallEntry(record));
}

LiveCallEntry::~LiveCallEntry() {
  store(record_->phase, static_cast<std::uint32_t>(CallPhase::ended));
  ::munmap(record_, sizeof(Record));
}

void LiveCallEntry::phase(CallPhase phase) {
  store(record_->phase, static_cast<std::uint32_t>(phase));
}

void LiveCallEntry::moved(std::uint64_t src2dst, std::uint64_t dst2src) {
  store(record_->src2dst_bytes, src2dst);
  store(record_->dst2src_bytes, dst2src);
}

std::optional<StopRequest> LiveCallEntry::take_stop_request() {
  const std::uint32_t sequence = load(record_->stop_sequence);
  if (sequence == handled_stop_) return std::nullopt;
  handled_stop_ = sequence;
  StopRequest request;
  const std::uint32_t direction = load(record_->stop_direction);
  if (direction == 1) request.direction = Direction::src2dst;
  if (direction == 2) request.direction = Direction::dst2src;
  // Written by root or this user, but text for the journal all the same.
  request.who = escape_for_log(text_of(record_->stop_user)) + " (uid " +
                std::to_string(load(record_->stop_uid)) + ")";
  request.reason = escape_for_log(text_of(record_->stop_reason));
  return request;
}

}  // namespace qrexec_proxy::live
