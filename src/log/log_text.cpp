#include "log/log_text.hpp"

#include <array>
#include <cstring>

namespace qrexec_proxy {
namespace {

constexpr char kHexDigits[] = "0123456789abcdef";

void append_byte_escape(std::string& out, std::uint8_t byte) {
  out += "\\x";
  out.push_back(kHexDigits[byte >> 4]);
  out.push_back(kHexDigits[byte & 0xf]);
}

// \uNNNN, or \UNNNNNNNN beyond U+FFFF (the tag block).
void append_code_point_escape(std::string& out, std::uint32_t code_point) {
  const bool wide = code_point > 0xffff;
  out += wide ? "\\U" : "\\u";
  for (int shift = wide ? 28 : 12; shift >= 0; shift -= 4)
    out.push_back(kHexDigits[(code_point >> shift) & 0xf]);
}

void append_utf8(std::string& out, std::uint32_t code_point) {
  if (code_point < 0x80) {
    out.push_back(static_cast<char>(code_point));
  } else if (code_point < 0x800) {
    out.push_back(static_cast<char>(0xc0 | (code_point >> 6)));
    out.push_back(static_cast<char>(0x80 | (code_point & 0x3f)));
  } else {
    // Only characters below U+10000 are ever re-encoded here.
    out.push_back(static_cast<char>(0xe0 | (code_point >> 12)));
    out.push_back(static_cast<char>(0x80 | ((code_point >> 6) & 0x3f)));
    out.push_back(static_cast<char>(0x80 | (code_point & 0x3f)));
  }
}

// An ASCII byte (< 0x80): itself when printable, else an escape.
void append_ascii(std::string& out, std::uint8_t byte) {
  switch (byte) {
    case '\\':
      out += "\\\\";
      return;
    case '\n':
      out += "\\n";
      return;
    case '\r':
      out += "\\r";
      return;
    case '\t':
      out += "\\t";
      return;
    default:
      if (byte >= 0x20 && byte < 0x7f)
        out.push_back(static_cast<char>(byte));
      else
        append_byte_escape(out, byte);
  }
}

// Characters that are well-formed but would let text act on its reader or
// hide from it: controls (C0 are ASCII and escaped before this; C1 include
// 0x9b, a terminal's CSI), format characters (Unicode category Cf:
// bidirectional controls that reorder what is shown, zero-width characters
// that split a word invisibly, the soft hyphen, the tag block), spaces other
// than U+0020 (Zs: no-break and ideographic spaces that look like a space
// but are not one) and the line and paragraph separators (Zl, Zp) a viewer
// honours. Inclusive ranges, sorted, from Unicode 15.1's categories Cc, Cf,
// Zs (but U+0020), Zl and Zp, with the unassigned code points inside their
// blocks (U+2065, the tag block): a reader's newer Unicode may assign them.
struct CodePointRange {
  std::uint32_t first;
  std::uint32_t last;
};
constexpr CodePointRange kUnsafeCodePoints[] = {
    {0x0080, 0x00a0},    // C1 controls (Cc), no-break space (Zs)
    {0x00ad, 0x00ad},    // soft hyphen
    {0x0600, 0x0605},    // Arabic number signs
    {0x061c, 0x061c},    // Arabic letter mark
    {0x06dd, 0x06dd},    // Arabic end of ayah
    {0x070f, 0x070f},    // Syriac abbreviation mark
    {0x0890, 0x0891},    // Arabic pound and piastre marks above
    {0x08e2, 0x08e2},    // Arabic disputed end of ayah
    {0x1680, 0x1680},    // Ogham space mark
    {0x180e, 0x180e},    // Mongolian vowel separator
    {0x2000, 0x200f},    // spaces, zero-width space and joiners, LRM, RLM
    {0x2028, 0x202f},    // line and paragraph separators, embeddings, narrow no-break space
    {0x205f, 0x206f},    // math space, word joiner, invisible operators, isolates, and more
    {0x3000, 0x3000},    // ideographic space
    {0xfeff, 0xfeff},    // zero-width no-break space (byte order mark)
    {0xfff9, 0xfffb},    // interlinear annotation characters
    {0x110bd, 0x110bd},  // Kaithi number sign
    {0x110cd, 0x110cd},  // Kaithi number sign above
    {0x13430, 0x1343f},  // Egyptian hieroglyph format controls
    {0x1bca0, 0x1bca3},  // shorthand format controls
    {0x1d173, 0x1d17a},  // musical symbol format controls
    {0xe0000, 0xe007f},  // the tag block: language tag, tag characters, unassigned between
};

bool unsafe_code_point(std::uint32_t c) {
  if (c < 0x80) return false;
  std::size_t low = 0;
  std::size_t high = std::size(kUnsafeCodePoints);
  while (low < high) {
    const std::size_t middle = (low + high) / 2;
    if (c > kUnsafeCodePoints[middle].last)
      low = middle + 1;
    else
      high = middle;
  }
  return low < std::size(kUnsafeCodePoints) && c >= kUnsafeCodePoints[low].first;
}

bool continuation(std::uint8_t byte) {
  return (byte & 0xc0) == 0x80;
}

struct Utf8Char {
  std::size_t length = 0;  // 0: not a well-formed character
  std::uint32_t code_point = 0;
};

// Decodes one character at the start of `bytes` (bytes[0] >= 0x80) by the
// strict rules of RFC 3629: no overlong forms, no surrogates, nothing above
// U+10FFFF.
Utf8Char decode_utf8(std::span<const std::byte> bytes) {
  const auto at = [&](std::size_t i) { return static_cast<std::uint8_t>(bytes[i]); };
  const std::uint8_t lead = at(0);
  std::size_t length = 0;
  std::uint8_t second_min = 0x80, second_max = 0xbf;
  if (lead >= 0xc2 && lead <= 0xdf) {
    length = 2;
  } else if (lead >= 0xe0 && lead <= 0xef) {
    length = 3;
    if (lead == 0xe0) second_min = 0xa0;  // overlong
    if (lead == 0xed) second_max = 0x9f;  // surrogates
  } else if (lead >= 0xf0 && lead <= 0xf4) {
    length = 4;
    if (lead == 0xf0) second_min = 0x90;  // overlong
    if (lead == 0xf4) second_max = 0x8f;  // above U+10FFFF
  } else {
    return {};
  }
  if (bytes.size() < length || at(1) < second_min || at(1) > second_max) return {};
  std::uint32_t code_point = lead & (0x7f >> length);
  for (std::size_t i = 1; i < length; ++i) {
    if (!continuation(at(i))) return {};
    code_point = (code_point << 6) | (at(i) & 0x3f);
  }
  return {length, code_point};
}

}  // namespace

std::optional<TextEncoding> text_encoding_from_name(std::string_view name) {
  std::string normal;
  for (const char c : name) {
    if (c == '-' || c == ' ')
      normal.push_back('_');
    else
      normal.push_back(static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c));
  }
  for (const char* alias : {"utf_8", "utf8", "u8", "utf"})
    if (normal == alias) return TextEncoding::utf8;
  for (const char* alias : {"ascii", "us_ascii", "us", "646"})
    if (normal == alias) return TextEncoding::ascii;
  for (const char* alias :
       {"latin_1", "latin1", "latin", "l1", "iso8859_1", "iso_8859_1", "8859", "cp819"})
    if (normal == alias) return TextEncoding::latin1;
  return std::nullopt;
}

