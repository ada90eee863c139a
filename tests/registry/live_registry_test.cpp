#include "registry/live_call_entry.hpp"
#include "registry/live_calls.hpp"

#include "support/temp_dir.hpp"

#include <gtest/gtest.h>

#include <csignal>
#include <fstream>

#include <sys/wait.h>
#include <unistd.h>

namespace qrexec_proxy::live {
namespace {

const CallInfo kInfo{"vault-in", "work", "vault", "qubes.Filecopy"};

std::unique_ptr<LiveCallEntry> publish(const std::filesystem::path& directory,
                                       std::size_t slot = 0) {
  std::string error;
  auto entry = LiveCallEntry::create(directory, slot, kInfo, "route", error);
  EXPECT_TRUE(entry) << error;
  return entry;
}

TEST(LiveRegistry, AnEntryShowsItsCallAsItRunsAndGoesWhenItEnds) {
  test::TempDir dir;
  const auto directory = registry_directory(dir.path());
  auto entry = publish(directory);
  ASSERT_TRUE(entry);
  EXPECT_TRUE(is_entry_id(entry->id()));
  entry->phase(CallPhase::running);
  entry->moved(5, 7);
  Listing listing = list_live_calls(directory);
  ASSERT_EQ(listing.error, "");
  ASSERT_EQ(listing.calls.size(), 1u);
  const Record& call = listing.calls[0];
  EXPECT_EQ(text_of(call.id), entry->id());
  EXPECT_EQ(call.pid, ::getpid());
  EXPECT_EQ(text_of(call.chain), "vault-in");
  EXPECT_EQ(text_of(call.source), "work");
  EXPECT_EQ(text_of(call.target), "vault");
  EXPECT_EQ(text_of(call.service), "qubes.Filecopy");
  EXPECT_EQ(text_of(call.entry), "route");
  EXPECT_EQ(load(call.phase), static_cast<std::uint32_t>(CallPhase::running));
  EXPECT_EQ(load(call.src2dst_bytes), 5u);
  EXPECT_EQ(load(call.dst2src_bytes), 7u);
  // The counters are the mapping's: a later look sees later values.
  entry->moved(500, 700);
  EXPECT_EQ(load(list_live_calls(directory).calls.at(0).src2dst_bytes), 500u);

  entry.reset();
  EXPECT_TRUE(list_live_calls(directory).calls.empty()) << "an ended call is not shown";
  // The slot's next call writes over the file: one file per slot.
  auto next = publish(directory);
  ASSERT_TRUE(next);
  ASSERT_EQ(list_live_calls(directory).calls.size(), 1u);
  EXPECT_EQ(text_of(list_live_calls(directory).calls[0].id), next->id());
  EXPECT_EQ(load(list_live_calls(directory).calls[0].src2dst_bytes), 0u);
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(directory),
                          std::filesystem::directory_iterator()),
            1);
}

TEST(LiveRegistry, AnEntryWhoseProcessIsGoneIsNeverShown) {
  test::TempDir dir;
  const auto directory = registry_directory(dir.path());
  auto entry = publish(directory);
  ASSERT_TRUE(entry);
  // A copy of the entry under another id, for a process that has exited.
  const pid_t child = ::fork();
  if (child == 0) ::_exit(0);
  ASSERT_EQ(::waitpid(child, nullptr, 0), child);
  Record forged = list_live_calls(directory).calls.at(0);
  forged.pid = child;
  set_text(forged.id, "0badf00d");
  std::ofstream(entry_file(directory, 1), std::ios::binary)
      .write(reinterpret_cast<const char*>(&forged), sizeof forged);
  // And one whose pid is ours but whose process start differs (a reused pid).
  Record reused = list_live_calls(directory).calls.at(0);
  reused.process_start += 1;
  set_text(reused.id, "0000beef");
  std::ofstream(entry_file(directory, 2), std::ios::binary)
      .write(reinterpret_cast<const char*>(&reused), sizeof reused);

  const Listing listing = list_live_calls(directory);
  ASSERT_EQ(listing.calls.size(), 1u);
  EXPECT_EQ(text_of(listing.calls[0].id), entry->id());
  const StopOutcome stop = request_stop(directory, {"0000beef", 0, 0, "root", ""}, {});
  EXPECT_FALSE(stop.sent);
}

TEST(LiveRegistry, AStopRequestReachesTheCallOnce) {
  // The signal that comes with a request must not end this test process.
  sigset_t usr1;
  sigemptyset(&usr1);
  sigaddset(&usr1, SIGUSR1);
  ASSERT_EQ(::sigprocmask(SIG_BLOCK, &usr1, nullptr), 0);
  test::TempDir dir;
  const auto directory = registry_directory(dir.path());
  auto entry = publish(directory);
  ASSERT_TRUE(entry);
  EXPECT_FALSE(entry->take_stop_request());
  const StopOutcome outcome = request_stop(directory, {entry->id(), 2, 1000, "user", "too\nmuch"},
                                           std::chrono::milliseconds(0));
  EXPECT_TRUE(outcome.sent) << outcome.error;
  const timespec no_wait{};
  EXPECT_EQ(::sigtimedwait(&usr1, nullptr, &no_wait), SIGUSR1) << "the signal came";
  const auto request = entry->take_stop_request();
  ASSERT_TRUE(request);
  EXPECT_EQ(request->direction, Direction::dst2src);
  EXPECT_EQ(request->who, "user (uid 1000)");
  EXPECT_EQ(request->reason, "too\\x0amuch");
  EXPECT_FALSE(entry->take_stop_request()) << "once";
  EXPECT_EQ(request_stop(directory, {"nothere0", 0, 0, "root", ""}, {}).error,
            "no call nothere0: an id is 8 hex digits, as `calls` shows it");
  EXPECT_EQ(request_stop(directory, {"00000000", 0, 0, "root", ""}, {}).error,
            "no call 00000000 runs");
}

}  // namespace
}  // namespace qrexec_proxy::live
