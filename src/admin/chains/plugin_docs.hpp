// The plugins' documentation, rendered from the registry: one source for
// the README's plugin reference and `qrexec-proxy-admin plugins`.
#pragma once

#include "plugin_api/registry.hpp"

#include <string>

namespace qrexec_proxy {

// "integer, at least 0 (or -1 for no limit), default -1" / "number, between 0.001 and 60,
// required" / "choice of a, b, default \"a\"": type, range and default, from the spec.
std::string describe_option_type(const OptionSpec& option);
// Markdown: a section per built-in plugin, for the README between its markers.
std::string plugin_reference_markdown(const PluginRegistry& registry);
// Plain text of one plugin for a terminal: the same summary, description and
// options as the Markdown, wrapped to `width` columns.
std::string plugin_reference_text(const PluginDescriptor& plugin, std::size_t width = 79);

}  // namespace qrexec_proxy
