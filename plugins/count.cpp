// count: at most `limit` calls of a chain per `limit_interval` seconds.
#include "capabilities/shared_state.hpp"
#include "log/log_text.hpp"
#include "plugin_api/registry.hpp"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

namespace qrexec_proxy {
namespace {

// The record of a chain: one line per admitted call, the time it was
// admitted in microseconds of the engine's monotonic clock (shared by every
// process of the qube, counted from boot; wall clock changes do not move
// it, and time spent suspended does not count, so a call made before a
// suspend counts for longer, never shorter). Lines have a fixed width, so a
// record cut short by a killed writer still holds whole lines.
constexpr std::size_t kDigits = 20;
constexpr std::size_t kLineSize = kDigits + 1;

std::uint64_t microseconds(Clock::time_point time) {
  const auto count =
      std::chrono::duration_cast<std::chrono::microseconds>(time.time_since_epoch()).count();
  return count < 0 ? 0 : static_cast<std::uint64_t>(count);
}

// Parses a record; false when it is not one (tampered with).
bool parse_record(const std::string& contents, std::vector<std::uint64_t>& times) {
  if (contents.size() % kLineSize != 0) return false;
  for (std::size_t line = 0; line < contents.size(); line += kLineSize) {
    std::uint64_t value = 0;
    for (std::size_t i = 0; i < kDigits; ++i) {
      const char c = contents[line + i];
      const auto digit = static_cast<std::uint64_t>(c - '0');
      if (c < '0' || c > '9' || value > (UINT64_MAX - digit) / 10) return false;
      value = value * 10 + digit;
    }
    if (contents[line + kDigits] != '\n') return false;
    times.push_back(value);
  }
  return true;
}

std::string format_record(const std::vector<std::uint64_t>& times) {
  std::string contents;
  char line[kLineSize + 1];
  for (const std::uint64_t time : times) {
    std::snprintf(line, sizeof line, "%020llu\n", static_cast<unsigned long long>(time));
    contents.append(line, kLineSize);
  }
  return contents;
}

std::string format_seconds(double seconds) {
  std::ostringstream text;
  text << seconds;
  return text.str();
}

class Count final : public Plugin {
 public:
  explicit Count(const PluginOptions& options)
      : limit_(static_cast<std::size_t>(options.integer("limit"))),
        interval_seconds_(options.number("limit_interval")),
        interval_us_(static_cast<std::uint64_t>(interval_seconds_ * 1e6)),
        configured_directory_(options.string("state_dir")) {}

  Admission on_start(PluginContext& context) override {
    SharedState& state = context.shared_state();
    const std::filesystem::path directory = state.directory("count", configured_directory_);
    const std::string& chain = context.call().chain;  // a validated name: a safe file name
    const std::uint64_t now = microseconds(context.now());
    bool damaged = false;
    std::size_t recent = 0;
    bool admitted = false;
    const std::string error = state.update(directory, chain, [&](std::string& contents) {
      std::vector<std::uint64_t> times;
      if (!parse_record(contents, times)) {
        damaged = true;  // left as it is, for the administrator to look at
        return;
      }
      std::vector<std::uint64_t> kept;
      for (std::uint64_t time : times) {
        // A time ahead of now (a record from before a reboot) counts as now:
        // it may have been admitted a moment ago.
        time = std::min(time, now);
        if (now - time < interval_us_) kept.push_back(time);
      }
      recent = kept.size();
      admitted = recent < limit_;
      if (admitted) kept.push_back(now);
      contents = format_record(kept);
    });
    const std::string window =
        std::to_string(limit_) + " calls per " + format_seconds(interval_seconds_) + " s";
    if (!error.empty()) {
      context.log(Priority::error, "count: cannot update the call count: " + error);
      return Admission::fail("count: cannot update the call count: " + error);
    }
    if (damaged) {
      const std::string reason = "count: " + (directory / chain).string() +
                                 " is not a call count record; remove it to start counting anew";
      context.log(Priority::error, reason);
      return Admission::fail(reason);
    }
    if (!admitted) {
      const std::string reason = "count: limit of " + window + " reached";
      context.log(Priority::warning, reason + ", call refused");
      return Admission::refuse(reason);
    }
    context.log(Priority::info, "count: call " + std::to_string(recent + 1) + " of " + window);
    return Admission::admit();
  }

 private:
  std::size_t limit_;
  double interval_seconds_;
  std::uint64_t interval_us_;
  std::string configured_directory_;
};

// state_dir: an absolute path, or empty for the default directory.
std::optional<OptionError> validate_count(const PluginOptions& options) {
  const std::string& path = options.string("state_dir");
  if (path.empty() || path.front() == '/') return std::nullopt;
  return OptionError{"state_dir", "must be an absolute path (or empty for the default), not \"" +
                                      escape_for_log(path) + "\""};
}

PluginDescriptor describe_count() {
  return {
      "count",
      "Admits at most `limit` calls of the chain per `limit_interval` seconds.",
      "Counts the calls of its chain across all concurrent calls of this proxy qube, whatever "
      "their source, destination or service, and refuses a call when `limit` calls were "
      "admitted in the last `limit_interval` seconds. A refused call ends before the "
      "destination is contacted: exit status 126, and a journal record says why. A call counts "
      "from the moment count admits it, even if a later plugin of the chain refuses it. The "
      "counts live in one small file per chain under state_dir (one line per call still "
      "counted), updated under an flock() lock, which the kernel releases when a call dies: a "
      "killed call never blocks the next ones. If the count cannot be read or written, calls "
      "fail closed (exit status 125). Two count plugins in one chain would share one count: use "
      "one per chain.",
      {
          OptionSpec::integer("limit", "Calls of the chain admitted per interval.")
              .at_least(1)
              .at_most(10000),
          OptionSpec::number("limit_interval",
                             "The interval, in seconds: a call counts until this long after it "
                             "started.")
              .at_least(0.001)
              .at_most(10.0 * 365 * 24 * 3600),
          OptionSpec::string(
              "state_dir",
              "Directory of the call counts; empty for /run/qubes-qrexec-proxy/count. "
              "It must be writable by the user the service runs as.")
              .with_default(""),
      },
      [](const PluginOptions& options) { return std::make_unique<Count>(options); },
      validate_count,
  };
}

}  // namespace

QREXEC_PROXY_REGISTER_PLUGIN(describe_count);

}  // namespace qrexec_proxy
