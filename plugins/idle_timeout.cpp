// idle_timeout: aborts a call when no byte has moved either way for a while.
#include "plugin_api/registry.hpp"

#include <chrono>
#include <optional>
#include <sstream>

namespace qrexec_proxy {
namespace {

class IdleTimeout final : public Plugin {
 public:
  explicit IdleTimeout(const PluginOptions& options)
      : seconds_(options.number("timeout")),
        timeout_(std::chrono::duration_cast<Clock::duration>(Seconds(seconds_))) {}

  Admission on_start(PluginContext& context) override {
    last_activity_ = context.now();
    timer_ = context.start_timer(timeout_);
    return Admission::admit();
  }

  // Bytes moving only note the time: the one timer checks it when it fires,
  // so a busy call costs no timer work per chunk.
  Verdict on_data(PluginContext& context, const DataView& data) override {
    last_activity_ = context.now();
    return Verdict::pass(data.size);
  }

  void on_timer(PluginContext& context, TimerId id) override {
    if (timer_ != id) return;
    timer_.reset();
    const Clock::time_point now = context.now();
    const Clock::time_point deadline = last_activity_ + timeout_;
    if (now < deadline) {
      timer_ = context.start_timer(deadline - now);
      return;
    }
    std::ostringstream reason;
    reason << "idle_timeout: no byte moved either way for " << seconds_ << " s";
    context.log(Priority::warning, reason.str() + ", aborting the call");
    context.abort(reason.str());
  }

 private:
  double seconds_;
  Clock::duration timeout_;
  Clock::time_point last_activity_{};
  std::optional<TimerId> timer_;
};

PluginDescriptor describe_idle_timeout() {
  return {
      "idle_timeout",
      "Aborts the call when no byte has moved either way for a given time.",
      "The clock starts when the call starts and restarts whenever bytes pass this plugin in "
      "either direction. When it reaches `timeout`, the whole call is aborted: the destination "
      "is stopped, both sides see the end of the stream, and the service exits with status 124. "
      "A direction's end of stream is not a byte: a call whose directions have both ended but "
      "whose destination has not exited is idle too. Bytes pass this plugin as the proxy reads "
      "them: a receiver that stops reading idles the call once the proxy's buffer for that "
      "direction is full. Counts only: bytes move without being copied.",
      {
          OptionSpec::number("timeout",
                             "Seconds without a byte passing this plugin, in either direction, "
                             "after which the call is aborted (at most a year).")
              .at_least(0.001)
              .at_most(31536000),
      },
      [](const PluginOptions& options) { return std::make_unique<IdleTimeout>(options); },
  };
}

}  // namespace

QREXEC_PROXY_REGISTER_PLUGIN(describe_idle_timeout);

}  // namespace qrexec_proxy
