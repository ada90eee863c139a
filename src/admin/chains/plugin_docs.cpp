#include "admin/chains/plugin_docs.hpp"

#include <algorithm>
#include <sstream>

namespace qrexec_proxy {
namespace {

// Fills lines of at most `width` columns, each starting with `indent`. A
// word longer than a line gets a line of its own.
std::string wrap(const std::string& text, std::size_t width, const std::string& indent) {
  std::istringstream words(text);
  std::string out;
  std::string line;
  for (std::string word; words >> word;) {
    if (!line.empty() && line.size() + 1 + word.size() > width) {
      out += line + "\n";
      line.clear();
    }
    line += line.empty() ? indent + word : " " + word;
  }
  if (!line.empty()) out += line + "\n";
  return out;
}

// Paragraphs (separated by a blank line) wrapped one by one, a blank line
// between them.
std::string wrap_paragraphs(const std::string& text, std::size_t width) {
  std::string out;
  for (std::size_t start = 0; start < text.size();) {
    const std::size_t end = std::min(text.find("\n\n", start), text.size());
    const std::string paragraph = wrap(text.substr(start, end - start), width, "");
    if (!paragraph.empty()) out += (out.empty() ? "" : "\n") + paragraph;
    start = end + 2;
  }
  return out;
}

}  // namespace

std::string describe_option_type(const OptionSpec& option) {
  std::string text(to_string(option.type));
  if (option.type == OptionType::choice) {
    text += " of ";
    for (std::size_t i = 0; i < option.choices.size(); ++i)
      text += (i == 0 ? "" : ", ") + option.choices[i];
  }
  if (const std::string range = describe_range(option); !range.empty()) text += ", " + range;
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
    // The reference documents what ships built in; external plugins
    // document themselves through `qrexec-proxy-admin plugins NAME`.
    if (!plugin->library.empty()) continue;
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

std::string plugin_reference_text(const PluginDescriptor& plugin, std::size_t width) {
  std::string text = wrap(plugin.name + ": " + plugin.summary, width, "") + "\n" +
                     wrap_paragraphs(plugin.description, width) + "\n";
  if (!plugin.library.empty()) text += "External plugin: " + plugin.library.string() + "\n\n";
  if (plugin.options.empty()) return text + "No options.\n";
  text += "Options:\n";
  for (const auto& option : plugin.options)
    text += wrap(option.name + " (" + describe_option_type(option) + ")", width, "  ") +
            wrap(option.meaning, width, "      ");
  return text;
}

}  // namespace qrexec_proxy
