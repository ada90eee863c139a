// JSON for scripts: every listing of the CLI has a --json form.
#pragma once

#include "plugin_api/options.hpp"

#include <nlohmann/json.hpp>

#include <string>

namespace qrexec_proxy::admin {

// Indented JSON with a final newline. Bytes that are not UTF-8 (from a
// journal record, say) become U+FFFD instead of failing.
std::string json_text(const nlohmann::json& value);

// An option value as JSON: 10485760, 0.5, true, "base64", ["a", "b"].
nlohmann::json option_value_json(const OptionValue& value);

}  // namespace qrexec_proxy::admin
