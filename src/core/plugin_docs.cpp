#include "core/plugin_docs.hpp"

namespace qrexec_proxy {

std::string describe_option_type(const OptionSpec& option) {
  std::string text(to_string(option.type));
  if (option.type == OptionType::choice) {
    text += " of ";
    for (std::size_t i = 0; i < option.choices.size(); ++i)
      text += (i == 0 ? "" : ", ") + option.choices[i];
  }
  text += option.default_value ? ", default " + format_option_value(*option.default_value)
                               : ", required";
  return text;
}

std::string plugin_reference_markdown(const PluginRegistry& registry) {
  std::string text =
      "### Options every plugin takes\n\n| option | type | meaning |\n| --- | --- | --- |\n";
  for (const auto& option : common_option_specs())
    text += "| `" + option.name + "` | " + describe_option_type(option) + " | " + option.meaning +
            " |\n";
  text += "\n";
  for (const PluginDescriptor* plugin : registry.all()) {
    text +=
        "### " + plugin->name + "\n\n" + plugin->summary + "\n\n" + plugin->description + "\n\n";
    if (plugin->options.empty()) {
      text += "No options.\n\n";
      continue;
    }
    text += "| option | type | meaning |\n| --- | --- | --- |\n";
    for (const auto& option : plugin->options)
      text += "| `" + option.name + "` | " + describe_option_type(option) + " | " + option.meaning +
              " |\n";
    text += "\n";
  }
  return text;
}

}  // namespace qrexec_proxy
