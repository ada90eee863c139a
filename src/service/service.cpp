#include "service/service.hpp"

#include "capabilities/shared_state.hpp"
#include "engine/exit_status.hpp"
#include "input/call_request.hpp"
#include "input/names.hpp"
#include "log/log_text.hpp"
#include "plugin_api/registry.hpp"
#include "sandbox/child_environment.hpp"
#include "sandbox/process_setup.hpp"
#include "sandbox/syscall_filter.hpp"

#include <chrono>
#include <cstdlib>
#include <exception>
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
  const LogField fields[] = {
      {"OUTCOME", outcome},
      {"EXIT_STATUS", exit_text},
      {"SRC2DST_BYTES", up},
      {"DST2SRC_BYTES", down},
      {"SRC2DST_RECEIVED", up_received},
      {"DST2SRC_RECEIVED", down_received},
      {"SRC2DST_DROPPED", up_dropped},
      {"DST2SRC_DROPPED", down_dropped},
      {"DURATION_US", duration},
      {"REASON", result.reason},
      {"PLUGIN", result.plugin},
      {"DESTINATION_STATUS", destination_status},
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

int refuse(Journal& journal, const std::string& reason) {
  journal.send(Priority::warning, journal_event::refused, "call refused: " + reason);
  return exit_status::refused;
}

int run_service_steps(int argc, char** argv, Journal& journal, int signal_fd) {
  const char* untrusted_source = std::getenv("QREXEC_REMOTE_DOMAIN");
  if (untrusted_source == nullptr || !names::is_qube_name(untrusted_source))
    return refuse(journal, untrusted_source == nullptr ? "QREXEC_REMOTE_DOMAIN is not set"
                                                       : "QREXEC_REMOTE_DOMAIN is not a qube name");
  const std::string source = untrusted_source;
  journal.set_source(source);

  const auto untrusted_argument =
      find_call_argument(argc, argv, std::getenv("QREXEC_SERVICE_ARGUMENT"));
  if (!untrusted_argument) return refuse(journal, "no argument (expected CHAIN+DST+SERVICE)");
  const CallRequestResult parsed = parse_call_argument(*untrusted_argument);
  if (!parsed.request)
    return refuse(journal, parsed.error + ": \"" + escape_for_log(*untrusted_argument, 128) + "\"");
  const CallRequest& request = *parsed.request;
  const CallInfo info{request.chain, source, request.target, request.destination_call()};
  journal.set_call(info);

  const Settings settings = Settings::for_service();
  PluginRegistry::builtin().set_external_directories(settings.plugin_dirs);
  const Config config =
      load_config_for_call(settings.config_dirs, PluginRegistry::builtin(), request.chain,
                           settings.plugin_dirs, settings.state_dir);
  if (!config.valid()) {
    for (const auto& problem : config.problems)
      journal.send(Priority::error, journal_event::error, "config: " + problem.format());
    journal.send(Priority::error, journal_event::error,
                 "call failed: the configuration is invalid (see qrexec-proxy-admin check)");
    return exit_status::internal_error;
  }
  const ChainConfig* chain = config.find(request.chain);
  if (chain == nullptr) return refuse(journal, "no chain named \"" + request.chain + "\"");
  if (request.target == names::dom0 && !chain->allow_dom0)
    return refuse(journal, "chain \"" + request.chain +
                               "\" does not allow dom0 as the destination (\"allow_dom0\": true)");

  const std::vector<std::string> destination_argv = {settings.client.string(), request.target,
                                                     request.destination_call()};
  const CallResult result =
      run_chain(*chain, config.proxy, info, SourceEndpoint{0, 1}, destination_argv, settings,
                journal, signal_fd, install_syscall_filter);
  return result.exit_status;
}

}  // namespace

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
  switch (state.take_slot(state.directory("calls", ""), "call", proxy.max_calls, error,
                          static_cast<std::size_t>(::getpid()) % proxy.max_calls)) {
    case SharedState::SlotResult::taken: {
      Call call(info, std::move(plugins), journal, state, finish_timeout_of(proxy));
      result = call.run(source, destination_argv, child_environment(), signal_fd, lock_down);
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

int run_service(int argc, char** argv) {
  const UniqueFd signals = prepare_service_process();
  Journal journal;
  int status = exit_status::internal_error;
  try {
    status = run_service_steps(argc, argv, journal, signals.get());
  } catch (const std::exception& error) {
    journal.send(Priority::error, journal_event::error,
                 std::string("internal error: ") + error.what());
  } catch (...) {
    journal.send(Priority::error, journal_event::error, "internal error");
  }
  // The records must be the service's own for `qrexec-proxy-admin log`.
  journal.settle();
  return status;
}

}  // namespace qrexec_proxy
