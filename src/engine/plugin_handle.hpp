// A plugin's window on its call: the PluginContext the engine gives each
// plugin instance. It answers what it can itself (the call's names, time,
// timers, the journal, shared state, files) and passes the requests that
// act on the stream to the call.
#pragma once

#include "capabilities/file_sinks.hpp"
#include "capabilities/shared_state.hpp"
#include "engine/chain_plugin.hpp"
#include "engine/timer_set.hpp"
#include "log/journal.hpp"
#include "log/record_budget.hpp"
#include "plugin_api/plugin.hpp"

#include <cstddef>
#include <string_view>

namespace qrexec_proxy {

// What the call does for a plugin that asks; `plugin` is its index in the
// chain. Requests made before the flows exist (in on_start) are queued,
// except inject, which needs the flows and fails then.
class PluginRequests {
 public:
  virtual void plugin_abort(std::size_t plugin, std::string_view reason) = 0;
  virtual void plugin_cut(std::size_t plugin, Direction direction) = 0;
  virtual void plugin_wake(std::size_t plugin, Direction direction) = 0;
  virtual void plugin_pause(std::size_t plugin, Direction direction, bool paused) = 0;
  virtual void plugin_notify_drained(std::size_t plugin, Direction direction) = 0;
  virtual bool plugin_inject(std::size_t plugin, Direction direction,
                             std::span<const std::byte> bytes) = 0;

 protected:
  ~PluginRequests() = default;
};

// What every handle of a call shares.
struct CallServices {
  const CallInfo& info;
  TimerSet& timers;
  Journal& journal;
  RecordBudget& plugin_records;  // shared by the call's plugins
  SharedState& state;
  FileSinks& files;
  PluginRequests& requests;
};

class PluginHandle final : public PluginContext {
 public:
  PluginHandle(const CallServices& services, const ChainPlugin& plugin, std::size_t index)
      : services_(services), plugin_(plugin), index_(index) {}

  const CallInfo& call() const override { return services_.info; }
  Clock::time_point now() const override { return Clock::now(); }
  TimerId start_timer(Clock::duration delay) override;
  void cancel_timer(TimerId id) override { services_.timers.cancel(id); }
  void log(Priority priority, std::string_view message, std::span<const LogField> fields) override;
  // In audit mode, abort and cut are reported, not done.
  void abort(std::string_view reason) override;
  void cut(Direction direction) override;
  void wake(Direction direction) override { services_.requests.plugin_wake(index_, direction); }
  void pause_input(Direction direction, bool paused) override {
    services_.requests.plugin_pause(index_, direction, paused);
  }
  void notify_when_drained(Direction direction) override {
    services_.requests.plugin_notify_drained(index_, direction);
  }
  bool inject(Direction direction, std::span<const std::byte> bytes) override;
  SharedState& shared_state() override { return services_.state; }
  FileSinks& file_sinks() override { return services_.files; }
  bool audit_mode() const override { return plugin_.audit; }
  void audit(std::string_view action, std::string_view what) override;

 private:
  const CallServices& services_;
  const ChainPlugin& plugin_;
  std::size_t index_;
};

}  // namespace qrexec_proxy
