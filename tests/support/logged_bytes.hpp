// Turns what sniff logged back into bytes: the reverse of the renderings in
// log/log_text.hpp, written on its own so that tests check one against the
// other. Each returns nothing when the text is not a valid rendering.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace qrexec_proxy::test {

std::optional<std::string> decode_base64(std::string_view text);
std::optional<std::string> decode_hex(std::string_view text);
// `encoding`: "utf-8", "ascii" or "latin-1".
std::optional<std::string> unescape_text(std::string_view text, std::string_view encoding);

}  // namespace qrexec_proxy::test
