#include "service/call_steps.hpp"

#include "capabilities/shared_state.hpp"
#include "engine/exit_status.hpp"
#include "input/names.hpp"
#include "log/log_text.hpp"
#include "registry/live_call_entry.hpp"
#include "sandbox/child_environment.hpp"

#include <chrono>
#include <optional>
#include <string>

#include <unistd.h>

namespace qrexec_proxy {
namespace {

std::string format_seconds(Clock::duration duration) {
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(duration).count();
  std::string text = std::to_string(ms / 1000) + ".";
  const std::string fraction = std::to_string(ms % 1000);
  return text + std::string(3 - fraction.size(), '0') + fraction + " s";
}

void log_summary(Journal& journal, const CallInfo& info, const CallResult& result) {
  const std::string outcome(to_string(result.outcome));
  std::string message = "call " + escape_for_log(info.source) + " -> " +
                        escape_for_log(info.target) + " " + escape_for_log(info.service) + " via " +
                        escape_for_log(info.chain) + ": " + outcome;
  if (!result.reason.empty()) message += " (" + result.reason + ")";
  message += ", exit " + std::to_string(result.exit_status) + ", " +
             std::to_string(result.src2dst.delivered) + " bytes to destination, " +
             std::to_string(result.dst2src.delivered) + " bytes to source, " +
             format_seconds(result.duration);
  const std::string exit_text = std::to_string(result.exit_status);
  const std::string up = std::to_string(result.src2dst.delivered);
  const std::string down = std::to_string(result.dst2src.delivered);
  const std::string up_received = std::to_string(result.src2dst.received);
  const std::string down_received = std::to_string(result.dst2src.received);
  const std::string up_dropped = std::to_string(result.src2dst.dropped);
  const std::string down_dropped = std::to_string(result.dst2src.dropped);
  const std::string duration = std::to_string(
      std::chrono::duration_cast<std::chrono::microseconds>(result.duration).count());
  const std::string destination_status =
      result.destination_status ? std::to_string(*result.destination_status) : "";
  namespace field = journal_field;
  const LogField fields[] = {
      {field::outcome, outcome},
      {field::exit_status, exit_text},
      {field::src2dst_bytes, up},
      {field::dst2src_bytes, down},
      {field::src2dst_received, up_received},
      {field::dst2src_received, down_received},
      {field::src2dst_dropped, up_dropped},
      {field::dst2src_dropped, down_dropped},
      {field::duration_us, duration},
      {field::reason, result.reason},
      {field::plugin, result.plugin},
      {field::destination_status, destination_status},
  };
  const Priority priority = result.outcome == CallOutcome::completed ? Priority::info
                            : result.outcome == CallOutcome::failed  ? Priority::error
                                                                     : Priority::warning;
  journal.send(priority, journal_event::summary, message, fields);
}

std::optional<Clock::duration> finish_timeout_of(const ProxySettings& proxy) {
  if (!proxy.finish_timeout) return std::nullopt;
  return std::chrono::duration_cast<Clock::duration>(*proxy.finish_timeout);
}

}  // namespace

ChainChoice choose_chain(const Config& config, std::string_view chain_name,
                         std::string_view target) {
  if (!config.valid())
    return {nullptr, exit_status::internal_error, "the configuration is invalid"};
  const ChainConfig* chain = config.find(chain_name);
  if (chain == nullptr)
    return {nullptr, exit_status::refused, "no chain named \"" + std::string(chain_name) + "\""};
  if (target == names::dom0 && !chain->allow_dom0)
    return {nullptr, exit_status::refused,
            "chain \"" + std::string(chain_name) +
                "\" does not allow dom0 as the destination (\"allow_dom0\": true)"};
  return {chain, 0, {}};
}

CallResult run_chain(const ChainConfig& chain, const ProxySettings& proxy, const CallInfo& info,
                     SourceEndpoint source, const std::vector<std::string>& destination_argv,
                     const Settings& settings, Journal& journal, int signal_fd,
                     const LockDown& lock_down) {
  std::vector<ChainPlugin> plugins;
  for (const auto& config : chain.plugins)
    plugins.push_back(
        {config.name, config.descriptor->create(config.options), config.options.audit()});
  journal.send(Priority::info, journal_event::start,
               "call " + escape_for_log(info.source) + " -> " + escape_for_log(info.target) + " " +
                   escape_for_log(info.service) + " via " + escape_for_log(info.chain));
  SharedState state(settings.state_dir);
  CallResult result;
  // One of the proxy's max_calls slots, held until the call ends: a call
  // beyond them is refused before anything of it starts.
  std::string error;
  std::size_t slot = 0;
  switch (state.take_slot(state.directory("calls", ""), "call", proxy.max_calls, error,
                          static_cast<std::size_t>(::getpid()) % proxy.max_calls, &slot)) {
    case SharedState::SlotResult::taken: {
      // Published in the live registry for qrexec-proxy-admin calls and stop.
      const auto entry = live::LiveCallEntry::create(live::registry_directory(settings.state_dir),
                                                     slot, info, journal.entry(), error);
      if (!entry) {
        result.outcome = CallOutcome::failed;
        result.exit_status = exit_status::internal_error;
        result.reason = "cannot publish the call in the live registry: " + error;
        break;
      }
      Call call(
          info, std::move(plugins), journal, state,
          {.finish_timeout = finish_timeout_of(proxy), .plugin_records = proxy.max_plugin_records});
      result = call.run(source, destination_argv, child_environment(), signal_fd, lock_down,
                        entry.get());
      break;
    }
    case SharedState::SlotResult::all_busy:
      result.outcome = CallOutcome::refused;
      result.exit_status = exit_status::refused;
      result.reason = "the proxy runs as many calls as it may at once (max_calls " +
                      std::to_string(proxy.max_calls) + ")";
      break;
    case SharedState::SlotResult::error:
      result.outcome = CallOutcome::failed;
      result.exit_status = exit_status::internal_error;
      result.reason = "cannot count the calls that run: " + error;
      break;
  }
  log_summary(journal, info, result);
  return result;
}

}  // namespace qrexec_proxy
