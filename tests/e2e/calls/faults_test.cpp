// Fault injection, end to end through the installed service run the way
// qrexec-agent runs it. The source qube is the attacker and anything around
// the proxy may fail: whatever happens, the proxy never crashes, never
// hangs, never writes to stderr, reports a defined exit status, and leaves
// no process, descriptor or lock behind (checked after every test).
#include "support/agent_call.hpp"
#include "support/emulation.hpp"
#include "support/journal_query.hpp"
#include "support/leak_check.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <thread>

#include <unistd.h>

namespace qrexec_proxy::test {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

constexpr const char* kChains = R"({
  "pass": {"plugins": ["pass"]},
  "one-way": {"plugins": ["stop_dst"]},
  "limit": {"plugins": ["byte_limit"], "config": {"byte_limit": {"src2dst_limit": 1000}}}
})";

class Faults : public ::testing::Test {
 protected:
  Faults() { emulation.write_config(kChains); }
  void TearDown() override { leaks.expect_nothing_left(); }

  nlohmann::json summary() {
    const auto records = journal_records({"SOURCE=" + emulation.source(), "EVENT=summary"});
    EXPECT_EQ(records.size(), 1u);
    return records.empty() ? nlohmann::json::object() : records.front();
  }
  // The destination client the service started, once it runs.
  pid_t destination_of(const AgentCall& call) {
    pid_t found = -1;
    eventually([&] {
      const auto children = children_of(call.pid());
      if (!children.empty()) found = children.front().pid;
      return found > 0;
    });
    return found;
  }
  // Waits until a process running `command` has appeared below the service.
  bool runs_below(const AgentCall& call, const std::string& command) {
    return eventually([&] {
      const auto family = descendants_of(call.pid());
      return std::any_of(family.begin(), family.end(), [&](const ProcessStatus& process) {
        return process.command.find(command) != std::string::npos;
      });
    });
  }

  Emulation emulation;
  LeakCheck leaks{{emulation.state_dir()}};
};

// --- the destination fails ---------------------------------------------------

TEST_F(Faults, DestinationRefusedOrNotFoundReachTheCaller) {
  emulation.write_policy("qrexec-mirror * proxy dst deny\n* * @anyvm @anyvm allow\n");
  ProcessOptions options;
  options.input = "data";
  ProcessResult result = emulation.run_service_as_agent("pass+dst+qrexec-mirror", options);
  EXPECT_EQ(result.exit_status, 126);
  EXPECT_EQ(result.out, "");
  EXPECT_EQ(result.err, "");
  result = emulation.run_service_as_agent("pass+dst+test.NoSuchService", options);
  EXPECT_EQ(result.exit_status, 127);
  EXPECT_EQ(result.out, "");
  EXPECT_EQ(result.err, "");
  const auto records = journal_records({"SOURCE=" + emulation.source(), "EVENT=summary"}, 2);
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(field(records[0], "DESTINATION_STATUS"), "126");
  EXPECT_EQ(field(records[1], "DESTINATION_STATUS"), "127");
}

TEST_F(Faults, DestinationDyingOfASignalMidStreamDeliversItsBytesAndItsStatus) {
  // The destination service sends 100000 bytes and dies while its input is
  // still open; qrexec reports 128+N, and so must the proxy.
  for (const auto& [name, number] : {std::pair{"KILL", SIGKILL}, std::pair{"SEGV", SIGSEGV}}) {
    SCOPED_TRACE(name);
    AgentCall call(emulation, std::string("pass+dst+test.Die+") + name);
    call.write("input the destination never reads\n");
    const std::string out = call.read_output(120s);
    EXPECT_EQ(out, std::string(100000, 'd'));
    EXPECT_EQ(call.wait(60s), 128 + number);
    EXPECT_EQ(call.read_error(), "");
  }
}

