// Writes the seed corpus of filecopy_fuzzer into DIR: qubes.Filecopy streams
// shaped as qfile-agent sends them (a directory, its files and a symlink,
// the directory again, the end marker), valid and broken, each behind the
// fuzzer's 4 control bytes (options, then the seed of the chunk sizes).
//
//   make_filecopy_corpus DIR
#include "support/filecopy_builder.hpp"

#include <cstdint>
#include <cstdio>
#include <fstream>
#include <string>

namespace {

using qrexec_proxy::test::FilecopyStream;

// Control byte 0 (filecopy_fuzzer.cpp): bit 0 one_way, bit 1 sha256, bits
// 2-3 a refusing rule (1: max_files of bits 4-7, 2: no symlinks, 3: deny).
constexpr std::uint8_t kOneWay = 1;
constexpr std::uint8_t kSha256 = 2;
constexpr std::uint8_t kMaxFiles = 1 << 2;
constexpr std::uint8_t kNoSymlinks = 2 << 2;
constexpr std::uint8_t kDeny = 3 << 2;

std::string binary_content(std::size_t size) {
  std::string content;
  std::uint32_t state = 2463534242u;
  for (std::size_t i = 0; i < size; ++i) {
    state ^= state << 13;
    state ^= state >> 17;
    state ^= state << 5;
    content += static_cast<char>(state & 0xff);
  }
  return content;
}

// A small tree: docs/ with two files, an empty one, a symlink and a
// subdirectory with a binary file.
FilecopyStream tree_entries() {
  FilecopyStream stream;
  stream.directory("docs")
      .file("docs/a.txt", "hello\n")
      .file("docs/empty", "")
      .symlink("docs/link", "a.txt")
      .directory("docs/sub", 0700)
      .file("docs/sub/b.bin", binary_content(300), 0600)
      .directory("docs/sub", 0700)
      .directory("docs");
  return stream;
}

bool write_seed(const std::string& dir, const std::string& name, std::uint8_t options,
                std::uint32_t seed, const std::string& stream) {
  std::ofstream out(dir + "/" + name, std::ios::binary | std::ios::trunc);
  const char control[4] = {static_cast<char>(options), static_cast<char>(seed & 0xff),
                           static_cast<char>((seed >> 8) & 0xff),
                           static_cast<char>((seed >> 16) & 0xff)};
  out.write(control, sizeof control);
  out << stream;
  return static_cast<bool>(out);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: make_filecopy_corpus DIR\n");
    return 2;
  }
  const std::string dir = argv[1];
  const std::string tree = tree_entries().end().text();
  const std::string secret =
      FilecopyStream().directory("secret").file("secret/key", "k").directory("secret").end().text();
  const struct {
    const char* name;
    std::uint8_t options;
    std::uint32_t seed;
    std::string stream;
  } seeds[] = {
      {"tree", 0, 1, tree},
      {"tree-one-way-sha256", kOneWay | kSha256, 2, tree},
      {"tree-max-files-3", kMaxFiles | 3 << 4, 3, tree},
      {"tree-no-symlinks", kNoSymlinks | kOneWay, 4, tree},
      {"secret-denied", kDeny | kSha256, 5, secret},
      {"empty-copy", kOneWay, 6, FilecopyStream().end().text()},
      {"truncated-content", kSha256, 7, tree.substr(0, tree.size() / 2)},
      {"truncated-header", 0, 8, tree.substr(0, 40)},
      {"no-end-marker", kOneWay, 9, tree.substr(0, tree.size() - 32)},
      {"dotdot", 0, 10,
       FilecopyStream().directory("docs").file("docs/../../escape", "x").end().text()},
      {"absolute-path", 0, 11, FilecopyStream().file("/etc/passwd", "root::0:0").end().text()},
      {"bytes-after-end", kOneWay, 12, tree + "trailing"},
      {"fifo", 0, 13,
       FilecopyStream().raw_header(5, 0010644, 0).bytes(std::string("fifo", 5)).end().text()},
      {"name-without-nul", 0, 14, FilecopyStream().raw_header(4, 0100644, 0).bytes("name").text()},
      {"long-symlink-target", 0, 15,
       FilecopyStream().symlink("l", std::string(16384, 'x')).end().text()},
  };
  for (const auto& seed : seeds) {
    if (!write_seed(dir, seed.name, seed.options, seed.seed, seed.stream)) {
      std::fprintf(stderr, "make_filecopy_corpus: cannot write %s/%s\n", dir.c_str(), seed.name);
      return 1;
    }
  }
  return 0;
}
