#include "admin/cli.hpp"

#include "admin/admin_context.hpp"
#include "admin/chains/check_command.hpp"
#include "admin/chains/list_command.hpp"
#include "admin/chains/plugins_command.hpp"
#include "admin/chains/show_command.hpp"
#include "admin/journal/log_command.hpp"
#include "admin/journal/stats_command.hpp"
#include "admin/live/calls_command.hpp"
#include "admin/live/stop_command.hpp"
#include "admin/policy/policy_command.hpp"
#include "admin/routes/route_command.hpp"
#include "admin/run_command.hpp"
#include "config/build_config.hpp"

#include <CLI/CLI.hpp>

#include <exception>
#include <functional>
#include <iostream>

namespace qrexec_proxy::admin {
namespace {

// Picks `command` to run once the whole command line is parsed.
void on_run(CLI::App* subcommand, std::function<int()>& chosen, std::function<int()> command) {
  subcommand->callback([&chosen, command = std::move(command)] { chosen = command; });
}

void add_json_flag(CLI::App* subcommand, bool& json) {
  subcommand->add_flag("--json", json, "Print JSON for scripts instead of a table");
}

}  // namespace

int run_admin(int argc, char** argv) {
  AdminContext context{std::cout, std::cerr, Style::for_stdout(), {}};
  std::function<int()> chosen;

  CLI::App app(
      "Administers qrexec-proxy in this proxy qube: its chains and plugins, config checks, the "
      "dom0 policy lines for a call, local runs of a chain, and the log of calls.",
      "qrexec-proxy-admin");
  app.require_subcommand(1);
  app.fallthrough();  // global options may follow the subcommand
  app.set_version_flag("--version", build_config::version);
  app.footer("See qrexec-proxy-admin(1) and `qrexec-proxy-admin SUBCOMMAND --help`.");
  std::vector<std::string> config_dirs;
  CLI::Validator existing_directory = CLI::ExistingDirectory;
  existing_directory.description("");  // "DIR" is shown already
  app.add_option("--config-dir", config_dirs,
                 "Read the chains from DIR, not the installed locations (as "
                 "QREXEC_PROXY_CONFIG_DIR). Repeated: later DIRs replace chains of earlier ones, "
                 "as per-qube chains do")
      ->type_name("DIR")
      ->allow_extra_args(false)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll)
      ->check(existing_directory);

  ListOptions list;
  auto* list_app = app.add_subcommand(
      "list",
      "List every chain, its plugins and the file that defines it; REPLACES names the "
      "template-wide file a per-qube chain replaces");
  add_json_flag(list_app, list.json);
  on_run(list_app, chosen, [&] { return list_command(context, list); });

  ShowOptions show;
  auto* show_app = app.add_subcommand(
      "show", "Show a chain's plugins in order with their effective options (defaults filled in)");
  show_app->add_option("CHAIN", show.chain, "The chain")->required();
  add_json_flag(show_app, show.json);
  on_run(show_app, chosen, [&] { return show_command(context, show); });

  PluginsOptions plugins;
  auto* plugins_app = app.add_subcommand(
      "plugins",
      "List the plugins, or document one: its summary, and its options with type, "
      "default and meaning");
  plugins_app->add_option("NAME", plugins.name, "The plugin to document");
  add_json_flag(plugins_app, plugins.json);
  plugins_app->add_flag("--markdown", plugins.markdown,
                        "Print the README's plugin reference (Markdown) for every plugin");
  on_run(plugins_app, chosen, [&] { return plugins_command(context, plugins); });

  CheckOptions check;
  auto* check_app = app.add_subcommand(
      "check",
      "Check every config file as the service loads them; exit 0 when all are valid, "
      "else 1 with each problem on a line");
  add_json_flag(check_app, check.json);
  on_run(check_app, chosen, [&] { return check_command(context, check); });

