#include "service/service.hpp"

#include "service/call_steps.hpp"

#include "engine/exit_status.hpp"
#include "input/call_request.hpp"
#include "input/names.hpp"
#include "log/log_text.hpp"
#include "plugin_api/registry.hpp"
#include "sandbox/process_setup.hpp"
#include "sandbox/syscall_filter.hpp"

#include <cstdlib>
#include <exception>
#include <string>

namespace qrexec_proxy {
namespace {

int refuse(Journal& journal, const std::string& reason) {
  journal.send(Priority::warning, journal_event::refused,
               std::string(journal_text::refused_prefix) + reason);
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
  const ChainChoice choice = choose_chain(config, request.chain, request.target);
  if (!choice.chain) {
    if (choice.exit_status == exit_status::refused) return refuse(journal, choice.reason);
    for (const auto& problem : config.problems)
      journal.send(Priority::error, journal_event::error, "config: " + problem.format());
    journal.send(Priority::error, journal_event::error,
                 "call failed: " + choice.reason + " (see qrexec-proxy-admin check)");
    return choice.exit_status;
  }
  const ChainConfig* chain = choice.chain;

  const std::vector<std::string> destination_argv = {settings.client.string(), request.target,
                                                     request.destination_call()};
  const CallResult result =
      run_chain(*chain, config.proxy, info, SourceEndpoint{0, 1}, destination_argv, settings,
                journal, signal_fd, install_syscall_filter);
  return result.exit_status;
}

}  // namespace

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
