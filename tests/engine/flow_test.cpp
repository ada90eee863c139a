// Model-based tests of one direction's pipeline. Each scripted stage acts
// on its own logical stream (drop these offsets, cut at that one, hold at
// random); the expected output is those transformations applied in turn to
// the input. Whatever the chunking, holds and wrap-arounds, the flow must
// deliver exactly that, and each stage must see exactly its own input.
#include "engine/flow.hpp"

#include "io/in_place_fifo.hpp"
#include "io/pipe_fifo.hpp"
#include "io/ring_fifo.hpp"
#include "support/null_context.hpp"
#include "support/pipe_ends.hpp"
#include "support/temp_dir.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <random>
#include <set>

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

namespace qrexec_proxy {
namespace {

struct StageScript {
  std::set<std::uint64_t> drops;
  std::optional<std::uint64_t> cut_at;
  bool reads = false;
};

// What a stage with `script` makes of `input`.
std::string transform(const std::string& input, const StageScript& script) {
  std::string output;
  for (std::uint64_t i = 0; i < input.size(); ++i) {
    if (script.cut_at && i >= *script.cut_at) break;
    if (!script.drops.contains(i)) output.push_back(input[i]);
  }
  return output;
}

class ScriptedStage final : public Plugin {
 public:
  ScriptedStage(std::string expected_input, StageScript script, std::uint32_t seed)
      : expected_(std::move(expected_input)), script_(std::move(script)), random_(seed) {}

  DataNeeds needs(Direction) const override { return {script_.reads, !script_.drops.empty(), 0}; }

  Verdict on_data(PluginContext&, const DataView& data) override {
    EXPECT_FALSE(ended_) << "data after the end of the stream";
    EXPECT_LE(seen_ + data.size, expected_.size()) << "more bytes than the stage's input";
    if (script_.reads) {
      EXPECT_EQ(data.untrusted_bytes.size(), data.size);
      const std::string got(reinterpret_cast<const char*>(data.untrusted_bytes.data()),
                            data.untrusted_bytes.size());
      EXPECT_EQ(got, expected_.substr(seen_, data.size)) << "wrong bytes at offset " << seen_;
    }
    if (script_.cut_at && seen_ == *script_.cut_at) {
      cut_ = true;
      return Verdict::cut();
    }
    if (std::uniform_int_distribution<int>(0, 9)(random_) < 3) return Verdict::hold();
    if (script_.drops.contains(seen_)) {
      std::uint64_t count = 0;
      while (count < data.size && script_.drops.contains(seen_ + count) &&
             (!script_.cut_at || seen_ + count < *script_.cut_at))
        ++count;
      seen_ += count;
      return Verdict::drop(count);
    }
    std::uint64_t next_special = expected_.size();
    if (const auto drop = script_.drops.lower_bound(seen_); drop != script_.drops.end())
      next_special = std::min(next_special, *drop);
    if (script_.cut_at) next_special = std::min(next_special, *script_.cut_at);
    const std::uint64_t limit = std::min<std::uint64_t>(data.size, next_special - seen_);
    const std::uint64_t count =
        limit == 0 ? 0 : std::uniform_int_distribution<std::uint64_t>(1, limit)(random_);
    seen_ += count;
    return Verdict::pass(count);
  }

  void on_end(PluginContext&, Direction) override {
    EXPECT_FALSE(ended_) << "end of stream twice";
    ended_ = true;
    if (!cut_) {
      EXPECT_EQ(seen_, expected_.size()) << "end of stream before all bytes";
    }
  }

  bool ended() const { return ended_; }

