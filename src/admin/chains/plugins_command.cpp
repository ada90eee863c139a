#include "admin/chains/plugins_command.hpp"

#include "admin/chains/plugin_docs.hpp"
#include "admin/output/json_output.hpp"
#include "admin/output/table.hpp"

#include <ostream>

namespace qrexec_proxy::admin {
namespace {

nlohmann::json option_json(const OptionSpec& option) {
  nlohmann::json json = {
      {"name", option.name},
      {"type", std::string(to_string(option.type))},
      {"required", !option.default_value},
      {"default",
       option.default_value ? option_value_json(*option.default_value) : nlohmann::json()},
      {"meaning", option.meaning},
      {"description", describe_option_type(option)},
  };
  if (option.minimum) json["minimum"] = *option.minimum;
  if (option.maximum) json["maximum"] = *option.maximum;
  if (option.off_value) {
    json["off_value"] = *option.off_value;
    json["off_meaning"] = option.off_meaning;
  }
  if (!option.choices.empty()) json["choices"] = option.choices;
  return json;
}

nlohmann::json plugin_json(const PluginDescriptor& plugin) {
  nlohmann::json options = nlohmann::json::array();
  for (const auto& option : plugin.options) options.push_back(option_json(option));
  return {
      {"name", plugin.name},
      {"summary", plugin.summary},
      {"description", plugin.description},
      {"options", options},
      {"library",
       plugin.library.empty() ? nlohmann::json() : nlohmann::json(plugin.library.string())},
  };
}

}  // namespace

int plugins_command(const AdminContext& context, const PluginsOptions& options) {
  const PluginRegistry& registry = context.registry();
  if (options.markdown) {
    context.out << plugin_reference_markdown(registry);
    return admin_status::ok;
  }
  if (!options.name.empty()) {
    const PluginDescriptor* plugin = registry.find(options.name);
    if (plugin == nullptr) {
      context.error("no plugin named \"" + options.name +
                    "\" (see qrexec-proxy-admin plugins for the list)");
      return admin_status::failure;
    }
    if (options.json)
      context.out << json_text(plugin_json(*plugin));
    else
      context.out << plugin_reference_text(*plugin);
    return admin_status::ok;
  }
  if (options.json) {
    nlohmann::json plugins = nlohmann::json::array();
    for (const PluginDescriptor* plugin : registry.all()) plugins.push_back(plugin_json(*plugin));
    context.out << json_text(plugins);
    return admin_status::ok;
  }
  // The overview; `plugins NAME` gives a plugin's options and meaning.
  Table table({"name", "summary"});
  for (const PluginDescriptor* plugin : registry.all())
    table.add_row({plugin->name, plugin->summary});
  context.out << table.render(context.style);
  return admin_status::ok;
}

}  // namespace qrexec_proxy::admin