std::string_view to_string(TextEncoding encoding) {
  switch (encoding) {
    case TextEncoding::utf8:
      return "utf-8";
    case TextEncoding::ascii:
      return "ascii";
    case TextEncoding::latin1:
      return "latin-1";
  }
  return "utf-8";
}

void append_escaped_text(std::string& out, std::span<const std::byte> untrusted,
                         TextEncoding encoding) {
  std::size_t i = 0;
  while (i < untrusted.size()) {
    const auto byte = static_cast<std::uint8_t>(untrusted[i]);
    if (byte < 0x80) {
      append_ascii(out, byte);
      ++i;
      continue;
    }
    switch (encoding) {
      case TextEncoding::ascii:
        append_byte_escape(out, byte);
        ++i;
        break;
      case TextEncoding::latin1:
        // Every byte is the character of the same number.
        if (unsafe_code_point(byte))
          append_byte_escape(out, byte);
        else
          append_utf8(out, byte);
        ++i;
        break;
      case TextEncoding::utf8: {
        const Utf8Char c = decode_utf8(untrusted.subspan(i));
        if (c.length == 0) {
          append_byte_escape(out, byte);
          ++i;
        } else {
          if (unsafe_code_point(c.code_point))
            append_code_point_escape(out, c.code_point);
          else
            out.append(reinterpret_cast<const char*>(&untrusted[i]), c.length);
          i += c.length;
        }
        break;
      }
    }
  }
}

