#include "admin/chains/list_command.hpp"

#include "admin/chains/config_report.hpp"
#include "admin/output/json_output.hpp"
#include "admin/output/table.hpp"

#include <ostream>

namespace qrexec_proxy::admin {
namespace {

std::string plugin_list(const ChainConfig& chain) {
  if (chain.plugins.empty()) return "-";
  std::string text;
  for (const auto& plugin : chain.plugins) text += (text.empty() ? "" : ",") + plugin.name;
  return text;
}

nlohmann::json chain_json(const ChainConfig& chain, const RouteTable& routes) {
  nlohmann::json plugins = nlohmann::json::array();
  for (const auto& plugin : chain.plugins) plugins.push_back(plugin.name);
  // The routes that send calls through the chain (qrexec-proxy-admin route
  // list has the rest of what is known of them).
  nlohmann::json chain_routes = nlohmann::json::array();
  for (const auto& route : routes.routes)
    if (route.chain == chain.name)
      chain_routes.push_back({{"source", route.sources},
                              {"service", route.service_text()},
                              {"target", route.target},
                              {"file", route.file.string()},
                              {"index", route.index}});
  return {
      {"name", chain.name},
      {"plugins", plugins},
      {"file", chain.file.string()},
      {"replaces", chain.replaced ? nlohmann::json(chain.replaced->string()) : nlohmann::json()},
      {"description", chain.description},
      {"allow_dom0", chain.allow_dom0},
      {"routes", chain_routes},
  };
}

}  // namespace

int list_command(const AdminContext& context, const ListOptions& options) {
  const Config config = context.load();
  warn_if_invalid(context, config);
  if (options.json) {
    nlohmann::json chains = nlohmann::json::array();
    for (const auto& [name, chain] : config.chains)
      chains.push_back(chain_json(chain, config.routes));
    context.out << json_text(chains);
    return admin_status::ok;
  }
  if (config.chains.empty()) {
    context.out << "No chains in " << printable(context.locations()) << ".\n";
    return admin_status::ok;
  }
  Table table({"name", "plugins", "file", "replaces"});
  for (const auto& [name, chain] : config.chains)
    table.add_row({chain.name, plugin_list(chain), chain.file.string(),
                   chain.replaced ? Cell(chain.replaced->string(), Colour::yellow) : Cell("-")});
  context.out << table.render(context.style);
  return admin_status::ok;
}

}  // namespace qrexec_proxy::admin
