#include "input/filecopy_stream.hpp"

#include <cstring>

namespace qrexec_proxy::filecopy {
namespace {

// File type bits of a mode, as Linux defines them (the sender's stat()).
constexpr std::uint32_t kTypeMask = 0170000;
constexpr std::uint32_t kRegular = 0100000;
constexpr std::uint32_t kDirectory = 0040000;
constexpr std::uint32_t kSymlink = 0120000;

// The sender and the proxy run on the same architecture (Qubes: x86-64),
// so its byte order is ours.
template <typename Integer>
Integer load(std::span<const std::byte> bytes, std::size_t offset) {
  Integer value;
  std::memcpy(&value, bytes.data() + offset, sizeof value);
  return value;
}

template <typename Integer>
void store(std::span<std::byte> bytes, std::size_t offset, Integer value) {
  std::memcpy(bytes.data() + offset, &value, sizeof value);
}

Step malformed(std::string why) {
  return {Step::Kind::malformed, 0, std::move(why)};
}

}  // namespace

std::string_view to_string(EntryType type) {
  switch (type) {
    case EntryType::file:
      return "file";
    case EntryType::directory:
      return "dir";
    case EntryType::symlink:
      return "symlink";
  }
  return "file";
}

std::optional<std::string> path_problem(std::string_view untrusted_path) {
  if (untrusted_path.empty()) return "an empty name";
  if (untrusted_path.front() == '/') return "an absolute path";
  for (const char c : untrusted_path) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte == 0) return "a NUL inside the name";
    if (byte < 0x20 || byte == 0x7f) return "a control character in the name";
  }
  std::size_t start = 0;
  while (start <= untrusted_path.size()) {
    const std::size_t slash = untrusted_path.find('/', start);
    const std::size_t end = slash == std::string_view::npos ? untrusted_path.size() : slash;
    const std::string_view component = untrusted_path.substr(start, end - start);
    if (component.empty()) return "an empty path component";
    if (component == "." || component == "..") return "a \".\" or \"..\" path component";
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  return std::nullopt;
}

Step StreamParser::parse_head(std::span<const std::byte> untrusted_pending, bool end_of_stream) {
  const auto need_more = [&](const char* inside) {
    if (end_of_stream) return malformed(std::string("the stream ended inside ") + inside);
    return Step{Step::Kind::need_more, 0, {}};
  };
  if (untrusted_pending.size() < kHeaderSize) {
    if (untrusted_pending.empty() && end_of_stream)
      return malformed("the stream ended without its end marker");
    return need_more("a header");
  }
  const auto untrusted_namelen = load<std::uint32_t>(untrusted_pending, 0);
  const auto untrusted_mode = load<std::uint32_t>(untrusted_pending, 4);
  const auto untrusted_filelen = load<std::uint64_t>(untrusted_pending, 8);
  if (untrusted_namelen == 0) return {Step::Kind::end, kHeaderSize, {}};
  if (untrusted_namelen > kMaxNameSize)
    return malformed("a name of " + std::to_string(untrusted_namelen) + " bytes (at most " +
                     std::to_string(kMaxNameSize) + ")");
  EntryType type = EntryType::file;
  switch (untrusted_mode & kTypeMask) {
    case kRegular:
      break;
    case kDirectory:
      type = EntryType::directory;
      if (untrusted_filelen != 0) return malformed("a directory with content");
      break;
    case kSymlink:
      type = EntryType::symlink;
      if (untrusted_filelen == 0 || untrusted_filelen > kMaxLinkTargetSize)
        return malformed("a symlink target of " + std::to_string(untrusted_filelen) +
                         " bytes (1 to " + std::to_string(kMaxLinkTargetSize) + ")");
      break;
    default:
      return malformed("an entry that is no file, directory or symlink (mode " +
                       std::to_string(untrusted_mode) + ")");
  }
  // A symlink's target is part of its head: the decision covers it.
  const std::uint64_t head =
      kHeaderSize + untrusted_namelen + (type == EntryType::symlink ? untrusted_filelen : 0);
  if (untrusted_pending.size() < head) return need_more("an entry's name");

  const auto untrusted_name = std::string_view(
      reinterpret_cast<const char*>(untrusted_pending.data()) + kHeaderSize, untrusted_namelen);
  if (untrusted_name.back() != '\0') return malformed("a name without its terminating NUL");
  const std::string_view untrusted_path = untrusted_name.substr(0, untrusted_name.size() - 1);
  if (const auto problem = path_problem(untrusted_path)) return malformed(*problem);

  entry_.path.assign(untrusted_path);
  entry_.type = type;
  entry_.permissions = untrusted_mode & 07777;
  entry_.size = untrusted_filelen;
  entry_.mtime = load<std::uint32_t>(untrusted_pending, 24);
  entry_.link_target.clear();
  if (type == EntryType::symlink) {
    const auto untrusted_target =
        std::string_view(untrusted_name.data() + untrusted_name.size(), untrusted_filelen);
    if (untrusted_target.find('\0') != std::string_view::npos)
      return malformed("a NUL inside a symlink target");
    entry_.link_target.assign(untrusted_target);
  }
  return {Step::Kind::entry, head, {}};
}

Step StreamParser::next(std::span<const std::byte> untrusted_pending, bool end_of_stream) {
  switch (state_) {
    case State::head:
      return parse_head(untrusted_pending, end_of_stream);
    case State::content:
      if (untrusted_pending.empty()) {
        if (end_of_stream) return malformed("the stream ended inside a file's content");
        return {Step::Kind::need_more, 0, {}};
      }
      return {Step::Kind::content,
              std::min<std::uint64_t>(content_left_, untrusted_pending.size()),
              {}};
    case State::finished:
      if (!untrusted_pending.empty()) return malformed("bytes after the end marker");
      return {Step::Kind::need_more, 0, {}};
  }
  return malformed("internal parser state");
}

void StreamParser::consume(const Step& step, std::uint64_t length) {
  switch (step.kind) {
    case Step::Kind::entry:
      content_left_ = entry_.type == EntryType::file ? entry_.size : 0;
      state_ = content_left_ > 0 ? State::content : State::head;
      break;
    case Step::Kind::content:
      content_left_ -= std::min(length, content_left_);
      if (content_left_ == 0) state_ = State::head;
      break;
    case Step::Kind::end:
      state_ = State::finished;
      break;
    case Step::Kind::need_more:
    case Step::Kind::malformed:
      break;
  }
}

std::array<std::byte, kResultSize> encode_result(const Result& result) {
  std::array<std::byte, kResultSize> bytes{};
  store<std::uint32_t>(bytes, 0, result.error_code);
  store<std::uint32_t>(bytes, 4, 0);
  store<std::uint64_t>(bytes, 8, result.crc32);
  return bytes;
}

Result decode_result(std::span<const std::byte, kResultSize> untrusted_bytes) {
  return {load<std::uint32_t>(untrusted_bytes, 0), load<std::uint64_t>(untrusted_bytes, 8)};
}

}  // namespace qrexec_proxy::filecopy