TEST_F(Faults, DestinationClientKilledMidStreamDeliversWhatItSentAndItsStatus) {
  AgentCall call(emulation, "pass+dst+qrexec-mirror");
  const std::string data = random_bytes(256 * 1024);
  ASSERT_TRUE(call.write(data));
  std::string echoed;
  ASSERT_TRUE(eventually(
      [&] {
        call.read_output([&](std::string_view piece) { echoed.append(piece); }, 10ms);
        return echoed.size() == data.size();
      },
      60s));
  EXPECT_TRUE(echoed == data);
  // The process the proxy started dies now, in the middle of the call.
  const pid_t client = destination_of(call);
  ASSERT_GT(client, 0);
  ::kill(client, SIGKILL);
  EXPECT_EQ(call.read_output(60s), "");
  EXPECT_EQ(call.wait(60s), 128 + SIGKILL);
  EXPECT_EQ(call.read_error(), "");
  EXPECT_EQ(field(summary(), "OUTCOME"), "completed");
}

// --- the caller fails or misbehaves ------------------------------------------

TEST_F(Faults, CallerClosingMidStreamEndsTheCallAndItsDestination) {
  // The destination sends on and on; the caller reads some, then closes
  // everything while bytes are still on their way to it.
  AgentCall call(emulation, "pass+dst+test.Lines+1000000000");
  std::size_t received = 0;
  ASSERT_TRUE(eventually(
      [&] {
        call.read_output([&](std::string_view piece) { received += piece.size(); }, 10ms);
        return received >= 256 * 1024;
      },
      60s));
  call.close_all();
  EXPECT_EQ(call.wait(10s), 124) << "the proxy did not end within seconds";
  EXPECT_EQ(field(summary(), "OUTCOME"), "source-gone");
}

TEST_F(Faults, ACallerOnOneSocketClosingWithBytesUnreadEndsTheCallCleanly) {
  // stdin and stdout are one socket. The reply direction is done (its limit
  // reached) while the caller has left its bytes unread; then the caller
  // closes. The kernel marks the proxy's end of the socket with an error
  // (ECONNRESET), which the proxy meets while it waits for more input.
  emulation.write_config(R"({"short-reply": {"plugins": ["byte_limit"],
                             "config": {"byte_limit": {"dst2src_limit": 1000}}}})");
  AgentCall::Options options;
  options.one_socket = true;
  AgentCall call(emulation, "short-reply+dst+qrexec-mirror", options);
  ASSERT_TRUE(call.write(std::string(4096, 'x')));
  ASSERT_TRUE(eventually([&] { return call.unread_output() >= 1000; }, 60s));
  call.close_all();
  EXPECT_EQ(call.wait(15s), 0) << "128 + 31 would be SIGSYS: a system call the filter refused";
  EXPECT_EQ(field(summary(), "OUTCOME"), "completed");
}

// Reads the service's stdout until `expected` has come (not to its end).
std::string read_until(AgentCall& call, const std::string& expected) {
  std::string got;
  eventually(
      [&] {
        call.read_output([&](std::string_view piece) { got += piece; }, 10ms);
        return got.size() >= expected.size();
      },
      60s);
  return got;
}

TEST_F(Faults, ACallerThatLeavesTheMomentItHasItsAnswerEndsTheCallNormally) {
  // As qvm-copy's sender does: it sends, reads the receiver's answer, and
  // exits at once, while the receiver is still on its way out.
  emulation.add_service("dst", "test.Answer",
                        "#!/bin/sh\ncat >/dev/null\nprintf answer\nsleep 0.3\nexit 3\n");
  AgentCall call(emulation, "pass+dst+test.Answer");
  ASSERT_TRUE(call.write(random_bytes(100000)));
  call.end_input();
  EXPECT_EQ(read_until(call, "answer"), "answer");
  call.close_all();
  EXPECT_EQ(call.wait(15s), 3) << "the destination's status is the call's";
  const auto record = summary();
  EXPECT_EQ(field(record, "OUTCOME"), "completed");
  EXPECT_EQ(field(record, "DESTINATION_STATUS"), "3");
}

TEST_F(Faults, ACallerThatLeavesWhileTheDestinationStillSendsIsGone) {
  emulation.add_service("dst", "test.AnswerTwice",
                        "#!/bin/sh\ncat >/dev/null\nprintf answer\nsleep 0.5\n"
                        "printf more\nsleep 5\n");
  AgentCall call(emulation, "pass+dst+test.AnswerTwice");
  call.end_input();
  EXPECT_EQ(read_until(call, "answer"), "answer");
  call.close_all();
  EXPECT_EQ(call.wait(15s), 124);
  const auto record = summary();
  EXPECT_EQ(field(record, "OUTCOME"), "source-gone");
  EXPECT_NE(field(record, "REASON").find("still coming"), std::string::npos)
      << field(record, "REASON");
}

