// The live registry of calls: one small file per call slot under the
// state directory (live/slotN for the proxy's max_calls slot N, mode 0600
// in a 0700 directory: the service's user and root only), mapped shared by
// the call that holds the slot: the slot's lock makes the file its own, and
// the number of files stays bounded. The call publishes its
// names, its phase and the bytes moved each way; counters are plain stores
// to the mapping, no system call. qrexec-proxy-admin reads the files
// (`calls`) and writes a stop request into one before signalling its
// process (`stop`).
//
// An entry whose call has ended, whose process is gone, or whose process
// started at another time than the entry says (a reused pid), is stale:
// never shown, never acted on; the slot's next call writes over it.
#pragma once

#include "engine/call_monitor.hpp"

#include <sys/types.h>
#include <atomic>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>

namespace qrexec_proxy::live {

inline constexpr std::uint32_t kMagic = 0x51525043;  // "CPRQ"
inline constexpr std::uint32_t kVersion = 1;

// The layout of an entry file. Fixed-size, NUL-terminated texts.
struct Record {
  std::uint32_t magic;
  std::uint32_t version;
  char id[16];
  std::int32_t pid;
  std::uint32_t phase;  // CallPhase; atomic
  // /proc/PID/stat's starttime (clock ticks after boot): with the pid, the
  // process's identity.
  std::uint64_t process_start;
  std::int64_t started_unix_us;
  char source[32];
  char target[32];
  char chain[64];
  char entry[16];
  char service[512];
  std::uint64_t src2dst_bytes;  // atomic
  std::uint64_t dst2src_bytes;  // atomic
  // A stop request: the requester writes the fields, then increments
  // stop_sequence (atomic), then sends SIGUSR1.
  std::uint32_t stop_sequence;
  std::uint32_t stop_direction;  // 0: the whole call; 1: src2dst; 2: dst2src
  std::uint32_t stop_uid;
  char stop_user[64];
  char stop_reason[256];
};
static_assert(std::is_trivially_copyable_v<Record>);

template <typename T>
T load(const T& field) {
  return std::atomic_ref<T>(const_cast<T&>(field)).load(std::memory_order_acquire);
}
template <typename T>
void store(T& field, T value) {
  std::atomic_ref<T>(field).store(value, std::memory_order_release);
}

// Copies `text` into a fixed field, cut to fit, NUL-terminated.
template <std::size_t N>
void set_text(char (&field)[N], std::string_view text) {
  const std::size_t length = text.size() < N - 1 ? text.size() : N - 1;
  text.copy(field, length);
  field[length] = '\0';
}
template <std::size_t N>
std::string text_of(const char (&field)[N]) {
  std::size_t length = 0;
  while (length < N && field[length] != '\0') ++length;
  return std::string(field, length);
}

// The directory of the entries under the state directory.
std::filesystem::path registry_directory(const std::filesystem::path& state_dir);

// /proc/PID/stat's starttime, or nullopt when the process is gone.
std::optional<std::uint64_t> process_start_time(pid_t pid);

// True when the entry's process is the one that wrote it and runs.
bool is_alive(const Record& record);

}  // namespace qrexec_proxy::live
