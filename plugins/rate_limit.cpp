// rate_limit: a token bucket per direction caps its bytes per second.
#include "plugin_api/registry.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <optional>

namespace qrexec_proxy {
namespace {

// A held direction is woken when the bucket has refilled this much of a
// second's rate (or what is pending, or the whole bucket, if less): bytes
// go on in a few large steps per second instead of one timer per byte.
constexpr double kRefillStepSeconds = 0.05;

class Bucket {
 public:
  Bucket(std::int64_t rate, std::int64_t burst)
      : rate_(static_cast<double>(rate)),
        capacity_(static_cast<double>(burst < 0 ? rate : burst)),
        tokens_(capacity_) {}

  void start(Clock::time_point now) { refilled_at_ = now; }

  // How many of `wanted` bytes may pass now; takes their tokens.
  std::uint64_t take(Clock::time_point now, std::uint64_t wanted) {
    refill(now);
    // The slack absorbs rounding, so a timer due when a step has refilled
    // finds all of it, not a token less.
    const auto whole = static_cast<std::uint64_t>(std::floor(tokens_ + 1e-6));
    const std::uint64_t granted = std::min(wanted, whole);
    tokens_ -= static_cast<double>(granted);
    return granted;
  }

  // How long until `pending` bytes may go on in one worthwhile step.
  Clock::duration wait_for(std::uint64_t pending) const {
    const double step =
        std::clamp(rate_ * kRefillStepSeconds, 1.0, std::max(1.0, std::floor(capacity_)));
    const double wanted = std::min(static_cast<double>(pending), step);
    const double seconds = std::max(0.0, (wanted - tokens_) / rate_);
    // Never less than a millisecond: the event loop counts in milliseconds.
    return std::max<Clock::duration>(std::chrono::ceil<Clock::duration>(Seconds(seconds)),
                                     std::chrono::milliseconds(1));
  }

 private:
  void refill(Clock::time_point now) {
    if (now <= refilled_at_) return;
    const double elapsed = std::chrono::duration_cast<Seconds>(now - refilled_at_).count();
    tokens_ = std::min(capacity_, tokens_ + elapsed * rate_);
    refilled_at_ = now;
  }

  double rate_;
  double capacity_;
  double tokens_;
  Clock::time_point refilled_at_{};
};

class RateLimit final : public Plugin {
 public:
  explicit RateLimit(const PluginOptions& options) {
    const std::int64_t burst = options.integer("burst");
    const std::int64_t rates[] = {options.integer("src2dst_rate"), options.integer("dst2src_rate")};
    for (const Direction direction : kBothDirections) {
      const std::int64_t rate = rates[index_of(direction)];
      if (rate >= 0) buckets_[index_of(direction)].emplace(rate, burst);
    }
  }

  Admission on_start(PluginContext& context) override {
    for (auto& bucket : buckets_)
      if (bucket) bucket->start(context.now());
    return Admission::admit();
  }

  Verdict on_data(PluginContext& context, const DataView& data) override {
    const std::size_t index = index_of(data.direction);
    auto& bucket = buckets_[index];
    if (!bucket) return Verdict::pass(data.size);  // unlimited
    const std::uint64_t granted = bucket->take(context.now(), data.size);
    if (context.audit_mode()) {
      // Audit: report the first time the limit would have held bytes back,
      // then let everything through at full speed.
      if (granted < data.size && !audited_[index]) {
        audited_[index] = true;
        context.audit("delay",
                      "delay " + std::string(to_string(data.direction)) + " to its rate limit");
      }
      return Verdict::pass(data.size);
    }
    // Bytes left over wait for the bucket to refill; the timer wakes them.
    if (granted < data.size && !timers_[index])
      timers_[index] = context.start_timer(bucket->wait_for(data.size - granted));
    return Verdict::pass(granted);
  }

  void on_timer(PluginContext& context, TimerId id) override {
    for (const Direction direction : kBothDirections) {
      if (timers_[index_of(direction)] != id) continue;
      timers_[index_of(direction)].reset();
      context.wake(direction);
    }
  }

 private:
  std::array<std::optional<Bucket>, 2> buckets_;
  std::array<std::optional<TimerId>, 2> timers_;
  std::array<bool, 2> audited_{};
};

PluginDescriptor describe_rate_limit() {
  return {
      "rate_limit",
      "Caps the bytes per second of each direction (a token bucket).",
      "Each limited direction has a bucket that holds up to `burst` bytes' worth of tokens; it "
      "starts full and refills at the direction's rate. A byte passes when it can take a token; "
      "otherwise it waits in the proxy, and once the proxy's buffer is full the sender is held "
      "back (backpressure), so memory does not grow. In any span of t seconds a direction passes "
      "at most burst + rate × t bytes. Counts only: bytes move without being copied.",
      {
          OptionSpec::integer("src2dst_rate",
                              "Bytes per second from the source to the destination.")
              .with_default(-1)
              .at_least(1)
              .or_off(-1, "no limit"),
          OptionSpec::integer("dst2src_rate",
                              "Bytes per second from the destination back to the source.")
              .with_default(-1)
              .at_least(1)
              .or_off(-1, "no limit"),
          OptionSpec::integer("burst",
                              "Bytes a limited direction may pass at once after a quiet spell (the "
                              "size of its bucket).")
              .with_default(-1)
              .at_least(1)
              .or_off(-1, "one second's worth"),
      },
      [](const PluginOptions& options) { return std::make_unique<RateLimit>(options); },
  };
}

}  // namespace

QREXEC_PROXY_REGISTER_PLUGIN(describe_rate_limit);

}  // namespace qrexec_proxy