TEST_F(Faults, CallerVanishingWhileTheDestinationIsSilentEndsTheCall) {
  // The destination neither reads nor writes; one of them ignores SIGTERM.
  for (const char* service : {"test.Sleep+60", "test.Stubborn+60"}) {
    SCOPED_TRACE(service);
    AgentCall call(emulation, std::string("pass+dst+") + service);
    ASSERT_TRUE(call.write("some bytes the destination will never read"));
    ASSERT_TRUE(runs_below(call, "sleep"));
    const auto vanished = std::chrono::steady_clock::now();
    call.close_all();
    EXPECT_EQ(call.wait(15s), 124) << "the proxy did not end within seconds";
    EXPECT_LT(std::chrono::steady_clock::now() - vanished, 15s);
  }
}

TEST_F(Faults, CallerNotReadingKeepsMemoryBoundedAndLosesNothing) {
  // The destination sends more than 512 MiB (the numbers 1 to N, one a
  // line) while the caller reads nothing for a while: the bytes wait in
  // the kernel's buffers and the destination blocks; the proxy's memory
  // must not grow with them. Then every line arrives, once, in order.
  constexpr std::uint64_t last = 62'000'000;
  std::uint64_t expected_size = 0;
  for (std::uint64_t digits = 1, low = 1; low <= last; ++digits, low *= 10)
    expected_size += (std::min(last, low * 10 - 1) - low + 1) * (digits + 1);
  ASSERT_GT(expected_size, 512u * 1024 * 1024);

  AgentCall call(emulation, "pass+dst+test.Lines+" + std::to_string(last));
  call.end_input();
  ASSERT_TRUE(runs_below(call, "seq"));
  auto resident_kib = [&] {
    const std::string value = status_field(call.pid(), "VmRSS");  // "1234 kB"
    return value.empty() ? 0L : std::stol(value);
  };
  const long at_start = resident_kib();
  long highest = at_start;
  for (int i = 0; i < 30; ++i) {
    std::this_thread::sleep_for(100ms);
    highest = std::max(highest, resident_kib());
  }
  EXPECT_FALSE(call.wait(0ms)) << "the call ended while its caller was not reading";

  std::uint64_t received = 0;
  std::uint64_t expected_line = 1;
  std::uint64_t current = 0;
  bool in_order = true;
  std::uint64_t next_sample = 64u * 1024 * 1024;
  const bool ended = call.read_output(
      [&](std::string_view piece) {
        received += piece.size();
        for (const char c : piece) {
          if (c == '\n') {
            in_order &= current == expected_line;
            ++expected_line;
            current = 0;
          } else {
            current = current * 10 + static_cast<std::uint64_t>(c - '0');
          }
        }
        if (received >= next_sample) {
          highest = std::max(highest, resident_kib());
          next_sample += 64u * 1024 * 1024;
        }
      },
      600s);
  EXPECT_TRUE(ended);
  EXPECT_EQ(received, expected_size);
  EXPECT_TRUE(in_order) << "a line was lost, repeated or out of order";
  EXPECT_EQ(expected_line, last + 1);
  EXPECT_EQ(call.wait(60s), 0);
  EXPECT_EQ(call.read_error(), "");
  EXPECT_GT(at_start, 0);
  EXPECT_LT(highest - at_start, 32 * 1024)
      << "resident memory grew from " << at_start << " kB to " << highest << " kB";
}

// --- the proxy qube's own services fail --------------------------------------

