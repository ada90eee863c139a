// The plugins' documentation, rendered from the registry: one source for
// the README's plugin reference and `qrexec-proxy-admin plugins`.
#pragma once

#include "plugin_api/registry.hpp"

#include <string>

namespace qrexec_proxy {

// "integer, default -1" / "number, required" / "choice of a, b; default \"a\"".
std::string describe_option_type(const OptionSpec& option);
// Markdown: a section per built-in plugin, for the README between its markers.
std::string plugin_reference_markdown(const PluginRegistry& registry);
// Plain text of one plugin for a terminal: the same summary, description and
// options as the Markdown, wrapped to `width` columns.
std::string plugin_reference_text(const PluginDescriptor& plugin, std::size_t width = 79);

}  // namespace qrexec_proxy
