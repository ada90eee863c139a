#include "registry/live_call_entry.hpp"

#include "log/log_text.hpp"

#include <cerrno>
#include <chrono>
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

}  // namespace

std::filesystem::path entry_file(const std::filesystem::path& directory, std::size_t slot) {
  return directory / ("slot" + std::to_string(slot));
}

std::unique_ptr<LiveCallEntry> LiveCallEntry::create(const std::filesystem::path& directory,
                                                     std::size_t slot, const CallInfo& info,
                                                     std::string_view entry, std::string& error) {
  const pid_t pid = ::getpid();
  const auto start = process_start_time(pid);
  const std::string id = random_id();
  if (!start || id.empty()) {
    error = "cannot read this process's start time or get a random id";
    return nullptr;
  }
  // The slot's lock, which this call holds, makes the file its own.
  const std::filesystem::path path = entry_file(directory, slot);
  constexpr int kFlags = O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW;
  int fd = ::open(path.c_str(), kFlags, 0600);
  if (fd < 0 && errno == ENOENT) {
    if (::mkdir(directory.c_str(), 0700) == 0 || errno == EEXIST)
      fd = ::open(path.c_str(), kFlags, 0600);
  }
  if (fd < 0) {
    error = "cannot open " + path.string() + ": " + std::strerror(errno);
    return nullptr;
  }
  void* mapping = MAP_FAILED;
  if (::ftruncate(fd, sizeof(Record)) == 0)
    mapping = ::mmap(nullptr, sizeof(Record), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  const int saved = errno;
  ::close(fd);
  if (mapping == MAP_FAILED) {
    error = "cannot map " + path.string() + ": " + std::strerror(saved);
    return nullptr;
  }
  auto* record = static_cast<Record*>(mapping);
  // The slot's last call left its entry: a reader sees it invalid, then
  // this call's, never a mix that passes for live.
  store(record->magic, 0u);
  std::memset(static_cast<void*>(&record->version), 0, sizeof(Record) - sizeof record->magic);
  set_text(record->id, id);
  record->pid = static_cast<std::int32_t>(pid);
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
  store(record->magic, kMagic);  // last
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
