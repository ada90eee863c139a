#include "admin/chains/show_command.hpp"

#include "admin/chains/config_report.hpp"
#include "admin/output/json_output.hpp"
#include "admin/output/table.hpp"

#include <ostream>

namespace qrexec_proxy::admin {
namespace {

nlohmann::json chain_json(const ChainConfig& chain) {
  nlohmann::json plugins = nlohmann::json::array();
  for (const auto& plugin : chain.plugins) {
    nlohmann::json options = nlohmann::json::object();
    for (const auto& [name, value] : plugin.options.values())
      options[name] = option_value_json(value);
    plugins.push_back({
        {"name", plugin.name},
        {"options", options},
        {"options_key",
         plugin.options_key.empty() ? nlohmann::json() : nlohmann::json(plugin.options_key)},
    });
  }
  return {
      {"name", chain.name},
      {"file", chain.file.string()},
      {"replaces", chain.replaced ? nlohmann::json(chain.replaced->string()) : nlohmann::json()},
      {"description", chain.description},
      {"allow_dom0", chain.allow_dom0},
      {"plugins", plugins},
  };
}

// Options in the order the plugin declares them (its documentation's
// order), then "mode audit" for an audited plugin. "#" is the index a
// "config" key and an error message use.
Table plugin_table(const ChainConfig& chain) {
  Table table({"#", "plugin", "option", "value"});
  for (std::size_t i = 0; i < chain.plugins.size(); ++i) {
    const PluginConfig& plugin = chain.plugins[i];
    std::vector<std::pair<std::string, std::string>> rows;
    for (const auto& spec : plugin.descriptor->options) {
      const auto value = plugin.options.values().find(spec.name);
      rows.emplace_back(spec.name, value == plugin.options.values().end()
                                       ? "-"
                                       : format_option_value(value->second));
    }
    if (plugin.options.audit()) rows.emplace_back(std::string(kModeOption), "audit");
    if (rows.empty()) rows.emplace_back("-", "-");
    for (std::size_t row = 0; row < rows.size(); ++row)
      table.add_row({row == 0 ? std::to_string(i) : "", row == 0 ? plugin.name : "",
                     rows[row].first, rows[row].second});
  }
  return table;
}

}  // namespace

int show_command(const AdminContext& context, const ShowOptions& options) {
  const Config config = context.load();
  warn_if_invalid(context, config);
  // Problems of this very chain are worth naming here, not only counting.
  bool chain_has_problems = false;
  for (const auto& problem : config.problems) {
    if (problem.chain != options.chain) continue;
    context.error(problem.format());
    chain_has_problems = true;
  }
  const ChainConfig* chain = config.find(options.chain);
  if (chain == nullptr && chain_has_problems) {
    context.error("chain \"" + options.chain + "\" is invalid");
    return admin_status::failure;
  }
  if (chain == nullptr) {
    context.error("no chain named \"" + options.chain + "\" in " + context.locations() +
                  " (see qrexec-proxy-admin list)");
    return admin_status::failure;
  }
  if (options.json) {
    context.out << json_text(chain_json(*chain));
    return admin_status::ok;
  }
  Table about({});
  about.add_row({"chain:", chain->name});
  about.add_row({"file:", chain->file.string()});
  if (chain->replaced) about.add_row({"replaces:", chain->replaced->string()});
  if (!chain->description.empty()) about.add_row({"description:", chain->description});
  if (chain->allow_dom0)
    about.add_row({"dom0:", "allowed as the destination (\"allow_dom0\": true)"});
  context.out << about.render(context.style) << '\n';
  if (chain->plugins.empty()) {
    context.out << "No plugins: bytes pass unchanged both ways.\n";
    return admin_status::ok;
  }
  context.out << plugin_table(*chain).render(context.style);
  return admin_status::ok;
}

}  // namespace qrexec_proxy::admin
