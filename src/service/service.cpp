#include "service/service.hpp"

#include "service/call_steps.hpp"

#include "engine/exit_status.hpp"
#include "input/call_request.hpp"
#include "input/called_service.hpp"
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

// The steps both ways in share once the call's chain, target and service
// are known.
int run_call(const Config& config, const std::string& chain_name, const CallInfo& info,
             const Settings& settings, Journal& journal, int signal_fd) {
  const ChainChoice choice = choose_chain(config, chain_name, info.target);
  if (!choice.chain) {
    if (choice.exit_status == exit_status::refused) return refuse(journal, choice.reason);
    for (const auto& problem : config.problems)
      journal.send(Priority::error, journal_event::error, "config: " + problem.format());
    journal.send(Priority::error, journal_event::error,
                 "call failed: " + choice.reason + " (see qrexec-proxy-admin check)");
    return choice.exit_status;
  }
  const std::vector<std::string> destination_argv = {settings.client.string(), info.target,
                                                     info.service};
  const CallResult result =
      run_chain(*choice.chain, config.proxy, info, SourceEndpoint{0, 1}, destination_argv, settings,
                journal, signal_fd, install_syscall_filter);
  return result.exit_status;
}

// qrexec-proxy+CHAIN+DST+SERVICE[+ARG]: the source names every part.
int run_explicit_call(int argc, char** argv, const std::string& source, Journal& journal,
                      int signal_fd) {
  journal.set_source(source, entry_name::explicit_call);
  const auto untrusted_argument =
      find_call_argument(argc, argv, std::getenv("QREXEC_SERVICE_ARGUMENT"));
  if (!untrusted_argument) return refuse(journal, "no argument (expected CHAIN+DST+SERVICE)");
  const CallRequestResult parsed = parse_call_argument(*untrusted_argument);
  if (!parsed.request)
    return refuse(journal, parsed.error + ": \"" + escape_for_log(*untrusted_argument, 128) + "\"");
  const CallRequest& request = *parsed.request;
  const CallInfo info{request.chain, source, request.target, request.destination_call()};
  journal.set_call(info, entry_name::explicit_call);

  const Settings settings = Settings::for_service();
  PluginRegistry::builtin().set_external_directories(settings.plugin_dirs);
  const Config config =
      load_config_for_call(settings.config_dirs, PluginRegistry::builtin(), request.chain,
                           settings.plugin_dirs, settings.state_dir);
  return run_call(config, request.chain, info, settings, journal, signal_fd);
}

// Any other service: dom0 redirected a call of it here, and a route of
// the config says where it goes.
int run_routed_call(std::string_view untrusted_full_name, const std::string& source,
                    Journal& journal, int signal_fd) {
  journal.set_source(source, entry_name::route);
  const CalledServiceResult parsed = parse_called_service(untrusted_full_name);
  if (!parsed.service)
    return refuse(journal, parsed.error + ": \"" + escape_for_log(untrusted_full_name, 128) + "\"");
  CalledService service = *parsed.service;
  // dom0 names a call without an argument NAME+ (qrexec treats it as NAME):
  // one name for both, in the records and towards the destination.
  if (service.argument && service.argument->empty()) service.argument.reset();

  const Settings settings = Settings::for_service();
  PluginRegistry::builtin().set_external_directories(settings.plugin_dirs);
  const Config config =
      load_config_for_route(settings.config_dirs, PluginRegistry::builtin(), source, service.name,
                            service.argument, settings.plugin_dirs, settings.state_dir);
  const Route* route = config.routes.find(source, service.name, service.argument);
  if (route == nullptr) {
    if (!config.valid()) {
      for (const auto& problem : config.problems)
        journal.send(Priority::error, journal_event::error, "config: " + problem.format());
      journal.send(Priority::error, journal_event::error,
                   "call failed: the config is not valid (see qrexec-proxy-admin check)");
      return exit_status::internal_error;
    }
    return refuse(journal, "no route for " + service.full_name() + " from " + source +
                               " (see qrexec-proxy-admin route list)");
  }
  const CallInfo info{route->chain, source, route->target, service.full_name()};
  journal.set_call(info, entry_name::route, route->place());
  return run_call(config, route->chain, info, settings, journal, signal_fd);
}

int run_service_steps(int argc, char** argv, Journal& journal, int signal_fd) {
  const char* untrusted_source = std::getenv("QREXEC_REMOTE_DOMAIN");
  if (untrusted_source == nullptr || !names::is_qube_name(untrusted_source))
    return refuse(journal, untrusted_source == nullptr ? "QREXEC_REMOTE_DOMAIN is not set"
                                                       : "QREXEC_REMOTE_DOMAIN is not a qube name");
  const std::string source = untrusted_source;
  // The way in is the service's name: qrexec-proxy, or one a route takes.
  const auto untrusted_full_name = find_called_service(
      argc, argv, std::getenv("QREXEC_SERVICE_FULL_NAME"), std::getenv("QREXEC_SERVICE_ARGUMENT"));
  if (!untrusted_full_name ||
      std::string_view(*untrusted_full_name).substr(0, untrusted_full_name->find('+')) ==
          kProxyServiceName)
    return run_explicit_call(argc, argv, source, journal, signal_fd);
  return run_routed_call(*untrusted_full_name, source, journal, signal_fd);
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
