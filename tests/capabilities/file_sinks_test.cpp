#include "capabilities/file_sinks.hpp"

#include "support/temp_dir.hpp"

#include <gtest/gtest.h>

#include <cerrno>

#include <sys/stat.h>

namespace qrexec_proxy {
namespace {

using test::read_file;
using test::TempDir;
using test::write_file;
namespace fs = std::filesystem;

std::span<const std::byte> bytes_of(std::string_view text) {
  return {reinterpret_cast<const std::byte*>(text.data()), text.size()};
}

TEST(FileSinks, CreatesNewPrivateFilesAndWritesThem) {
  TempDir dir;
  FileSinks sinks;
  std::string error;
  const auto a = sinks.create(dir.path(), "a.rec", error);
  const auto b = sinks.create(dir.path(), "b.rec", error);
  ASSERT_TRUE(a && b) << error;
  EXPECT_EQ(sinks.write(*a, bytes_of("one ")), 0);
  EXPECT_EQ(sinks.write(*b, bytes_of("other")), 0);
  EXPECT_EQ(sinks.write(*a, bytes_of("two")), 0);
  EXPECT_EQ(read_file(dir / "a.rec"), "one two");
  EXPECT_EQ(read_file(dir / "b.rec"), "other");
  struct stat info {};
  ASSERT_EQ(::stat((dir / "a.rec").c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 07777, 0600u);
  sinks.close(*a);
  EXPECT_EQ(sinks.write(*a, bytes_of("three")), EBADF);
  EXPECT_EQ(read_file(dir / "a.rec"), "one two");
}

TEST(FileSinks, NeverWritesIntoAnExistingFileOrThroughASymlink) {
  TempDir dir;
  write_file(dir / "existing", "keep");
  fs::create_symlink(dir / "target", dir / "link");
  FileSinks sinks;
  std::string error;
  EXPECT_FALSE(sinks.create(dir.path(), "existing", error));
  EXPECT_NE(error.find("File exists"), std::string::npos) << error;
  EXPECT_FALSE(sinks.create(dir.path(), "link", error));
  EXPECT_FALSE(fs::exists(dir / "target"));
  EXPECT_EQ(read_file(dir / "existing"), "keep");
}

TEST(FileSinks, TakesOnlyPlainNamesInAbsoluteDirectories) {
  TempDir dir;
  FileSinks sinks;
  std::string error;
  for (const char* name : {"", ".", "..", "a/b", "../x"}) {
    EXPECT_FALSE(sinks.create(dir.path(), name, error)) << name;
    EXPECT_TRUE(error.starts_with("not a plain file name")) << error;
  }
  EXPECT_FALSE(sinks.create("relative/dir", "x", error));
  EXPECT_TRUE(error.starts_with("not an absolute directory")) << error;
}

TEST(FileSinks, MakesAMissingDirectoryPrivateButNotItsParents) {
  TempDir dir;
  FileSinks sinks;
  std::string error;
  ASSERT_TRUE(sinks.create(dir / "new", "x", error)) << error;
  struct stat info {};
  ASSERT_EQ(::stat((dir / "new").c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 07777, 0700u);
  EXPECT_FALSE(sinks.create(dir / "no" / "such", "x", error));
  EXPECT_NE(error.find("No such file or directory"), std::string::npos) << error;
}

}  // namespace
}  // namespace qrexec_proxy
