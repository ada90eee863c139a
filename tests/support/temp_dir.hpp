// A directory that exists for one test and is removed after it.
#pragma once

#include <filesystem>
#include <string>

namespace qrexec_proxy::test {

class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

void write_file(const std::filesystem::path& path, const std::string& contents);
std::string read_file(const std::filesystem::path& path);
// Random hex, for names that must not collide between tests.
std::string random_suffix(std::size_t length = 8);
std::string random_bytes(std::size_t count);

}  // namespace qrexec_proxy::test
