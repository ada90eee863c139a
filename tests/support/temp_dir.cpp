#include "support/temp_dir.hpp"

#include <cstring>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>

#include <sys/random.h>
#include <unistd.h>

namespace qrexec_proxy::test {

TempDir::TempDir() {
  std::string pattern =
      (std::filesystem::temp_directory_path() / "qrexec-proxy-test-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  path_ = pattern;
}

TempDir::~TempDir() {
  std::error_code ignored;
  std::filesystem::permissions(path_, std::filesystem::perms::owner_all,
                               std::filesystem::perm_options::add, ignored);
  std::filesystem::remove_all(path_, ignored);
}

void write_file(const std::filesystem::path& path, const std::string& contents) {
  std::filesystem::create_directories(path.parent_path());
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << contents;
  if (!out) throw std::runtime_error("cannot write " + path.string());
}

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string random_suffix(std::size_t length) {
  static constexpr char hex[] = "0123456789abcdef";
  const std::string bytes = random_bytes(length);
  std::string out;
  for (const char c : bytes) out.push_back(hex[static_cast<unsigned char>(c) & 15]);
  return out;
}

std::string random_bytes(std::size_t count) {
  std::string out(count, '\0');
  std::size_t filled = 0;
  // A seeded generator for bulk data: getrandom() per MiB would be slow.
  unsigned long seed = 0;
  if (::getrandom(&seed, sizeof seed, 0) != sizeof seed)
    seed = static_cast<unsigned long>(::getpid());
  std::mt19937_64 generator(seed);
  while (filled + 8 <= count) {
    const std::uint64_t value = generator();
    std::memcpy(out.data() + filled, &value, 8);
    filled += 8;
  }
  while (filled < count) out[filled++] = static_cast<char>(generator());
  return out;
}

}  // namespace qrexec_proxy::test
