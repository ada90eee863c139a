// The members of a JSON object, found without parsing their values: each
// key with the text of its value. Config loading uses it to find one chain
// in files already known to be valid, in a fraction of a full parse.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace qrexec_proxy {

struct JsonMember {
  std::string_view key;    // as written between the quotes (no escapes)
  std::string_view value;  // the value's text, from its first to its last character
};

// The members of the object that is the whole of `text` (a UTF-8 byte order
// mark and surrounding whitespace allowed), in order. nullopt when `text`
// is not such an object, or a key holds an escape sequence (the caller then
// parses the text fully). Values are skipped, not checked: use it only on
// text a full parser has accepted.
std::optional<std::vector<JsonMember>> json_object_members(std::string_view text);

}  // namespace qrexec_proxy
