// Builds qubes.Filecopy streams as qfile-agent writes them, for tests and
// the fuzz corpus: entries (32-byte header, name with its NUL, content),
// then the end marker.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <utility>

namespace qrexec_proxy::test {

class FilecopyStream {
 public:
  FilecopyStream& file(const std::string& path, const std::string& content,
                       std::uint32_t permissions = 0644) {
    return entry(path, 0100000 | permissions, content);
  }
  FilecopyStream& directory(const std::string& path, std::uint32_t permissions = 0755) {
    return entry(path, 0040000 | permissions, "");
  }
  FilecopyStream& symlink(const std::string& path, const std::string& target) {
    return entry(path, 0120777, target);
  }
  // Any header: for malformed entries.
  FilecopyStream& raw_header(std::uint32_t namelen, std::uint32_t mode, std::uint64_t filelen) {
    put32(namelen);
    put32(mode);
    put64(filelen);
    for (int i = 0; i < 4; ++i) put32(0);
    return *this;
  }
  FilecopyStream& bytes(const std::string& raw) {
    text_ += raw;
    return *this;
  }
  FilecopyStream& end() { return raw_header(0, 0, 0); }
  const std::string& text() const { return text_; }
  // The stream, moved out (for large ones).
  std::string release() { return std::move(text_); }

 private:
  FilecopyStream& entry(const std::string& path, std::uint32_t mode, const std::string& content) {
    raw_header(static_cast<std::uint32_t>(path.size() + 1), mode, content.size());
    text_ += path;
    text_ += '\0';
    text_ += content;
    return *this;
  }
  void put32(std::uint32_t value) { text_.append(reinterpret_cast<const char*>(&value), 4); }
  void put64(std::uint64_t value) { text_.append(reinterpret_cast<const char*>(&value), 8); }
  std::string text_;
};

}  // namespace qrexec_proxy::test
