#include "admin/executable_lookup.hpp"

#include "support/temp_dir.hpp"

#include <gtest/gtest.h>

namespace qrexec_proxy::admin {
namespace {

namespace fs = std::filesystem;

class ExecutableLookup : public ::testing::Test {
 protected:
  ExecutableLookup() {
    fs::create_directories(dir_ / "a");
    fs::create_directories(dir_ / "b");
    fs::create_directories(dir_ / "b" / "tool.d");
    make(dir_ / "a" / "data", false);
    make(dir_ / "b" / "data", true);
    make(dir_ / "b" / "tool", true);
  }
  static void make(const fs::path& file, bool executable) {
    test::write_file(file, "#!/bin/sh\n");
    fs::permissions(file, executable ? fs::perms::owner_all : fs::perms::owner_read);
  }
  std::string path() const { return (dir_ / "a").string() + ":" + (dir_ / "b").string(); }
  test::TempDir dir_;
};

TEST_F(ExecutableLookup, SearchesPathForAnExecutableFile) {
  EXPECT_EQ(find_executable("tool", path()), dir_ / "b" / "tool");
  // a/data is not executable: b/data is the one a shell would run.
  EXPECT_EQ(find_executable("data", path()), dir_ / "b" / "data");
  EXPECT_EQ(find_executable("sh", "/nonexistent:/bin"), fs::path("/bin/sh"));
}

TEST_F(ExecutableLookup, TakesACommandWithASlashAsIs) {
  EXPECT_EQ(find_executable((dir_ / "b" / "tool").string(), ""), dir_ / "b" / "tool");
  EXPECT_EQ(find_executable((dir_ / "a" / "data").string(), path()), std::nullopt);
}

TEST_F(ExecutableLookup, FindsNothingElse) {
  EXPECT_EQ(find_executable("", path()), std::nullopt);
  EXPECT_EQ(find_executable("missing", path()), std::nullopt);
  EXPECT_EQ(find_executable("tool.d", path()), std::nullopt);  // a directory
  EXPECT_EQ(find_executable("tool", ""), std::nullopt);
}

}  // namespace
}  // namespace qrexec_proxy::admin