 private:
  std::string expected_;
  StageScript script_;
  std::mt19937 random_;
  std::uint64_t seen_ = 0;
  bool ended_ = false;
  bool cut_ = false;
};

using PipeEnds = test::PipeEnds;
// The sender's end: a pipe, or a socket as qrexec-agent gives a service.
struct SocketEnds : test::PipeEnds {
  SocketEnds() : test::PipeEnds(Kind::socket) {}
};

enum class FifoKind {
  ring,             // in memory
  pipe,             // a pipe of its own, spliced in and out
  in_place_pipe,    // the bytes wait in the sender's pipe
  in_place_socket,  // the bytes wait in the sender's socket
};
constexpr FifoKind kSplicedKinds[] = {FifoKind::pipe, FifoKind::in_place_pipe,
                                      FifoKind::in_place_socket};
constexpr FifoKind kAllKinds[] = {FifoKind::ring, FifoKind::pipe, FifoKind::in_place_pipe,
                                  FifoKind::in_place_socket};

struct Scenario {
  FifoKind kind;
  std::vector<StageScript> stages;
  std::size_t input_size;
  std::uint32_t seed;
};

void run_scenario(const Scenario& scenario) {
  SCOPED_TRACE("seed " + std::to_string(scenario.seed));
  std::mt19937 random(scenario.seed);
  const std::string input = test::random_bytes(scenario.input_size);

  std::vector<std::unique_ptr<ScriptedStage>> plugins;
  std::vector<FlowStage> stages;
  test::NullContext context;
  std::string stage_input = input;
  for (std::size_t i = 0; i < scenario.stages.size(); ++i) {
    plugins.push_back(
        std::make_unique<ScriptedStage>(stage_input, scenario.stages[i], scenario.seed + i));
    stages.push_back({plugins.back().get(), &context, scenario.stages[i].reads});
    stage_input = transform(stage_input, scenario.stages[i]);
  }
  const std::string expected = stage_input;
  PipeEnds pipe_in, out;
  SocketEnds socket_in;
  const bool socket_input = scenario.kind == FifoKind::in_place_socket;
  int& input_read = socket_input ? socket_in.read_end : pipe_in.read_end;
  int& input_write = socket_input ? socket_in.write_end : pipe_in.write_end;
  std::unique_ptr<ByteFifo> fifo;
  switch (scenario.kind) {
    case FifoKind::ring:
      fifo = std::make_unique<RingFifo>(std::move(*RingFifo::create(4096)));
      break;
    case FifoKind::pipe:
      fifo = std::make_unique<PipeFifo>(std::move(*PipeFifo::create(4096)));
      break;
    case FifoKind::in_place_pipe:
    case FifoKind::in_place_socket:
      ASSERT_TRUE(InPlaceFifo::suits(input_read, out.write_end));
      fifo = std::make_unique<InPlaceFifo>(std::move(*InPlaceFifo::create(input_read)));
      break;
  }

  bool output_closed = false;
  Flow flow(Direction::src2dst, std::move(fifo), std::move(stages), input_read, out.write_end, [&] {
    ASSERT_FALSE(output_closed) << "output closed twice";
    output_closed = true;
    ::close(out.write_end);
    out.write_end = -1;
  });

  std::string output;
  std::size_t written = 0;
  const bool aborted = false;
  bool output_eof = false;
  for (int round = 0; round < 200000 && !(output_eof && flow.finished()); ++round) {
    if (written < input.size()) {
      const std::size_t chunk = std::min(
          input.size() - written, std::uniform_int_distribution<std::size_t>(1, 9000)(random));
      const ssize_t put = ::write(input_write, input.data() + written, chunk);
      if (put > 0) written += static_cast<std::size_t>(put);
    } else if (input_write >= 0) {
      ::close(input_write);
      input_write = -1;
    }
    flow.set_input_ready();
    if (std::uniform_int_distribution<int>(0, 3)(random) != 0) flow.set_output_ready();
    flow.wake();
    flow.pump(aborted);
    char buffer[16384];
    while (!output_eof) {
      const ssize_t got = ::read(out.read_end, buffer, sizeof buffer);
      if (got > 0)
        output.append(buffer, static_cast<std::size_t>(got));
      else if (got == 0)
        output_eof = true;
      else
        break;
    }
  }
  ASSERT_TRUE(output_eof) << "the receiver never saw the end of the stream";
  EXPECT_TRUE(flow.finished());
  EXPECT_EQ(flow.fault(), FlowFault::none);
  EXPECT_EQ(output.size(), expected.size());
  EXPECT_TRUE(output == expected) << "output differs from the model";
  EXPECT_EQ(flow.stats().received, input.size());
  EXPECT_EQ(flow.stats().delivered, expected.size());
  EXPECT_EQ(flow.stats().received, flow.stats().delivered + flow.stats().dropped);
  for (const auto& plugin : plugins) EXPECT_TRUE(plugin->ended());
}

StageScript random_script(std::mt19937& random, std::size_t input_size, bool in_memory) {
  StageScript script;
  script.reads = in_memory && std::uniform_int_distribution<int>(0, 1)(random) == 1;
  if (in_memory && std::uniform_int_distribution<int>(0, 1)(random) == 1) {
    const int runs = std::uniform_int_distribution<int>(1, 20)(random);
    for (int r = 0; r < runs; ++r) {
      const auto start = std::uniform_int_distribution<std::uint64_t>(0, input_size)(random);
      const auto length = std::uniform_int_distribution<std::uint64_t>(1, 3000)(random);
      for (std::uint64_t i = start; i < start + length; ++i) script.drops.insert(i);
    }
  }
  if (std::uniform_int_distribution<int>(0, 3)(random) == 0)
    script.cut_at = std::uniform_int_distribution<std::uint64_t>(0, input_size)(random);
  return script;
}

TEST(Flow, NoStagesDeliversEverything) {
  for (const FifoKind kind : kAllKinds) run_scenario({kind, {}, 100000, 1});
}

TEST(Flow, CutAtTheStartDeliversNothing) {
  StageScript cut;
  cut.cut_at = 0;
  for (const FifoKind kind : kAllKinds)
    run_scenario({kind, {StageScript{}, cut, StageScript{}}, 50000, 2});
}

TEST(Flow, RandomSplicedChainsMatchTheModel) {
  for (const FifoKind kind : kSplicedKinds) {
    SCOPED_TRACE("fifo kind " + std::to_string(static_cast<int>(kind)));
    std::mt19937 random(42);
    for (std::uint32_t seed = 100; seed < 160; ++seed) {
      std::vector<StageScript> stages;
      const int count = std::uniform_int_distribution<int>(0, 4)(random);
      const std::size_t size = std::uniform_int_distribution<std::size_t>(0, 120000)(random);
      for (int i = 0; i < count; ++i) stages.push_back(random_script(random, size, false));
      run_scenario({kind, stages, size, seed});
    }
  }
}

TEST(Flow, RandomInMemoryChainsMatchTheModel) {
  std::mt19937 random(7);
  for (std::uint32_t seed = 200; seed < 300; ++seed) {
    std::vector<StageScript> stages;
    const int count = std::uniform_int_distribution<int>(1, 4)(random);
    const std::size_t size = std::uniform_int_distribution<std::size_t>(0, 120000)(random);
    for (int i = 0; i < count; ++i) stages.push_back(random_script(random, size, true));
    run_scenario({FifoKind::ring, stages, size, seed});
  }
}

// Passes at most `allowed` bytes in all; holds the rest.
class Holder final : public Plugin {
 public:
  explicit Holder(std::uint64_t allowed) : allowed_(allowed) {}
  Verdict on_data(PluginContext&, const DataView& data) override {
    const std::uint64_t count = std::min(data.size, allowed_ - passed_);
    passed_ += count;
    return Verdict::pass(count);
  }