TEST_F(Faults, WithoutAJournalTheCallStillWorksAndNothingReachesStderr) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to hide the journal in a mount namespace";
  // journald is not running for this call: its socket directory is an
  // empty tmpfs in the service's own mount namespace.
  AgentCall::Options options;
  options.wrapper = {"/usr/bin/unshare",
                     "--mount",
                     "--propagation",
                     "private",
                     "/bin/sh",
                     "-c",
                     "mount -t tmpfs none /run/systemd/journal && exec \"$@\"",
                     "sh"};
  AgentCall call(emulation, "pass+dst+qrexec-mirror", options);
  const std::string data = random_bytes(100000);
  ASSERT_TRUE(call.write(data));
  call.end_input();
  EXPECT_TRUE(call.read_output(60s) == data);
  EXPECT_EQ(call.wait(60s), 0);
  EXPECT_EQ(call.read_error(), "");
  // And the journal really was out of reach.
  EXPECT_TRUE(journal_records({"SOURCE=" + emulation.source()}, 1, 1s).empty());
}

TEST_F(Faults, AnUnreadableOrInvalidConfigFailsWith125AndAJournalRecord) {
  ASSERT_TRUE(journal_running());
  struct Case {
    const char* name;
    std::function<void()> prepare;
    std::vector<std::string> wrapper;
    std::string expected;  // in one of the error records
  };
  const fs::path config = emulation.config_dir() / "config.json";
  const std::vector<Case> cases = {
      {"config.json is a directory",
       [&] {
         fs::remove(config);
         fs::create_directory(config);
       },
       {},
       "config.json: cannot read"},
      {"config.json is not readable by the service's user",
       [&] {
         fs::remove_all(config);
         emulation.write_config(kChains);
         fs::permissions(config, fs::perms::owner_read | fs::perms::owner_write);
         for (const fs::path& dir : {emulation.root(), emulation.config_dir()})
           fs::permissions(dir, fs::perms::owner_all | fs::perms::others_exec);
       },
       {"/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"},
       "config.json: cannot read"},
      {"broken JSON",
       [&] { emulation.write_config("{\"pass\": {\"plugins\": [\"pass\"]},\n  oops}"); },
       {},
       "config.json:2:"},
      {"an option of the wrong type",
       [&] {
         emulation.write_config(
             R"({"pass": {"plugins": ["byte_limit"], "config": {"byte_limit": {"src2dst_limit": "x"}}}})");
       },
       {},
       "chain pass, plugin #0 byte_limit, option src2dst_limit"},
  };
  std::size_t expected_records = 0;
  for (const auto& each : cases) {
    SCOPED_TRACE(each.name);
    if (!each.wrapper.empty() && ::geteuid() != 0) continue;
    each.prepare();
    AgentCall::Options options;
    options.wrapper = each.wrapper;
    AgentCall call(emulation, "pass+dst+qrexec-mirror", options);
    call.write("data that must go nowhere");  // the service may be gone already
    call.end_input();
    EXPECT_EQ(call.read_output(30s), "");
    EXPECT_EQ(call.wait(30s), 125);
    EXPECT_EQ(call.read_error(), "");
    expected_records += 2;  // the problem, then "call failed"
    const auto records =
        journal_records({"SOURCE=" + emulation.source(), "EVENT=error"}, expected_records);
    ASSERT_EQ(records.size(), expected_records);
    const std::string problem = field(records[expected_records - 2], "MESSAGE");
    EXPECT_NE(problem.find(each.expected), std::string::npos) << problem;
  }
}

// --- qrexec-agent stops the call ---------------------------------------------

TEST_F(Faults, SigtermFromTheAgentStopsTheDestinationAndWritesASummary) {
  ASSERT_TRUE(journal_running());
  for (const char* service : {"test.Sleep+60", "test.Stubborn+60"}) {
    SCOPED_TRACE(service);
    AgentCall call(emulation, std::string("pass+dst+") + service);
    ASSERT_TRUE(call.write("bytes on their way"));
    ASSERT_TRUE(runs_below(call, "sleep"));
    const auto signalled = std::chrono::steady_clock::now();
    call.signal(SIGTERM);
    EXPECT_EQ(call.wait(15s), 143);
    EXPECT_LT(std::chrono::steady_clock::now() - signalled, 15s);
    EXPECT_EQ(call.read_error(), "");
  }
  const auto records = journal_records({"SOURCE=" + emulation.source(), "EVENT=summary"}, 2);
  ASSERT_EQ(records.size(), 2u);
  for (const auto& record : records) {
    EXPECT_EQ(field(record, "OUTCOME"), "terminated");
    EXPECT_EQ(field(record, "EXIT_STATUS"), "143");
    EXPECT_EQ(field(record, "REASON"), "received TERM");
  }
}

