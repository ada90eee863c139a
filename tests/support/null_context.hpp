// A PluginContext for unit tests of plugins and flows: it records what a
// plugin asked for instead of acting on a call.
#pragma once

#include "capabilities/file_sinks.hpp"
#include "capabilities/shared_state.hpp"
#include "plugin_api/plugin.hpp"

#include <algorithm>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace qrexec_proxy::test {

class NullContext final : public PluginContext {
 public:
  struct Record {
    Priority priority;
    std::string message;
    std::vector<std::pair<std::string, std::string>> fields;

    // The value of field `name`, or "(missing)".
    std::string field(std::string_view name) const {
      for (const auto& [key, value] : fields)
        if (key == name) return value;
      return "(missing)";
    }
  };

  NullContext() : state_("/nonexistent/qrexec-proxy-test-state") {}
  // With real shared state under `state_root`.
  explicit NullContext(std::filesystem::path state_root) : state_(std::move(state_root)) {}

  const CallInfo& call() const override { return info; }
  Clock::time_point now() const override { return now_value; }
  TimerId start_timer(Clock::duration delay) override {
    timers.push_back({++last_timer, now_value + delay});
    return last_timer;
  }
  void cancel_timer(TimerId id) override {
    std::erase_if(timers, [id](const auto& t) { return t.first == id; });
  }
  void log(Priority priority, std::string_view message, std::span<const LogField> fields) override {
    Record record{priority, std::string(message), {}};
    for (const auto& field : fields) record.fields.emplace_back(field.name, field.value);
    records.push_back(std::move(record));
  }
  void abort(std::string_view reason) override { aborted = std::string(reason); }
  void cut(Direction direction) override { cuts.push_back(direction); }
  void wake(Direction direction) override { wakes.push_back(direction); }
  void pause_input(Direction direction, bool pause) override {
    paused[index_of(direction)] = pause;
  }
  void notify_when_drained(Direction direction) override { drained_requests.push_back(direction); }
  // Injected bytes are kept per direction, as one string each.
  bool inject(Direction direction, std::span<const std::byte> bytes) override {
    if (!inject_accepted) return false;
    injected[index_of(direction)].append(reinterpret_cast<const char*>(bytes.data()), bytes.size());
    return true;
  }
  SharedState& shared_state() override { return state_; }
  bool audit_mode() const override { return audit_enabled; }
  void audit(std::string_view action, std::string_view what) override {
    audits.emplace_back(std::string(action), std::string(what));
  }
  FileSinks& file_sinks() override { return files; }

  // Timers fire as the event loop fires them: the earliest first, the
  // context's time moved to its deadline. These are the one way tests fire
  // a plugin's timers.
  //
  // The earliest pending timer; its delay (deadline - the time before), or
  // nullopt when none is pending.
  std::optional<Clock::duration> fire_next_timer(Plugin& plugin) {
    if (timers.empty()) return std::nullopt;
    const auto earliest =
        std::min_element(timers.begin(), timers.end(),
                         [](const auto& a, const auto& b) { return a.second < b.second; });
    const auto [id, deadline] = *earliest;
    timers.erase(earliest);
    const Clock::duration delay = deadline - now_value;
    if (deadline > now_value) now_value = deadline;
    plugin.on_timer(*this, id);
    return delay;
  }
  // Every timer due by now, those the plugin starts meanwhile included.
  void fire_due_timers(Plugin& plugin) {
    while (!timers.empty() && std::any_of(timers.begin(), timers.end(), [&](const auto& timer) {
      return timer.second <= now_value;
    }))
      fire_next_timer(plugin);
  }

  CallInfo info{"chain", "src", "dst", "test.Service"};
  Clock::time_point now_value{};
  TimerId last_timer = 0;
  std::vector<std::pair<TimerId, Clock::time_point>> timers;
  std::vector<Record> records;
  std::optional<std::string> aborted;
  std::vector<Direction> cuts;
  std::vector<Direction> wakes;
  bool paused[2] = {false, false};
  std::vector<Direction> drained_requests;
  std::string injected[2];
  bool inject_accepted = true;
  bool audit_enabled = false;
  std::vector<std::pair<std::string, std::string>> audits;
  FileSinks files;

 private:
  SharedState state_;
};

}  // namespace qrexec_proxy::test
