// The stream qfile-agent sends for qubes.Filecopy (qvm-copy, qvm-move,
// qvm-copy-to-vm), parsed strictly as it passes: entries, each a 32-byte
// header in the sender's byte order (x86: little-endian)
//   u32 namelen, u32 mode, u64 filelen, u32 atime, u32 atime_nsec,
//   u32 mtime, u32 mtime_nsec
// then namelen bytes of the relative path with its terminating NUL, then
// filelen bytes: a regular file's content or a symlink's target (no NUL);
// a directory has none and is sent again after its contents. A header
// with namelen 0 ends the stream. The receiver answers once, after the
// end: u32 error_code, u32 pad, u64 crc32 (a Result).
//
// Every byte comes from the sending qube: the parser accepts only what the
// receiver accepts, and less: canonical relative paths without control
// characters, regular files, directories and symlinks.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace qrexec_proxy::filecopy {

inline constexpr std::size_t kHeaderSize = 32;
// The receiver refuses longer names (with their NUL) and symlink targets.
inline constexpr std::size_t kMaxNameSize = 16383;
inline constexpr std::size_t kMaxLinkTargetSize = 16383;
// The most bytes one entry's decision needs at once: header, name, target.
inline constexpr std::size_t kMaxEntryHead = kHeaderSize + kMaxNameSize + kMaxLinkTargetSize;
inline constexpr std::size_t kResultSize = 16;

enum class EntryType : std::uint8_t { file, directory, symlink };
std::string_view to_string(EntryType type);

// An entry whose header, name (and, for a symlink, target) were checked.
struct Entry {
  std::string path;  // relative, '/'-separated, canonical
  EntryType type = EntryType::file;
  std::uint32_t permissions = 0;  // mode & 07777
  std::uint64_t size = 0;         // content bytes; a symlink's target length
  std::uint32_t mtime = 0;
  std::string link_target;  // symlinks only
};

// What the next bytes of the stream are.
struct Step {
  enum class Kind : std::uint8_t {
    need_more,  // the entry's head is not complete: hold what is pending
    entry,      // an entry's head (`length` bytes): decide on `entry`
    content,    // `length` bytes of the current file's content
    end,        // the end marker (`length` bytes)
    malformed,  // `error` says why
  };
  Kind kind = Kind::need_more;
  std::uint64_t length = 0;
  std::string error;
};

class StreamParser {
 public:
  // Looks at the start of `untrusted_pending`, the bytes after everything
  // consumed so far, and says what they are; nothing is consumed until
  // consume(). `end_of_stream`: nothing follows them.
  Step next(std::span<const std::byte> untrusted_pending, bool end_of_stream);
  // The entry of the last Step::entry (valid until the next entry).
  const Entry& entry() const { return entry_; }
  // Moves past the `step` next() returned (all its bytes, or the first
  // `length` bytes of content).
  void consume(const Step& step, std::uint64_t length);
  bool finished() const { return state_ == State::finished; }
  // Bytes of the current file's content still to come.
  std::uint64_t content_left() const { return content_left_; }

 private:
  enum class State : std::uint8_t { head, content, finished };
  Step parse_head(std::span<const std::byte> untrusted_pending, bool end_of_stream);

  State state_ = State::head;
  std::uint64_t content_left_ = 0;
  Entry entry_;
};

// A path as the receiver would create it: relative, canonical, no NUL and
// no control characters. Returns why not, or nullopt when it is one.
std::optional<std::string> path_problem(std::string_view untrusted_path);

// The receiver's answer: 16 bytes, in the same byte order.
struct Result {
  std::uint32_t error_code = 0;  // an errno value; 0: success
  std::uint64_t crc32 = 0;
};
std::array<std::byte, kResultSize> encode_result(const Result& result);
Result decode_result(std::span<const std::byte, kResultSize> untrusted_bytes);

}  // namespace qrexec_proxy::filecopy