// --- load ----------------------------------------------------------------------

TEST_F(Faults, AHundredConcurrentCallsAreEachByteExact) {
  constexpr int calls = 100;
  std::vector<std::string> inputs;
  for (int i = 0; i < calls; ++i) inputs.push_back(random_bytes(64 * 1024 + i));
  std::vector<ProcessResult> results(calls);
  std::vector<std::thread> threads;
  for (int i = 0; i < calls; ++i) {
    threads.emplace_back([&, i] {
      ProcessOptions options;
      options.input = inputs[i];
      options.timeout = 300s;
      results[i] = emulation.call("qrexec-proxy+pass+dst+qrexec-mirror", options);
    });
  }
  for (auto& thread : threads) thread.join();
  int exact = 0;
  for (int i = 0; i < calls; ++i) {
    SCOPED_TRACE("call " + std::to_string(i));
    EXPECT_EQ(results[i].exit_status, 0);
    EXPECT_EQ(results[i].err, "");
    EXPECT_FALSE(results[i].timed_out);
    exact += results[i].out == inputs[i];
  }
  EXPECT_EQ(exact, calls);
}

// --- hostile arguments ---------------------------------------------------------

std::string printable(const std::string& text) {
  std::string out;
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte >= 0x20 && byte < 0x7f) {
      out.push_back(c);
    } else {
      char hex[8];
      std::snprintf(hex, sizeof hex, "\\x%02x", byte);
      out += hex;
    }
  }
  return out;
}

bool qrexec_passes(unsigned char c) {
  return std::isalnum(c) || c == '_' || c == '.' || c == '-' || c == '+';
}

std::vector<std::string> hostile_arguments() {
  std::vector<std::string> arguments = {
      // Empty parts, missing parts, extra separators.
      "",
      "+",
      "++",
      "+++",
      "pass",
      "pass+",
      "pass+dst",
      "pass+dst+",
      "+dst+test.Sink",
      "pass++test.Sink",
      "pass+dst++",
      "++test.Sink",
      // Path tricks, with what qrexec lets through and without.
      "..+dst+test.Sink",
      ".+dst+test.Sink",
      "pass+..+test.Sink",
      "pass+dst+..",
      "pass+dst+.",
      "pass+dst+../test.Sink",
      "pass+dst+/bin/sh",
      "pass/../pass+dst+test.Sink",
      "../pass+dst+test.Sink",
      "pass+dst+test.Sink+../../x",
      "pass+dst+test.Sink+/etc/passwd",
      "pass+../dst+test.Sink",
      "pass+dst/..+test.Sink",
      // Options and hidden names.
      "-h+dst+test.Sink",
      "--help",
      "pass+-dst+test.Sink",
      "pass+dst+-test.Sink",
      "pass+dst+.test.Sink",
      "-+dst+test.Sink",
      ".pass+dst+test.Sink",
      // Names qrexec lets through but Qubes forbids.
      "pass+default+test.Sink",
      "pass+none+test.Sink",
      "pass+2dst+test.Sink",
      "pass+_dst+test.Sink",
      "pass+d.st+test.Sink",
      "pass+" + std::string(32, 'd') + "+test.Sink",
      // Over-long parts, and over-long as a whole.
      std::string(65, 'c') + "+dst+test.Sink",
      "pass+dst+" + std::string(256, 's'),
      "pass+dst+test.Sink+" + std::string(1025, 'a'),
      std::string(65000, 'x'),
      "pass+dst+test.Sink+" + std::string(64980, 'a'),
      // Unknown chains.
      "nosuchchain+dst+test.Sink",
      "PASS+dst+test.Sink",
  };
  // Every byte qrexec would have replaced, in each part in turn.
  const std::string parts[] = {"pa%ss+dst+test.Sink", "pass+d%st+test.Sink", "pass+dst+test.%Sink",
                               "pass+dst+test.Sink+a%b"};
  for (int byte = 1; byte < 256; ++byte) {
    if (qrexec_passes(static_cast<unsigned char>(byte))) continue;
    std::string argument = parts[byte % 4];
    argument[argument.find('%')] = static_cast<char>(byte);
    arguments.push_back(argument);
  }
  return arguments;
}

