// Shared state on a state directory that cannot be written: every operation
// reports an error, so a stateful plugin can fail closed (refuse the call)
// instead of running without its limit. Root writes anywhere, so the
// directory is made really read-only: a read-only bind mount, in a child
// process with its own mount namespace.
#include "capabilities/shared_state.hpp"

#include "support/temp_dir.hpp"

#include <gtest/gtest.h>

#include <sched.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

namespace qrexec_proxy {
namespace {

// Runs `check` in a child where `directory` is mounted read-only; returns
// its exit status, or -1 when the mount could not be made.
int with_read_only(const std::filesystem::path& directory, int (*check)(const char*)) {
  const pid_t child = ::fork();
  if (child == 0) {
    if (::unshare(CLONE_NEWNS) != 0 ||
        ::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0 ||
        ::mount(directory.c_str(), directory.c_str(), nullptr, MS_BIND, nullptr) != 0 ||
        ::mount(nullptr, directory.c_str(), nullptr, MS_BIND | MS_REMOUNT | MS_RDONLY, nullptr) !=
            0)
      ::_exit(100);
    ::_exit(check(directory.c_str()));
  }
  int status = 0;
  ::waitpid(child, &status, 0);
  if (!WIFEXITED(status)) return 200;
  return WEXITSTATUS(status) == 100 ? -1 : WEXITSTATUS(status);
}

// 0 when every operation on a read-only state directory fails cleanly.
int every_operation_fails(const char* root) {
  SharedState state(root);
  // A record that exists already, and a new one, in an existing directory
  // and in one still to be made.
  const std::filesystem::path existing = std::filesystem::path(root) / "count";
  if (state.update(existing, "chain", [](std::string&) {}).empty()) return 1;
  if (state.update(existing, "new-chain", [](std::string&) {}).empty()) return 2;
  if (state.update(state.directory("other", ""), "chain", [](std::string&) {}).empty()) return 3;
  std::string error;
  if (state.take_slot(existing, "slots", 2, error) != SharedState::SlotResult::error) return 4;
  if (error.empty()) return 5;
  return 0;
}

TEST(SharedStateFaults, ANonWritableStateDirectoryFailsEveryOperation) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root for a read-only bind mount";
  test::TempDir dir;
  test::write_file(dir / "count" / "chain", "1\n");
  const int result = with_read_only(dir.path(), every_operation_fails);
  ASSERT_NE(result, -1) << "could not mount the state directory read-only";
  EXPECT_EQ(result, 0) << "operation " << result << " did not report an error";
  // Nothing changed underneath.
  EXPECT_EQ(test::read_file(dir / "count" / "chain"), "1\n");
}

TEST(SharedStateFaults, AStateRecordThatIsNoFileIsAnError) {
  test::TempDir dir;
  SharedState state(dir.path());
  // A directory, and a symlink (which could point anywhere), where the
  // record should be.
  std::filesystem::create_directories(dir / "count" / "chain");
  std::filesystem::create_symlink("/etc/passwd", dir / "count" / "linked");
  EXPECT_FALSE(state.update(dir / "count", "chain", [](std::string&) {}).empty());
  bool called = false;
  EXPECT_FALSE(state.update(dir / "count", "linked", [&](std::string&) { called = true; }).empty());
  EXPECT_FALSE(called);
}

}  // namespace
}  // namespace qrexec_proxy