 private:
  std::uint64_t allowed_;
  std::uint64_t passed_ = 0;
};

class DrainWatcher final : public Plugin {
 public:
  void on_drained(PluginContext&, Direction) override { ++drained; }
  int drained = 0;
};

TEST(Flow, DrainedMeansWhatAStagePassedIsDeliveredWhateverOthersHold) {
  Holder holder(600);
  DrainWatcher watcher;
  test::NullContext context;
  PipeEnds in, out;
  Flow flow(Direction::src2dst, std::make_unique<RingFifo>(std::move(*RingFifo::create(4096))),
            {{&holder, &context, false}, {&watcher, &context, false}}, in.read_end, out.write_end,
            [] {});
  const std::string input = test::random_bytes(1000);
  ASSERT_EQ(::write(in.write_end, input.data(), input.size()), 1000);
  const bool aborted = false;
  flow.notify_when_drained(1);
  flow.set_input_ready();
  flow.pump(aborted);
  EXPECT_EQ(watcher.drained, 0) << "nothing was delivered yet";
  flow.set_output_ready();
  flow.pump(aborted);
  // The 600 bytes the watcher passed are delivered; the holder still holds
  // 400, which do not keep the watcher waiting.
  EXPECT_EQ(flow.stats().delivered, 600u);
  EXPECT_EQ(watcher.drained, 1);
  flow.pump(aborted);
  EXPECT_EQ(watcher.drained, 1) << "once per request";
}

}  // namespace
}  // namespace qrexec_proxy

namespace qrexec_proxy {
namespace {

// Drops its first 10 bytes and cuts after 100: what an enforcing plugin
// would do; in audit mode the engine must report both and pass everything.
class DropThenCut final : public Plugin {
 public:
  DataNeeds needs(Direction) const override { return {false, true, 0}; }
  Verdict on_data(PluginContext&, const DataView& data) override {
    if (seen_ == 0) {
      seen_ = 10;
      return Verdict::drop(std::min<std::uint64_t>(10, data.size));
    }
    if (seen_ >= 100) return Verdict::cut();
    const auto count = std::min<std::uint64_t>(data.size, 100 - seen_);
    seen_ += count;
    return Verdict::pass(count);
  }

 private:
  std::uint64_t seen_ = 0;
};

TEST(Flow, AuditModeReportsDropsAndCutsAndPassesEverything) {
  DropThenCut plugin;
  test::NullContext context;
  int in[2], out[2];
  ASSERT_EQ(::pipe2(in, O_NONBLOCK), 0);
  ASSERT_EQ(::pipe2(out, O_NONBLOCK), 0);
  const std::string input = test::random_bytes(5000);
  ASSERT_EQ(::write(in[1], input.data(), input.size()), 5000);
  ::close(in[1]);
  Flow flow(Direction::src2dst, std::make_unique<RingFifo>(std::move(*RingFifo::create(8192))),
            {{&plugin, &context, false, /*audit=*/true}}, in[0], out[1], [&] { ::close(out[1]); });
  const bool aborted = false;
  flow.set_input_ready();
  flow.set_output_ready();
  for (int i = 0; i < 100 && !flow.finished(); ++i) flow.pump(aborted);
  std::string output(10000, '\0');
  const ssize_t got = ::read(out[0], output.data(), output.size());
  ASSERT_GT(got, 0);
  output.resize(static_cast<std::size_t>(got));
  EXPECT_TRUE(output == input) << "audit mode changed the stream";
  ASSERT_EQ(context.audits.size(), 2u);
  EXPECT_EQ(context.audits[0],
            (std::pair<std::string, std::string>{"drop", "drop 10 bytes in src2dst"}));
  EXPECT_EQ(context.audits[1], (std::pair<std::string, std::string>{"cut", "cut src2dst"}));
  ::close(in[0]);
  ::close(out[0]);
}

}  // namespace
}  // namespace qrexec_proxy
