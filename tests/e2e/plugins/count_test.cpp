// count end to end: concurrent calls, refusal before the destination runs,
// a lock the kernel drops with a killed holder, and the interval.
#include "support/emulation.hpp"
#include "support/journal_query.hpp"

#include <gtest/gtest.h>

#include <csignal>
#include <future>
#include <sstream>
#include <cstdio>

#include <fcntl.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

namespace qrexec_proxy::test {
namespace {

constexpr const char* kChains = R"({
  "five": {"plugins": ["count"], "config": {"count": {"limit": 5, "limit_interval": 600}}},
  "brief": {"plugins": ["count"], "config": {"count": {"limit": 2, "limit_interval": 60}}}
})";

class Count : public ::testing::Test {
 protected:
  Count() { emulation.write_config(kChains); }

  ProcessResult call(const std::string& chain, const std::string& tally) {
    ProcessOptions options;
    options.input = "ping\n";
    return emulation.call("qrexec-proxy+" + chain + "+dst+test.Tally+" + tally, options);
  }
  // How often the destination ran.
  std::size_t runs(const std::string& tally) {
    if (!std::filesystem::exists(emulation.output(tally))) return 0;
    std::istringstream lines(read_file(emulation.output(tally)));
    std::size_t count = 0;
    for (std::string line; std::getline(lines, line);) ++count;
    return count;
  }
  std::vector<std::string> state_files() {
    std::vector<std::string> names;
    for (const auto& entry : std::filesystem::directory_iterator(emulation.state_dir() / "count"))
      names.push_back(entry.path().filename().string());
    return names;
  }

  Emulation emulation;
};

TEST_F(Count, TwelveConcurrentCallsWithLimitFiveAdmitExactlyFive) {
  std::vector<std::future<ProcessResult>> calls;
  for (int i = 0; i < 12; ++i)
    calls.push_back(std::async(std::launch::async, [this] { return call("five", "tally"); }));
  int admitted = 0, refused = 0;
  for (auto& pending : calls) {
    const ProcessResult result = pending.get();
    EXPECT_EQ(result.err, "");
    if (result.exit_status == 0) {
      ++admitted;
      EXPECT_EQ(result.out, "ping\n");
    } else {
      EXPECT_EQ(result.exit_status, 126);
      EXPECT_EQ(result.out, "");
      ++refused;
    }
  }
  EXPECT_EQ(admitted, 5);
  EXPECT_EQ(refused, 7);
  EXPECT_EQ(runs("tally"), 5u) << "a refused call reached the destination";
  // One record per chain, and no lock file beside it.
  EXPECT_EQ(state_files(), std::vector<std::string>{"five"});

  ASSERT_TRUE(journal_running());
  const auto refusals =
      journal_records({"SOURCE=" + emulation.source(), "EVENT=summary", "OUTCOME=refused"}, 7);
  ASSERT_EQ(refusals.size(), 7u);
  for (const auto& record : refusals) {
    EXPECT_EQ(field(record, "PLUGIN"), "count");
    EXPECT_EQ(field(record, "REASON"), "count: limit of 5 calls per 600 s reached");
    EXPECT_EQ(field(record, "EXIT_STATUS"), "126");
    EXPECT_EQ(field(record, "DESTINATION_STATUS"), "");
  }
}

TEST_F(Count, ALockHolderKilledWithSigkillDoesNotBlockTheNextCall) {
  std::filesystem::create_directories(emulation.state_dir() / "count");
  const std::string record = (emulation.state_dir() / "count" / "five").string();
  int ready[2];
  ASSERT_EQ(::pipe(ready), 0);
  const pid_t holder = ::fork();
  ASSERT_GE(holder, 0);
  if (holder == 0) {
    // Takes the record's lock as a call does, and keeps it.
    const int fd = ::open(record.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0 || ::flock(fd, LOCK_EX) != 0) ::_exit(1);
    (void)!::write(ready[1], "x", 1);
    while (true) ::pause();
  }
  // However the test ends, the holder does not outlive it.
  struct Reaper {
    pid_t pid;
    ~Reaper() {
      if (pid > 0 && ::kill(pid, SIGKILL) == 0) ::waitpid(pid, nullptr, 0);
    }
  } reaper{holder};
  ::close(ready[1]);
  char byte = 0;
  ASSERT_EQ(::read(ready[0], &byte, 1), 1) << "the lock holder did not start";
  ::close(ready[0]);

  // While the lock is held, a call waits a bounded time, then fails closed.
  ProcessResult result = call("five", "tally");
  EXPECT_EQ(result.exit_status, 125);
  EXPECT_EQ(runs("tally"), 0u);

  ASSERT_EQ(::kill(holder, SIGKILL), 0);
  ASSERT_EQ(::waitpid(holder, nullptr, 0), holder);
  reaper.pid = -1;
  result = call("five", "tally");
  EXPECT_EQ(result.exit_status, 0);
  EXPECT_EQ(result.out, "ping\n");
  EXPECT_LT(result.elapsed, std::chrono::seconds(4)) << "the next call waited for the lock";
  EXPECT_EQ(runs("tally"), 1u);
  EXPECT_EQ(state_files(), std::vector<std::string>{"five"});

  ASSERT_TRUE(journal_running());
  const auto failures =
      journal_records({"SOURCE=" + emulation.source(), "EVENT=summary", "OUTCOME=failed"});
  ASSERT_EQ(failures.size(), 1u);
  EXPECT_EQ(field(failures[0], "PLUGIN"), "count");
  EXPECT_NE(field(failures[0], "REASON").find("cannot lock"), std::string::npos)
      << field(failures[0], "REASON");
}

TEST_F(Count, TheIntervalExpires) {
  EXPECT_EQ(call("brief", "brief").exit_status, 0);
  EXPECT_EQ(call("brief", "brief").exit_status, 0);
  EXPECT_EQ(call("brief", "brief").exit_status, 126);
  EXPECT_EQ(runs("brief"), 2u);
  // A minute passes for the calls counted: their admission times (one line
  // each, microseconds of the monotonic clock) move back by 60 s. No
  // sleeping: sanitizer builds make calls slower than any short interval.
  const auto record = emulation.state_dir() / "count" / "brief";
  std::istringstream lines(read_file(record));
  std::string aged;
  for (std::string line; std::getline(lines, line);) {
    const unsigned long long admitted = std::stoull(line);
    ASSERT_GT(admitted, 60000000ull) << "the clock counts from boot";
    char text[32];
    std::snprintf(text, sizeof text, "%020llu\n", admitted - 60000000ull);
    aged += text;
  }
  write_file(record, aged);
  EXPECT_EQ(call("brief", "brief").exit_status, 0);
  EXPECT_EQ(runs("brief"), 3u);
  EXPECT_EQ(read_file(record).size(), 21u) << "expired calls leave the record";

  ASSERT_TRUE(journal_running());
  const auto records = journal_records(
      {"SOURCE=" + emulation.source(), "EVENT=plugin", "PLUGIN=count", "PRIORITY=4"});
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(field(records[0], "MESSAGE"),
            "count: limit of 2 calls per 60 s reached, call refused");
}

}  // namespace
}  // namespace qrexec_proxy::test
