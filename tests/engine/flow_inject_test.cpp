// Bytes a plugin puts into a direction of its own (PluginContext::inject):
// where they land, the room kept for them, and what the end of a stream
// allows.
#include "engine/flow.hpp"

#include "io/ring_fifo.hpp"
#include "support/null_context.hpp"
#include "support/pipe_ends.hpp"
#include "support/temp_dir.hpp"

#include <gtest/gtest.h>

#include <unistd.h>

#include <memory>
#include <string>
#include <string_view>

namespace qrexec_proxy {
namespace {

std::span<const std::byte> as_bytes(std::string_view text) {
  return {reinterpret_cast<const std::byte*>(text.data()), text.size()};
}

// A stage that records the bytes it is offered and passes them all.
class Recorder final : public Plugin {
 public:
  DataNeeds needs(Direction) const override { return {true, false, 0}; }
  Verdict on_data(PluginContext&, const DataView& data) override {
    seen.append(reinterpret_cast<const char*>(data.untrusted_bytes.data()),
                data.untrusted_bytes.size());
    return Verdict::pass(data.size);
  }
  void on_end(PluginContext&, Direction) override { ended = true; }
  std::string seen;
  bool ended = false;
};

// Passes `first` bytes, then, on its next offer, injects `text` from within
// on_data and passes everything after.
class Injector final : public Plugin {
 public:
  Injector(Flow*& flow, std::size_t stage, std::uint64_t first, std::string text)
      : flow_(flow), stage_(stage), first_(first), text_(std::move(text)) {}
  DataNeeds needs(Direction) const override {
    DataNeeds needs;
    needs.reads_bytes = true;
    needs.inject_bytes = 64;
    return needs;
  }
  Verdict on_data(PluginContext&, const DataView& data) override {
    if (passed_ < first_) {
      const std::uint64_t count = std::min(data.size, first_ - passed_);
      passed_ += count;
      return Verdict::pass(count);
    }
    if (!injected) injected = flow_->inject(stage_, as_bytes(text_));
    return Verdict::pass(data.size);
  }
  void on_end(PluginContext&, Direction) override { ended = true; }
  bool injected = false;
  bool ended = false;

