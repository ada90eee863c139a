#include "support/logged_bytes.hpp"

#include <cstdint>

namespace qrexec_proxy::test {
namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;  // the renderings use lowercase only
}

std::optional<std::uint32_t> hex_number(std::string_view digits) {
  std::uint32_t value = 0;
  for (const char c : digits) {
    const int digit = hex_value(c);
    if (digit < 0) return std::nullopt;
    value = value * 16 + static_cast<std::uint32_t>(digit);
  }
  return value;
}

void put_utf8(std::string& out, std::uint32_t c) {
  if (c < 0x80) {
    out.push_back(static_cast<char>(c));
  } else if (c < 0x800) {
    out.push_back(static_cast<char>(0xc0 | (c >> 6)));
    out.push_back(static_cast<char>(0x80 | (c & 0x3f)));
  } else if (c < 0x10000) {
    out.push_back(static_cast<char>(0xe0 | (c >> 12)));
    out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3f)));
    out.push_back(static_cast<char>(0x80 | (c & 0x3f)));
  } else {
    out.push_back(static_cast<char>(0xf0 | (c >> 18)));
    out.push_back(static_cast<char>(0x80 | ((c >> 12) & 0x3f)));
    out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3f)));
    out.push_back(static_cast<char>(0x80 | (c & 0x3f)));
  }
}

}  // namespace

std::optional<std::string> decode_base64(std::string_view text) {
  static const std::string alphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  if (text.size() % 4 != 0) return std::nullopt;
  std::string out;
  for (std::size_t i = 0; i < text.size(); i += 4) {
    std::uint32_t group = 0;
    int padding = 0;
    for (std::size_t k = 0; k < 4; ++k) {
      const char c = text[i + k];
      if (c == '=' && i + 4 == text.size() && k >= 2) {
        ++padding;
        group <<= 6;
        continue;
      }
      const auto index = alphabet.find(c);
      if (index == std::string::npos || padding > 0) return std::nullopt;
      group = group << 6 | static_cast<std::uint32_t>(index);
    }
    out.push_back(static_cast<char>(group >> 16));
    if (padding < 2) out.push_back(static_cast<char>((group >> 8) & 0xff));
    if (padding < 1) out.push_back(static_cast<char>(group & 0xff));
  }
  return out;
}

std::optional<std::string> decode_hex(std::string_view text) {
  if (text.size() % 2 != 0) return std::nullopt;
  std::string out;
  for (std::size_t i = 0; i < text.size(); i += 2) {
    const auto byte = hex_number(text.substr(i, 2));
    if (!byte) return std::nullopt;
    out.push_back(static_cast<char>(*byte));
  }
  return out;
}

std::optional<std::string> unescape_text(std::string_view text, std::string_view encoding) {
  const bool latin1 = encoding == "latin-1";
  std::string out;
  for (std::size_t i = 0; i < text.size();) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c == '\\') {
      if (i + 1 >= text.size()) return std::nullopt;
      const char kind = text[i + 1];
      if (kind == '\\' || kind == 'n' || kind == 'r' || kind == 't') {
        out.push_back(kind == '\\' ? '\\' : kind == 'n' ? '\n' : kind == 'r' ? '\r' : '\t');
        i += 2;
      } else if (kind == 'x' && i + 4 <= text.size()) {
        const auto byte = hex_number(text.substr(i + 2, 2));
        if (!byte) return std::nullopt;
        out.push_back(static_cast<char>(*byte));
        i += 4;
      } else if ((kind == 'u' || kind == 'U') && !latin1) {
        const std::size_t digits = kind == 'u' ? 4 : 8;
        if (i + 2 + digits > text.size()) return std::nullopt;
        const auto code_point = hex_number(text.substr(i + 2, digits));
        if (!code_point || *code_point > 0x10ffff) return std::nullopt;
        put_utf8(out, *code_point);
        i += 2 + digits;
      } else {
        return std::nullopt;
      }
      continue;
    }
    if (c < 0x80) {
      out.push_back(static_cast<char>(c));
      ++i;
      continue;
    }
    if (encoding == "ascii") return std::nullopt;  // ASCII renderings are all ASCII
    if (latin1) {
      // Latin-1 characters are shown in UTF-8: two bytes for one.
      if (i + 1 >= text.size() || (c != 0xc2 && c != 0xc3)) return std::nullopt;
      out.push_back(static_cast<char>(((c & 0x03) << 6) | (text[i + 1] & 0x3f)));
      i += 2;
      continue;
    }
    out.push_back(static_cast<char>(c));  // UTF-8 shown as it came
    ++i;
  }
  return out;
}

}  // namespace qrexec_proxy::test
