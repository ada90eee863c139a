#include "admin/run_command.hpp"

#include "admin/executable_lookup.hpp"
#include "engine/exit_status.hpp"
#include "input/call_request.hpp"
#include "input/names.hpp"
#include "sandbox/process_setup.hpp"
#include "service/call_steps.hpp"

#include <cstdlib>
#include <ostream>

namespace qrexec_proxy::admin {

int run_command(const AdminContext& context, const RunOptions& options) {
  if (!names::is_qube_name(options.source)) {
    context.error("invalid source name \"" + options.source +
                  "\": give a qube name ([a-zA-Z][a-zA-Z0-9_-]*, at most 31 characters)");
    return admin_status::usage;
  }
  // Each part alone first: a '+' must not shift one part into the next.
  if (!names::is_chain_name(options.chain)) {
    context.error("invalid chain name \"" + options.chain + "\"");
    return admin_status::usage;
  }
  if (!names::is_qube_name(options.target)) {
    context.error("invalid target name \"" + options.target + "\": give a qube name");
    return admin_status::usage;
  }
  if (names::is_reserved_qube_name(options.target)) {
    context.error("the target \"" + options.target +
                  "\" is a name Qubes reserves (Domain-0, NAME-dm): the service refuses it");
    return admin_status::usage;
  }
  // Then the checks of a real call's argument: CHAIN+DST+SERVICE[+ARG].
  const CallRequestResult parsed =
      parse_call_argument(options.chain + "+" + options.target + "+" + options.service);
  if (!parsed.request) {
    context.error(parsed.error + " \"" + options.service + "\"");
    return admin_status::usage;
  }
  const CallRequest& request = *parsed.request;

  const char* path = std::getenv("PATH");
  const auto executable =
      find_executable(options.command.front(), path != nullptr ? path : "/usr/bin:/bin");
  if (!executable) {
    context.error("command not found: " + options.command.front());
    return run_status::command_not_found;
  }

  // As the service: an invalid config fails every call, an unknown chain is
  // refused, and so is a destination the chain does not allow.
  const Settings settings = context.settings();
  const Config config = context.load();
  const ChainChoice choice = choose_chain(config, request.chain, request.target);
  if (!choice.chain) {
    if (choice.exit_status == exit_status::refused) {
      const bool unknown = config.find(request.chain) == nullptr;
      context.error(choice.reason + (unknown ? " in " + context.locations() : "") +
                    ": the service refuses such calls (exit 126)");
    } else {
      for (const auto& problem : config.problems) context.error(problem.format());
      context.error(choice.reason + ": the service fails every call (exit 125)");
    }
    return choice.exit_status;
  }
  const ChainConfig* chain = choice.chain;

  std::vector<std::string> argv = options.command;
  argv.front() = executable->string();
  const CallInfo info{request.chain, options.source, request.target, request.destination_call()};
  Journal journal;
  journal.set_call(info, entry_name::local_run);
  const UniqueFd signals = block_termination_signals();
  context.out.flush();
  const CallResult result = run_chain(*chain, config.proxy, info, SourceEndpoint{0, 1}, argv,
                                      settings, journal, signals.get());
  journal.settle();
  if (result.outcome != CallOutcome::completed) {
    std::string text = "call " + std::string(to_string(result.outcome));
    if (!result.plugin.empty()) text += " by plugin " + result.plugin;
    if (!result.reason.empty()) text += ": " + result.reason;
    context.error(text + " (exit " + std::to_string(result.exit_status) + ")");
  }
  return result.exit_status;
}

}  // namespace qrexec_proxy::admin
