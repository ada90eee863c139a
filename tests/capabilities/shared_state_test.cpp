#include "capabilities/shared_state.hpp"

#include "support/temp_dir.hpp"

#include <gtest/gtest.h>

namespace qrexec_proxy {
namespace {

TEST(SharedState, UpdatesARecordAndKeepsIt) {
  test::TempDir dir;
  SharedState state(dir.path());
  const auto directory = state.directory("count", "");
  EXPECT_EQ(directory, dir / "count");
  for (int i = 0; i < 3; ++i)
    EXPECT_EQ(state.update(directory, "chain", [](std::string& contents) { contents += "x"; }), "");
  EXPECT_EQ(test::read_file(directory / "chain"), "xxx");
}

TEST(SharedState, ConfiguredDirectoryWins) {
  SharedState state("/run/somewhere");
  EXPECT_EQ(state.directory("count", "/var/tmp/mine"), "/var/tmp/mine");
}

TEST(SharedState, SlotsAreHeldUntilTheOwnerGoes) {
  test::TempDir dir;
  std::string error;
  auto first = std::make_unique<SharedState>(dir.path());
  SharedState second(dir.path());
  EXPECT_EQ(first->take_slot(dir.path(), "c", 1, error), SharedState::SlotResult::taken);
  EXPECT_EQ(second.take_slot(dir.path(), "c", 1, error), SharedState::SlotResult::all_busy);
  first.reset();  // the kernel drops the lock with the descriptor
  EXPECT_EQ(second.take_slot(dir.path(), "c", 1, error), SharedState::SlotResult::taken);
}

TEST(SharedState, FailsClosedWhenTheDirectoryCannotBeMade) {
  test::TempDir dir;
  test::write_file(dir / "file", "");
  SharedState state(dir.path());
  const std::string error = state.update(dir / "file" / "sub", "c", [](std::string&) {});
  EXPECT_NE(error.find("cannot create"), std::string::npos) << error;
  std::string slot_error;
  EXPECT_EQ(state.take_slot(dir / "file" / "sub", "c", 1, slot_error),
            SharedState::SlotResult::error);
}

}  // namespace
}  // namespace qrexec_proxy
