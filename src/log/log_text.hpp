// Untrusted bytes as text that is safe in a journal record: nothing in it
// can act on a terminal or a log reader (no control byte, no escape
// sequence, no invalid UTF-8), and it can be turned back into exactly the
// bytes it shows. For plugins that log what passes (sniff).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace qrexec_proxy {

enum class TextEncoding : std::uint8_t { utf8, ascii, latin1 };

// Python's codec names for the three, as the original's config spells them:
// "utf-8", "utf8", "ascii", "us-ascii", "latin-1", "iso-8859-1", ...
// Case, '-', '_' and ' ' do not matter.
std::optional<TextEncoding> text_encoding_from_name(std::string_view name);
std::string_view to_string(TextEncoding encoding);

// Appends `untrusted` decoded as `encoding`. Printable characters appear as
// themselves; everything else is escaped:
//   \\  a backslash           \n \r \t  those control characters
//   \xNN  a byte that is no printable character in `encoding` (other
//         control characters, DEL, invalid or cut-off UTF-8; in Latin-1
//         also the C1 controls, the no-break space and the soft hyphen)
//   \uNNNN, \UNNNNNNNN  a well-formed character that is unsafe to show:
//         C1 controls, format characters (bidirectional controls,
//         zero-width characters, the soft hyphen, tags), spaces other than
//         U+0020, line and paragraph separators
// The result is valid UTF-8 without control, format or invisible space
// characters.
void append_escaped_text(std::string& out, std::span<const std::byte> untrusted,
                         TextEncoding encoding);

// The length of the first piece of at most `max` bytes (max > 0) of `bytes`
// to render on its own: for UTF-8 it ends before a character that would be
// cut in two, when that is possible.
std::size_t text_piece_length(std::span<const std::byte> bytes, std::size_t max,
                              TextEncoding encoding);

// Makes an untrusted string safe to put in a journal field: printable ASCII
// passes, everything else becomes \xNN, and the result is cut at max_length
// bytes of input with "..." appended.
std::string escape_for_log(std::string_view untrusted, std::size_t max_length = 256);

// Lowercase hex, two digits a byte.
void append_hex(std::string& out, std::span<const std::byte> bytes);
// Standard base64 (RFC 4648) with padding.
void append_base64(std::string& out, std::span<const std::byte> bytes);

}  // namespace qrexec_proxy