std::size_t text_piece_length(std::span<const std::byte> bytes, std::size_t max,
                              TextEncoding encoding) {
  if (bytes.size() <= max) return bytes.size();
  if (encoding != TextEncoding::utf8) return max;
  // Step back over at most three continuation bytes to the character's
  // first byte; end the piece there if that character reaches past `max`.
  std::size_t start = max;
  while (start > 0 && max - start < 3 && continuation(static_cast<std::uint8_t>(bytes[start])))
    --start;
  if (start == 0 || start == max) return max;
  const Utf8Char c = decode_utf8(bytes.subspan(start));
  return c.length > 0 && start + c.length > max ? start : max;
}

// The two hex digits of every byte value, in order.
constexpr std::array<char, 512> kHexPairs = [] {
  std::array<char, 512> pairs{};
  for (std::size_t value = 0; value < 256; ++value) {
    pairs[2 * value] = kHexDigits[value >> 4];
    pairs[2 * value + 1] = kHexDigits[value & 0xf];
  }
  return pairs;
}();

void append_hex(std::string& out, std::span<const std::byte> bytes) {
  // Sized once and written in place, two digits at a time: sniff renders
  // every byte of a call.
  const std::size_t start = out.size();
  out.resize(start + 2 * bytes.size());
  char* next = out.data() + start;
  for (const std::byte b : bytes) {
    std::memcpy(next, &kHexPairs[2 * static_cast<std::size_t>(b)], 2);
    next += 2;
  }
}

void append_base64(std::string& out, std::span<const std::byte> bytes) {
  static constexpr char alphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  const std::size_t start = out.size();
  out.resize(start + (bytes.size() + 2) / 3 * 4);
  char* next = out.data() + start;
  std::size_t i = 0;
  const auto at = [&](std::size_t k) { return static_cast<std::uint32_t>(bytes[k]); };
  for (; i + 3 <= bytes.size(); i += 3) {
    const std::uint32_t group = at(i) << 16 | at(i + 1) << 8 | at(i + 2);
    *next++ = alphabet[(group >> 18) & 0x3f];
    *next++ = alphabet[(group >> 12) & 0x3f];
    *next++ = alphabet[(group >> 6) & 0x3f];
    *next++ = alphabet[group & 0x3f];
  }
  const std::size_t rest = bytes.size() - i;
  if (rest == 0) return;
  const std::uint32_t group = at(i) << 16 | (rest == 2 ? at(i + 1) << 8 : 0);
  *next++ = alphabet[(group >> 18) & 0x3f];
  *next++ = alphabet[(group >> 12) & 0x3f];
  *next++ = rest == 2 ? alphabet[(group >> 6) & 0x3f] : '=';
  *next = '=';
}

std::string escape_for_log(std::string_view untrusted, std::size_t max_length) {
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  const bool cut = untrusted.size() > max_length;
  if (cut) untrusted = untrusted.substr(0, max_length);
  out.reserve(untrusted.size() + (cut ? 3 : 0));
  for (const char c : untrusted) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte >= 0x20 && byte < 0x7f && byte != '\\') {
      out.push_back(c);
    } else {
      out += "\\x";
      out.push_back(hex[byte >> 4]);
      out.push_back(hex[byte & 0xf]);
    }
  }
  if (cut) out += "...";
  return out;
}

}  // namespace qrexec_proxy
