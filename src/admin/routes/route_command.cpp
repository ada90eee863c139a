#include "admin/routes/route_command.hpp"

#include "admin/chains/config_report.hpp"
#include "admin/output/json_output.hpp"
#include "admin/output/table.hpp"
#include "admin/policy/policy_command.hpp"
#include "admin/routes/route_entries.hpp"
#include "admin/routes/route_policy.hpp"
#include "admin/service_program.hpp"
#include "input/called_service.hpp"
#include "input/names.hpp"
#include "log/log_text.hpp"

#include <ostream>

namespace qrexec_proxy::admin {
namespace {

std::string joined(const std::vector<std::string>& items) {
  std::string text;
  for (const auto& item : items) text += (text.empty() ? "" : ",") + item;
  return text;
}

std::string_view state_name(EntryState state) {
  switch (state) {
    case EntryState::absent:
      return "disabled";
    case EntryState::enabled:
      return "enabled";
    case EntryState::foreign:
      return "other file";
  }
  return "";
}

// The service named on the command line, checked as the service checks
// the name qrexec-agent gives it; nullopt (with a message) when invalid.
std::optional<CalledService> service_argument(const AdminContext& context,
                                              const std::string& text) {
  const CalledServiceResult parsed = parse_called_service(text);
  if (!parsed.service) {
    context.error("invalid service \"" + escape_for_log(text, 128) +
                  "\": NAME or NAME+ARG, NAME of [A-Za-z0-9_.-] not starting with '.' or '-', "
                  "ARG of [A-Za-z0-9_.+-]");
    return std::nullopt;
  }
  if (parsed.service->is_proxy()) {
    context.error("qrexec-proxy is the proxy's own service: a route entry never replaces it");
    return std::nullopt;
  }
  return parsed.service;
}

std::optional<std::filesystem::path> program_or_error(const AdminContext& context) {
  auto program = service_program();
  if (!program) context.error("cannot read /proc/self/exe: the service program is not known");
  return program;
}

}  // namespace

int route_list_command(const AdminContext& context, const RouteListOptions& options) {
  const Config config = context.load();
  warn_if_invalid(context, config);
  const Settings settings = context.settings();
  const auto program = service_program().value_or(std::filesystem::path());
  if (options.json) {
    nlohmann::json routes = nlohmann::json::array();
    for (const auto& route : config.routes.routes) {
      const Route* replacement = config.routes.replaced_by(route);
      routes.push_back({
          {"source", route.sources},
          {"service", route.service_text()},
          {"target", route.target},
          {"chain", route.chain},
          {"description", route.description},
          {"file", route.file.string()},
          {"index", route.index},
          {"entry",
           std::string(state_name(entry_state(settings.rpc_dir / route.service_text(), program)))},
          {"replaced_by", replacement ? nlohmann::json(replacement->place()) : nlohmann::json()},
      });
    }
    context.out << json_text(routes);
    return admin_status::ok;
  }
  if (config.routes.routes.empty()) {
    context.out << "No routes in " << printable(context.locations())
                << ": only explicit calls (qrexec-proxy+CHAIN+DST+SERVICE) reach the proxy.\n";
    return admin_status::ok;
  }
  Table table({"source", "service", "target", "chain", "entry", "route"});
  for (const auto& route : config.routes.routes) {
    const EntryState state = entry_state(settings.rpc_dir / route.service_text(), program);
    const Route* replacement = config.routes.replaced_by(route);
    table.add_row({joined(route.sources), route.service_text(), route.target, route.chain,
                   Cell(std::string(state_name(state)),
                        state == EntryState::enabled ? Colour::green : Colour::yellow),
                   replacement ? Cell(route.place() + " (replaced by " + replacement->place() + ")",
                                      Colour::yellow)
                               : Cell(route.place())});
  }
  context.out << table.render(context.style);
  return admin_status::ok;
}

int route_enable_command(const AdminContext& context, const std::string& service_text) {
  const auto service = service_argument(context, service_text);
  if (!service) return admin_status::usage;
  const Config config = context.load();
  if (!config.valid()) {
    warn_if_invalid(context, config);
    context.error("the config has problems: fix them first (qrexec-proxy-admin check)");
    return admin_status::failure;
  }
  const bool routed =
      std::any_of(config.routes.routes.begin(), config.routes.routes.end(),
                  [&](const Route& route) { return route.service_text() == service_text; });
  if (!routed) {
    context.error("no route names the service " + service_text + " in " + context.locations() +
                  " (see qrexec-proxy-admin route list)");
    return admin_status::failure;
  }
  const auto program = program_or_error(context);
  if (!program) return admin_status::failure;
  const auto entry = context.settings().rpc_dir / service_text;
  if (const std::string why = enable_entry(entry, *program); !why.empty()) {
    context.error(why);
    return admin_status::failure;
  }
  context.out << entry.string() << " -> " << program->string() << "\n";
  return admin_status::ok;
}

int route_disable_command(const AdminContext& context, const std::string& service_text) {
  if (!service_argument(context, service_text)) return admin_status::usage;
  const auto program = program_or_error(context);
  if (!program) return admin_status::failure;
  const auto entry = context.settings().rpc_dir / service_text;
  if (const std::string why = disable_entry(entry, *program); !why.empty()) {
    context.error(why);
    return admin_status::failure;
  }
  return admin_status::ok;
}

int route_policy_command(const AdminContext& context, const RoutePolicyOptions& options) {
  if (!names::is_qube_name(options.source)) {
    context.error("invalid source \"" + escape_for_log(options.source, 80) +
                  "\": a qube name (a route's sources are qube names)");
    return admin_status::usage;
  }
  const auto service = service_argument(context, options.service);
  if (!service) return admin_status::usage;
  const Config config = context.load();
  warn_if_invalid(context, config);
  const Route* route = config.routes.find(options.source, service->name, service->argument);
  if (route == nullptr) {
    context.error("no route takes " + options.service + " from " + options.source + " in " +
                  context.locations() + " (see qrexec-proxy-admin route list)");
    return admin_status::failure;
  }
  const PolicyLines policy = make_route_policy_lines(
      *route, {options.source, options.proxy.value_or(this_qube_name()), options.ask});
  if (!policy.error.empty()) {
    context.error(policy.error);
    if (!options.proxy && policy.error.starts_with("invalid proxy"))
      context.error("the host name is not a qube name: give the proxy qube with --proxy NAME");
    return admin_status::usage;
  }
  context.out << "# qrexec-proxy route (" << printable(route->place()) << "): " << options.source
              << " " << route->service_text() << " -> " << route->target << " through chain "
              << route->chain << "\n";
  Table lines({});
  for (const auto& line : policy.lines)
    lines.add_row({line[0], line[1], line[2], line[3], line[4]});
  context.out << lines.render(Style(false));
  return admin_status::ok;
}

}  // namespace qrexec_proxy::admin
