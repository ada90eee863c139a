// streamline: passes bytes on only in whole buffers, after random delays.
#include "capabilities/random.hpp"
#include "plugin_api/registry.hpp"

#include <array>
#include <optional>
#include <string>

namespace qrexec_proxy {
namespace {

// One direction goes round this cycle (the original's read-all, sleep,
// write-all, sleep loop):
//   collecting      reading from the sender until buf_size bytes are held or
//                   the stream ends; then input is paused
//   waiting_to_write  a random delay of up to delay_write
//   releasing       the next on_data passes up to buf_size bytes on
//   delivering      until the receiver has taken every one of them
//   waiting_to_read a random delay of up to delay_read, then input resumes
// The sender therefore sees its bytes taken only in buf_size bursts at
// random times, not at the pace the receiver reads them.
enum class Phase : std::uint8_t {
  collecting,
  waiting_to_write,
  releasing,
  delivering,
  waiting_to_read,
};

class Streamline final : public Plugin {
 public:
  explicit Streamline(const PluginOptions& options)
      : buffer_size_(static_cast<std::uint64_t>(options.integer("buf_size"))),
        max_read_delay_(to_duration(options.number("delay_read"))),
        max_write_delay_(to_duration(options.number("delay_write"))) {}

  DataNeeds needs(Direction) const override {
    return {.hold_bytes = static_cast<std::size_t>(buffer_size_)};
  }

  Verdict on_data(PluginContext& context, const DataView& data) override {
    State& state = states_[index_of(data.direction)];
    switch (state.phase) {
      case Phase::collecting:
        if (data.size < buffer_size_ && !data.end_of_stream) return Verdict::hold();
        state.stream_ended = data.end_of_stream;
        context.pause_input(data.direction, true);
        start_delay(context, data.direction, max_write_delay_, Phase::waiting_to_write);
        return Verdict::hold();
      case Phase::releasing:
        state.phase = Phase::delivering;
        context.notify_when_drained(data.direction);
        return Verdict::pass(std::min(data.size, buffer_size_));
      case Phase::waiting_to_write:
      case Phase::delivering:
      case Phase::waiting_to_read:
        return Verdict::hold();
    }
    return Verdict::hold();
  }

  void on_timer(PluginContext& context, TimerId id) override {
    for (const Direction direction : kBothDirections) {
      State& state = states_[index_of(direction)];
      if (state.timer != id) continue;
      state.timer.reset();
      if (state.phase == Phase::waiting_to_write) {
        state.phase = Phase::releasing;
        context.wake(direction);
      } else if (state.phase == Phase::waiting_to_read) {
        resume_reading(context, direction);
      }
    }
  }

  void on_drained(PluginContext& context, Direction direction) override {
    State& state = states_[index_of(direction)];
    if (state.phase != Phase::delivering) return;
    // After the end of the stream nothing is read any more: what is left
    // (more than one buffer came before the end) goes out in the next cycle.
    if (state.stream_ended)
      resume_reading(context, direction);
    else
      start_delay(context, direction, max_read_delay_, Phase::waiting_to_read);
  }

 private:
  struct State {
    Phase phase = Phase::collecting;
    bool stream_ended = false;
    std::optional<TimerId> timer;
  };

  static Clock::duration to_duration(double seconds) {
    return std::chrono::duration_cast<Clock::duration>(Seconds(seconds));
  }

  void start_delay(PluginContext& context, Direction direction, Clock::duration max, Phase phase) {
    State& state = states_[index_of(direction)];
    const auto delay = secure_random_duration(max);
    if (!delay) {
      // Predictable delays would defeat the purpose: fail closed.
      context.log(Priority::error, "streamline: the kernel gave no random numbers (getrandom)");
      context.abort("streamline: no random numbers");
      return;
    }
    state.phase = phase;
    state.timer = context.start_timer(std::chrono::duration_cast<Clock::duration>(*delay));
  }

  void resume_reading(PluginContext& context, Direction direction) {
    State& state = states_[index_of(direction)];
    state.phase = Phase::collecting;
    context.pause_input(direction, false);
    context.wake(direction);
  }

  std::uint64_t buffer_size_;
  Clock::duration max_read_delay_;
  Clock::duration max_write_delay_;
  std::array<State, 2> states_;
};

PluginDescriptor describe_streamline() {
  return {
      "streamline",
      "Passes bytes on only in whole buffers, after random delays.",
      "In each direction, collects bytes until it holds buf_size of them or the sender has ended "
      "the stream, stops reading, waits a random time of up to delay_write seconds, passes the "
      "buffer on, and waits until the receiver has taken all of it. Then it waits a random time "
      "of up to delay_read seconds before it reads again. Delays come from the kernel's CSPRNG "
      "(getrandom); without random numbers the call is aborted. The sender thus sees its bytes "
      "taken only in whole buffers at random times, not at the pace the receiver reads them: "
      "this narrows the channel a receiver could signal through by slowing down (backpressure) "
      "in a one-way chain; it does not close it. Bytes held wait for the buffer to fill: an "
      "interactive protocol stalls until the sender ends the stream, so use it for one-shot "
      "transfers, with a timeout. Use one streamline per chain, and no plugin after it that holds "
      "bytes waiting for more.",
      {
          OptionSpec::integer("buf_size",
                              "Bytes collected before they are passed on, per direction; also the "
                              "memory it takes per direction.")
              .with_default(10 * 1024 * 1024)
              .at_least(1)
              .at_most(1024.0 * 1024 * 1024),
          OptionSpec::number("delay_read",
                             "Longest random wait, in seconds, before each read after the first.")
              .with_default(0.5)
              .at_least(0)
              .at_most(3600),
          OptionSpec::number("delay_write", "Longest random wait, in seconds, before each write.")
              .with_default(0.5)
              .at_least(0)
              .at_most(3600),
      },
      [](const PluginOptions& options) { return std::make_unique<Streamline>(options); },
  };
}

}  // namespace

QREXEC_PROXY_REGISTER_PLUGIN(describe_streamline);

}  // namespace qrexec_proxy