  PolicyOptions policy;
  auto* policy_app = app.add_subcommand(
      "policy",
      "Print the two dom0 policy lines (format v5) that let SRC call DST's SERVICE "
      "through this proxy qube and CHAIN");
  policy_app->add_option("CHAIN", policy.chain, "The chain")->required();
  policy_app
      ->add_option("--source", policy.source,
                   "The calling qube (or @anyvm, @tag:TAG, "
                   "@type:TYPE)")
      ->type_name("SRC")
      ->required();
  policy_app->add_option("--target", policy.target, "The destination qube")
      ->type_name("DST")
      ->required();
  policy_app->add_option("--service", policy.service, "The destination's service")
      ->type_name("SERVICE[+ARG]")
      ->required();
  policy_app->add_option("--proxy", policy.proxy, "This proxy qube's name (default: the host name)")
      ->type_name("NAME");
  on_run(policy_app, chosen, [&] { return policy_command(context, policy); });

  auto* route_app = app.add_subcommand(
      "route",
      "Routes: where calls of other services that dom0 redirects to this proxy qube go "
      "(qvm-copy, qvm-open-in-vm... unchanged)");
  route_app->require_subcommand(1);
  RouteListOptions route_list;
  auto* route_list_app =
      route_app->add_subcommand("list", "List the routes, their entries and their files");
  add_json_flag(route_list_app, route_list.json);
  on_run(route_list_app, chosen, [&] { return route_list_command(context, route_list); });
  std::string route_service;
  auto* route_enable_app = route_app->add_subcommand(
      "enable",
      "Make this qube answer SERVICE through the proxy: create its entry in the qube's own "
      "qrexec services (/usr/local/etc/qubes-rpc). A route must name SERVICE");
  route_enable_app->add_option("SERVICE", route_service, "NAME or NAME+ARG, as the route names it")
      ->required();
  on_run(route_enable_app, chosen, [&] { return route_enable_command(context, route_service); });
  auto* route_disable_app =
      route_app->add_subcommand("disable", "Remove the entry that route enable created");
  route_disable_app->add_option("SERVICE", route_service, "NAME or NAME+ARG")->required();
  on_run(route_disable_app, chosen, [&] { return route_disable_command(context, route_service); });
  RoutePolicyOptions route_policy;
  auto* route_policy_app = route_app->add_subcommand(
      "policy",
      "Print the dom0 policy lines (format v5) of the route that takes SOURCE's calls of "
      "SERVICE: the redirect lines to this proxy qube and the proxy qube's own line");
  route_policy_app->add_option("SOURCE", route_policy.source, "The calling qube")->required();
  route_policy_app->add_option("SERVICE", route_policy.service, "NAME or NAME+ARG")->required();
  route_policy_app
      ->add_option("--proxy", route_policy.proxy, "This proxy qube's name (default: the host name)")
      ->type_name("NAME");
  route_policy_app->add_flag("--ask", route_policy.ask,
                             "Redirect with ask (dom0 asks the user), not allow");
  on_run(route_policy_app, chosen, [&] { return route_policy_command(context, route_policy); });

  RunOptions run;
  auto* run_app = app.add_subcommand(
      "run",
      "Run CHAIN locally: stdin/stdout are the source, COMMAND is the destination; exit "
      "status as the service's");
  run_app->add_option("CHAIN", run.chain, "The chain")->required();
  run_app
      ->add_option("COMMAND", run.command,
                   "The destination: a command and its arguments, "
                   "after --")
      ->required();
  run_app->add_option("--source", run.source, "The caller's name plugins see")
      ->type_name("NAME")
      ->capture_default_str();
  run_app->add_option("--target", run.target, "The destination's name plugins see")
      ->type_name("NAME")
      ->capture_default_str();
  run_app->add_option("--service", run.service, "The service name plugins see")
      ->type_name("SERVICE[+ARG]")
      ->capture_default_str();
  on_run(run_app, chosen, [&] { return run_command(context, run); });

