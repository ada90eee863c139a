// max_conn end to end: concurrent calls of real proxy processes, slots
// freed by the kernel when a holder is killed, per-source counts.
#include "support/agent_call.hpp"
#include "support/emulation.hpp"
#include "support/held_calls.hpp"
#include "support/journal_query.hpp"

#include <gtest/gtest.h>

#include <sys/stat.h>

#include <csignal>
#include <fstream>
#include <future>
#include <sstream>
#include <thread>

namespace qrexec_proxy::test {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

constexpr const char* kChains = R"({
  "two": {"plugins": ["max_conn"], "config": {"max_conn": {"limit": 2}}},
  "one": {"plugins": ["max_conn"], "config": {"max_conn": {"limit": 1}}},
  "each": {"plugins": ["max_conn"],
           "config": {"max_conn": {"limit": 1, "per_source": true, "reject_delay": 1}}},
  "slow": {"plugins": ["max_conn"], "config": {"max_conn": {"limit": 1, "reject_delay": 60}}}
})";

class MaxConn : public ::testing::Test {
 protected:
  MaxConn() { emulation.write_config(kChains); }

  std::future<ProcessResult> call_async(const std::string& chain, const std::string& source = "") {
    const std::string caller = source.empty() ? emulation.source() : source;
    if (!source.empty()) emulation.add_qube(source);
    return std::async(std::launch::async, [this, chain, caller] {
      ProcessOptions options;
      options.environment = emulation.environment(caller);
      options.input = "ping\n";
      return run_process(
          {emulator_path().string(), "proxy", "qrexec-proxy+" + chain + "+dst+test.Hold"}, options);
    });
  }

  Emulation emulation;
  HeldCalls held{emulation};  // test.Hold destinations
};

TEST_F(MaxConn, AdmitsExactlyTheLimitAtOnce) {
  std::vector<std::future<ProcessResult>> calls;
  for (int i = 0; i < 5; ++i) calls.push_back(call_async("two"));
  // The refused calls end at once, without a destination; two destinations run.
  std::vector<int> refused;
  ASSERT_TRUE(eventually(
      [&] {
        for (auto& call : calls)
          if (call.valid() && call.wait_for(0s) == std::future_status::ready)
            refused.push_back(call.get().exit_status);
        return refused.size() == 3 && held.started() == 2;
      },
      60s))
      << refused.size() << " calls ended, " << held.started() << " destinations started";
  EXPECT_EQ(refused, std::vector<int>(3, 126));
  held.release();
  for (auto& call : calls) {
    if (!call.valid()) continue;
    const ProcessResult result = call.get();
    EXPECT_EQ(result.exit_status, 0);
    EXPECT_EQ(result.out, "ping\n");
  }
  EXPECT_EQ(held.started(), 2u) << "a refused call started its destination";
  // The slots are free again.
  EXPECT_EQ(call_async("two").get().exit_status, 0);
}

// The pid of the process holding flock() on `file`, from /proc/locks.
pid_t lock_holder(const fs::path& file) {
  struct stat info {};
  if (::stat(file.c_str(), &info) != 0) return -1;
  std::ifstream locks("/proc/locks");
  for (std::string line; std::getline(locks, line);) {
    std::istringstream fields(line);
    std::string id, kind, advisory, mode, device;
    pid_t pid = -1;
    if (!(fields >> id >> kind >> advisory >> mode >> pid >> device) || kind != "FLOCK") continue;
    if (device.substr(device.rfind(':') + 1) == std::to_string(info.st_ino)) return pid;
  }
  return -1;
}

TEST_F(MaxConn, AKilledCallFreesItsSlot) {
  auto holder = call_async("one");
  ASSERT_TRUE(eventually([&] { return held.started() == 1; }, 60s));
  EXPECT_EQ(call_async("one").get().exit_status, 126);
  const pid_t proxy = lock_holder(emulation.state_dir() / "max_conn" / "one.slot0");
  ASSERT_GT(proxy, 0) << "no process holds the slot";
  EXPECT_EQ(fs::read_symlink("/proc/" + std::to_string(proxy) + "/exe"),
            fs::canonical(installed_service()));
  ASSERT_EQ(::kill(proxy, SIGKILL), 0);
  EXPECT_NE(holder.get().exit_status, 0);
  held.release();
  const ProcessResult next = call_async("one").get();
  EXPECT_EQ(next.exit_status, 0);
  EXPECT_EQ(next.out, "ping\n");
}

TEST_F(MaxConn, PerSourceCountsEachCallerApartAndDelaysRefusals) {
  ASSERT_TRUE(journal_running());
  auto first = call_async("each");
  ASSERT_TRUE(eventually([&] { return held.started() == 1; }, 60s));
  // Another qube has its own slot...
  auto other = call_async("each", "other-" + emulation.source());
  ASSERT_TRUE(eventually([&] { return held.started() == 2; }, 60s));
  // ...while the same qube is refused, after the reject delay.
  const ProcessResult refused = call_async("each").get();
  EXPECT_EQ(refused.exit_status, 126);
  EXPECT_GE(refused.elapsed, 1s);
  held.release();
  EXPECT_EQ(first.get().exit_status, 0);
  EXPECT_EQ(other.get().exit_status, 0);
  EXPECT_EQ(held.started(), 2u);
  const auto records =
      journal_records({"SOURCE=" + emulation.source(), "EVENT=summary", "OUTCOME=refused"});
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(field(records[0], "EXIT_STATUS"), "126");
  EXPECT_EQ(field(records[0], "PLUGIN"), "max_conn");
  EXPECT_EQ(field(records[0], "REASON"),
            "max_conn: 1 call of chain each from " + emulation.source() + " already runs");
}

TEST_F(MaxConn, ARefusalWaitingItsDelayEndsAtOnceWhenTheCallerLeaves) {
  auto holder = call_async("slow");
  ASSERT_TRUE(eventually([&] { return held.started() == 1; }, 60s));
  // Refused, it would answer a minute later; its caller leaves first.
  AgentCall refused(emulation, "slow+dst+test.Hold");
  // Whether it has begun to wait or not yet, it must not wait once its
  // caller has gone.
  std::this_thread::sleep_for(200ms);
  EXPECT_FALSE(refused.wait(0ms)) << "refused without waiting";
  refused.close_all();
  EXPECT_EQ(refused.wait(15s), 126) << "the refused call did not end when its caller left";
  held.release();
  EXPECT_EQ(holder.get().exit_status, 0);
}

}  // namespace
}  // namespace qrexec_proxy::test
