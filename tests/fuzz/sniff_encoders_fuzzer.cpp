// sniff's renderings of untrusted bytes (log/log_text.hpp): base64, hex
// and escaped text in each encoding, cut into pieces as sniff cuts them.
//
// Besides never crashing: every rendering decodes back to exactly the bytes
// (with the separately written decoders of tests/support/logged_bytes), an
// escaped text is valid UTF-8 without a control character (C0, DEL or C1),
// and the pieces text_piece_length cuts are never empty, never longer than
// asked, and add up to the whole.
#include "fuzz_check.hpp"
#include "log/log_text.hpp"
#include "support/logged_bytes.hpp"

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

namespace {

using namespace qrexec_proxy;

// Valid UTF-8 (no overlong form, no surrogate, at most U+10FFFF) and no C0
// control, DEL or C1 control.
bool safe_utf8(const std::string& text) {
  for (std::size_t i = 0; i < text.size();) {
    const auto byte = static_cast<unsigned char>(text[i]);
    std::uint32_t code = 0;
    std::size_t length = 0;
    if (byte < 0x80) {
      code = byte;
      length = 1;
    } else if ((byte & 0xe0) == 0xc0) {
      code = byte & 0x1f;
      length = 2;
    } else if ((byte & 0xf0) == 0xe0) {
      code = byte & 0x0f;
      length = 3;
    } else if ((byte & 0xf8) == 0xf0) {
      code = byte & 0x07;
      length = 4;
    } else {
      return false;
    }
    if (i + length > text.size()) return false;
    for (std::size_t k = 1; k < length; ++k) {
      const auto next = static_cast<unsigned char>(text[i + k]);
      if ((next & 0xc0) != 0x80) return false;
      code = code << 6 | (next & 0x3f);
    }
    static constexpr std::uint32_t smallest[] = {0, 0, 0x80, 0x800, 0x10000};
    if (code < smallest[length] || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff))
      return false;
    if (code < 0x20 || code == 0x7f || (code >= 0x80 && code <= 0xa0)) return false;
    // Invisible characters: soft hyphen, zero-width and bidirectional
    // format characters, the byte order mark, tags.
    if (code == 0xad || (code >= 0x200b && code <= 0x200f) || (code >= 0x202a && code <= 0x202e) ||
        (code >= 0x2060 && code <= 0x206f) || code == 0xfeff ||
        (code >= 0xe0000 && code <= 0xe007f))
      return false;
    i += length;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  // The first byte picks the encoding and the piece size; the rest is the
  // untrusted stream.
  const auto encoding = static_cast<TextEncoding>(data[0] % 3);
  const std::size_t max_piece = 1 + (data[0] >> 2);
  const std::span<const std::byte> bytes(reinterpret_cast<const std::byte*>(data + 1), size - 1);
  const std::string original(reinterpret_cast<const char*>(data + 1), size - 1);

  std::string base64;
  append_base64(base64, bytes);
  FUZZ_CHECK(test::decode_base64(base64) == original);
  std::string hex;
  append_hex(hex, bytes);
  FUZZ_CHECK(test::decode_hex(hex) == original);

  // As sniff logs a long chunk: in pieces, each rendered on its own.
  std::string joined;
  for (std::size_t offset = 0; offset < bytes.size();) {
    const auto rest = bytes.subspan(offset);
    const std::size_t piece = text_piece_length(rest, max_piece, encoding);
    FUZZ_CHECK(piece > 0 && piece <= max_piece && piece <= rest.size());
    std::string text;
    append_escaped_text(text, rest.first(piece), encoding);
    FUZZ_CHECK(safe_utf8(text));
    const auto decoded = test::unescape_text(text, to_string(encoding));
    FUZZ_CHECK(decoded && *decoded == original.substr(offset, piece));
    joined += *decoded;
    offset += piece;
  }
  FUZZ_CHECK(joined == original);
  return 0;
}