 private:
  Flow*& flow_;
  std::size_t stage_;
  std::uint64_t first_;
  std::uint64_t passed_ = 0;
  std::string text_;
};

using Pipe = test::PipeEnds;

// A flow of stages reading from `in` and writing to `out`, its output end
// closed the way the engine closes it.
std::unique_ptr<Flow> make_flow(std::vector<FlowStage> stages, Pipe& in, Pipe& out,
                                std::size_t capacity = 4096) {
  std::size_t room = 0;
  for (const FlowStage& stage : stages) room += stage.inject_room;
  return std::make_unique<Flow>(
      Direction::src2dst, std::make_unique<RingFifo>(std::move(*RingFifo::create(capacity + room))),
      std::move(stages), in.read_end, out.write_end, [&out] { out.close_write(); });
}

void pump_until_finished(Flow& flow) {
  const bool ending = false;
  for (int round = 0; round < 1000 && !flow.finished(); ++round) {
    flow.set_input_ready();
    flow.set_output_ready();
    flow.pump(ending);
  }
}

TEST(FlowInject, InjectedBytesComeAfterWhatThePluginPassedAndOnlyLaterStagesSeeThem) {
  test::NullContext context;
  Recorder before, after;
  Flow* flow = nullptr;
  Injector injector(flow, 1, 5, "[injected]");
  Pipe in, out;
  auto owned = make_flow(
      {{&before, &context, true}, {&injector, &context, true, false, 64}, {&after, &context, true}},
      in, out);
  flow = owned.get();
  ASSERT_EQ(::write(in.write_end, "0123456789", 10), 10);
  in.close_write();
  pump_until_finished(*flow);
  bool ended = false;
  EXPECT_EQ(out.read_available(&ended), "01234[injected]56789");
  EXPECT_TRUE(ended);
  EXPECT_TRUE(injector.injected);
  EXPECT_EQ(before.seen, "0123456789") << "a stage before the injector never sees its bytes";
  EXPECT_EQ(after.seen, "01234[injected]56789");
  EXPECT_TRUE(before.ended && injector.ended && after.ended);
  EXPECT_EQ(flow->stats().received, 10u);
  EXPECT_EQ(flow->stats().injected, 10u);
  EXPECT_EQ(flow->stats().delivered, 20u);
}

TEST(FlowInject, TheDeclaredRoomIsKeptFreeOfTheSendersBytes) {
  test::NullContext context;
  Recorder injector_stage;  // injected into from outside on_data, as from a timer
  Pipe in, out;
  auto flow = make_flow({{&injector_stage, &context, true, false, 100}}, in, out, 4096);
  // The sender has far more than the buffer holds; the receiver reads nothing.
  const std::string input(20000, 'x');
  ASSERT_EQ(::write(in.write_end, input.data(), input.size()), 20000);
  const bool ending = false;
  flow->set_input_ready();
  flow->pump(ending);
  const std::size_t passed = flow->holds();
  ASSERT_GT(passed, 0u);
  // However full the buffer, the declared room is there, and no more.
  EXPECT_TRUE(flow->inject(0, as_bytes(std::string(100, 'i'))));
  EXPECT_FALSE(flow->inject(0, as_bytes("one more"))) << "beyond the room it declared";
  in.close_write();
  pump_until_finished(*flow);
  // The injected bytes went out right after what the stage had passed.
  EXPECT_TRUE(out.read_available() ==
              std::string(passed, 'x') + std::string(100, 'i') + std::string(20000 - passed, 'x'));
}

TEST(FlowInject, NothingCanFollowTheEnd) {
  test::NullContext context;
  Recorder stage;
  Pipe in, out;
  auto flow = make_flow({{&stage, &context, true, false, 16}}, in, out);
  ASSERT_EQ(::write(in.write_end, "abc", 3), 3);
  in.close_write();
  pump_until_finished(*flow);
  EXPECT_TRUE(stage.ended);
  EXPECT_FALSE(flow->inject(0, as_bytes("late")));
  bool ended = false;
  EXPECT_EQ(out.read_available(&ended), "abc");
  EXPECT_TRUE(ended);
}

TEST(FlowInject, InjectThenCutAnswersAndEnds) {
  test::NullContext context;
  Recorder stage;
  Pipe in, out;
  auto flow = make_flow({{&stage, &context, true, false, 16}}, in, out);
  ASSERT_EQ(::write(in.write_end, "request", 7), 7);
  const bool ending = false;
  flow->set_input_ready();
  flow->set_output_ready();
  flow->pump(ending);
  // The sender goes on; the plugin answers and ends the direction.
  EXPECT_TRUE(flow->inject(0, as_bytes("answer")));
  flow->cut(0);
  EXPECT_FALSE(flow->inject(0, as_bytes("more"))) << "cut: the direction has ended here";
  ASSERT_EQ(::write(in.write_end, "ignored", 7), 7);
  in.close_write();
  pump_until_finished(*flow);
  bool ended = false;
  EXPECT_EQ(out.read_available(&ended), "requestanswer");
  EXPECT_TRUE(ended);
  EXPECT_EQ(flow->stats().dropped, 7u) << "what came after the cut is discarded";
}

TEST(FlowInject, APluginThatDeclaredNoRoomCannotInject) {
  test::NullContext context;
  Recorder stage;
  Pipe in, out;
  auto flow = make_flow({{&stage, &context, true}}, in, out);
  EXPECT_FALSE(flow->inject(0, as_bytes("x")));
  EXPECT_EQ(flow->stats().injected, 0u);
}

}  // namespace
}  // namespace qrexec_proxy