  LogOptions log;
  auto* log_app = app.add_subcommand(
      "log", "Show the calls the proxy logged to the journal, one line per call");
  log_app->add_option("--chain", log.chain, "Only calls through this chain")->type_name("CHAIN");
  log_app->add_option("--source", log.source, "Only calls from this qube")->type_name("QUBE");
  log_app
      ->add_option("--since", log.since,
                   "Only calls since TIME: \"2026-11-26 10:00\", \"-1h\", \"2 hours ago\", "
                   "\"today\"...")
      ->type_name("TIME");
  log_app->add_flag("--audit", log.audit,
                    "Only calls in which a plugin in audit mode would have acted");
  log_app->add_flag("--files", log.files,
                    "The files each call carried (chains with filecopy or open_in_vm)");
  add_json_flag(log_app, log.json);
  on_run(log_app, chosen, [&] { return log_command(context, log); });

  StatsOptions stats;
  auto* stats_app = app.add_subcommand(
      "stats",
      "Figures per chain (or source, or target) from the journal: calls, how they ended, bytes "
      "each way, and duration percentiles");
  stats_app
      ->add_option("--since", stats.since,
                   "Only calls since TIME: \"2026-11-26 10:00\", \"-1h\", \"2 hours ago\", "
                   "\"today\"...")
      ->type_name("TIME");
  std::string stats_by = "chain";
  stats_app->add_option("--by", stats_by, "Group the calls by chain (default), source or target")
      ->type_name("chain|source|target")
      ->check(CLI::IsMember({"chain", "source", "target"}).description(""));
  add_json_flag(stats_app, stats.json);
  on_run(stats_app, chosen, [&] {
    stats.by = stats_by == "source"   ? StatsGroup::source
               : stats_by == "target" ? StatsGroup::target
                                      : StatsGroup::chain;
    return stats_command(context, stats);
  });

  CallsOptions calls;
  auto* calls_app = app.add_subcommand(
      "calls", "The calls running now (from the live registry): names, state, bytes each way");
  calls_app->add_option("--chain", calls.chain, "Only calls through this chain")
      ->type_name("CHAIN");
  calls_app->add_option("--source", calls.source, "Only calls from this qube")->type_name("QUBE");
  calls_app->add_option("--target", calls.target, "Only calls to this qube")->type_name("QUBE");
  calls_app->add_flag("--watch", calls.watch,
                      "Refresh in place every second, with byte rates, until interrupted");
  calls_app->add_option("--interval", calls.interval_seconds, "Seconds between refreshes")
      ->type_name("SECONDS")
      ->check(CLI::Range(0.1, 3600.0));
  calls_app->add_option("--count", calls.rounds, "Refresh this many times, then exit")
      ->type_name("N")
      ->check(CLI::Range(0, 1000000));
  add_json_flag(calls_app, calls.json);
  on_run(calls_app, chosen, [&] { return calls_command(context, calls); });

  StopOptions stop;
  auto* stop_app = app.add_subcommand(
      "stop", "End a running call (as a plugin's abort would), or one direction of it");
  stop_app->add_option("ID", stop.id, "The call's id, as `calls` shows it")->required();
  stop_app->add_option("--direction", stop.direction, "Cut only this direction")
      ->type_name("src2dst|dst2src")
      ->check(CLI::IsMember({"src2dst", "dst2src"}).description(""));
  stop_app->add_option("--reason", stop.reason, "Why, for the journal record")->type_name("TEXT");
  on_run(stop_app, chosen, [&] { return stop_command(context, stop); });

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    const int code = app.exit(error);
    return code == 0 ? admin_status::ok : admin_status::usage;
  }
  for (const auto& dir : config_dirs) context.config_dirs.emplace_back(dir);
  try {
    return chosen ? chosen() : admin_status::usage;
  } catch (const std::exception& error) {
    context.error(error.what());
    return admin_status::failure;
  }
}

}  // namespace qrexec_proxy::admin