TEST_F(Faults, HostileArgumentsAreRefusedWith126AndSilence) {
  const auto arguments = hostile_arguments();
  std::vector<ProcessResult> results(arguments.size());
  std::atomic<std::size_t> next{0};
  std::vector<std::thread> workers;
  for (int w = 0; w < 4; ++w) {
    workers.emplace_back([&] {
      for (std::size_t i = next++; i < arguments.size(); i = next++) {
        ProcessOptions options;
        options.input = "bytes that must reach no destination";
        results[i] = emulation.run_service_as_agent(arguments[i], options);
      }
    });
  }
  for (auto& worker : workers) worker.join();
  for (std::size_t i = 0; i < arguments.size(); ++i) {
    SCOPED_TRACE("argument " + std::to_string(i) + ": " + printable(arguments[i].substr(0, 60)));
    EXPECT_EQ(results[i].exit_status, 126);
    EXPECT_EQ(results[i].out, "");
    EXPECT_EQ(results[i].err, "");
  }
  // A valid argument through the same path works: the refusals above are
  // the arguments' doing.
  ProcessOptions options;
  options.input = "accepted";
  EXPECT_EQ(emulation.run_service_as_agent("pass+dst+test.Sink+probe", options).exit_status, 0);
  std::vector<std::string> reached;
  for (const auto& entry : fs::directory_iterator(emulation.root() / "dst" / "out"))
    reached.push_back(entry.path().filename().string());
  EXPECT_EQ(reached, std::vector<std::string>{"probe"}) << "a refused call reached the destination";
}

TEST_F(Faults, AHostileArgumentOnlyInTheEnvironmentIsRefusedToo) {
  for (const std::string& argument : {std::string(65000, 'x'), std::string("pass+dst+..")}) {
    ProcessOptions options;
    options.input = "x";
    const ProcessResult result =
        emulation.run_service_as_agent(argument, options, /*pass_argv=*/false);
    EXPECT_EQ(result.exit_status, 126);
    EXPECT_EQ(result.out, "");
    EXPECT_EQ(result.err, "");
  }
}

TEST_F(Faults, AnUnusableStateDirectoryFailsEveryCallClosed) {
  // The state directory's place holds a file: no one, root included, can
  // make the directory there.
  write_file(emulation.state_dir(), "not a directory");
  emulation.write_config(R"({
    "counted": {"plugins": ["count"], "config": {"count": {"limit": 5, "limit_interval": 60}}},
    "capped": {"plugins": ["max_conn"], "config": {"max_conn": {"limit": 2}}},
    "plain": {"plugins": ["pass"]}})");
  for (const std::string chain : {"counted", "capped"}) {
    SCOPED_TRACE(chain);
    ProcessOptions options;
    options.input = "bytes that must go nowhere";
    const ProcessResult result =
        emulation.run_service_as_agent(chain + "+dst+test.Sink+" + chain, options);
    EXPECT_EQ(result.exit_status, 125);
    EXPECT_EQ(result.out, "");
    EXPECT_EQ(result.err, "");
    EXPECT_FALSE(fs::exists(emulation.output(chain))) << "the destination was started";
  }
  const auto records = journal_records({"SOURCE=" + emulation.source(), "EVENT=summary"}, 2);
  ASSERT_EQ(records.size(), 2u);
  for (const auto& record : records) {
    EXPECT_EQ(field(record, "OUTCOME"), "failed");
    EXPECT_NE(field(record, "REASON").find("cannot create " + emulation.state_dir().string()),
              std::string::npos)
        << field(record, "REASON");
  }
  // Nor does a chain without state run: the proxy cannot count its calls
  // (max_calls), and fails closed.
  ProcessOptions options;
  options.input = "not even this\n";
  const ProcessResult plain = emulation.run_service_as_agent("plain+dst+qrexec-mirror", options);
  EXPECT_EQ(plain.exit_status, 125);
  EXPECT_EQ(plain.out, "");
}

}  // namespace
}  // namespace qrexec_proxy::test
