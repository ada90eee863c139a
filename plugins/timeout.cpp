// timeout: each direction must finish within its time, or the call aborts.
#include "plugin_api/registry.hpp"

#include <array>
#include <chrono>
#include <optional>
#include <sstream>

namespace qrexec_proxy {
namespace {

class Timeout final : public Plugin {
 public:
  explicit Timeout(const PluginOptions& options)
      : seconds_{options.number("src2dst_timeout"), options.number("dst2src_timeout")} {}

  Admission on_start(PluginContext& context) override {
    for (const Direction direction : kBothDirections) {
      const double seconds = seconds_[index_of(direction)];
      if (seconds < 0) continue;
      timers_[index_of(direction)] =
          context.start_timer(std::chrono::duration_cast<Clock::duration>(Seconds(seconds)));
    }
    return Admission::admit();
  }

  void on_end(PluginContext& context, Direction direction) override {
    if (auto& timer = timers_[index_of(direction)]) {
      context.cancel_timer(*timer);
      timer.reset();
    }
  }

  void on_timer(PluginContext& context, TimerId id) override {
    for (const Direction direction : kBothDirections) {
      if (timers_[index_of(direction)] != id) continue;
      timers_[index_of(direction)].reset();
      std::ostringstream reason;
      reason << to_string(direction) << " not finished within " << seconds_[index_of(direction)]
             << " s";
      // In audit mode the engine records what would have happened instead.
      if (!context.audit_mode())
        context.log(Priority::warning, "timeout: " + reason.str() + ", aborting the call");
      context.abort("timeout: " + reason.str());
    }
  }

 private:
  std::array<double, 2> seconds_;
  std::array<std::optional<TimerId>, 2> timers_;
};

PluginDescriptor describe_timeout() {
  return {
      "timeout",
      "Aborts the call when a direction has not finished in time.",
      "Each direction must reach its end (the sender's end of stream has passed this plugin) "
      "within its time, counted from the start of the call. Otherwise the whole call is aborted: "
      "the destination is stopped, both sides see the end of the stream, and the service exits "
      "with status 124. A timeout does not keep a compromised qube from calling again: combine it "
      "with count or max_conn.",
      {
          OptionSpec::number("src2dst_timeout",
                             "Seconds the source-to-destination direction may take.")
              .with_default(-1.0)
              .at_least(0)
              .or_off(-1),
          OptionSpec::number("dst2src_timeout",
                             "Seconds the destination-to-source direction may take.")
              .with_default(-1.0)
              .at_least(0)
              .or_off(-1),
      },
      [](const PluginOptions& options) { return std::make_unique<Timeout>(options); },
  };
}

}  // namespace

QREXEC_PROXY_REGISTER_PLUGIN(describe_timeout);

}  // namespace qrexec_proxy
