#include "admin/output/style.hpp"

#include <cstdlib>
#include <string>

#include <unistd.h>

namespace qrexec_proxy::admin {
namespace {

// Length of the UTF-8 sequence starting at text[i] if it is well formed and
// encodes no C1 control character; 0 otherwise.
std::size_t utf8_sequence(std::string_view text, std::size_t i) {
  const auto lead = static_cast<unsigned char>(text[i]);
  std::size_t length = 0;
  char32_t code = 0;
  if (lead >= 0xc2 && lead <= 0xdf) {
    length = 2;
    code = lead & 0x1f;
  } else if (lead >= 0xe0 && lead <= 0xef) {
    length = 3;
    code = lead & 0x0f;
  } else if (lead >= 0xf0 && lead <= 0xf4) {
    length = 4;
    code = lead & 0x07;
  } else {
    return 0;
  }
  if (i + length > text.size()) return 0;
  for (std::size_t k = 1; k < length; ++k) {
    const auto next = static_cast<unsigned char>(text[i + k]);
    if ((next & 0xc0) != 0x80) return 0;
    code = (code << 6) | (next & 0x3f);
  }
  const char32_t smallest[] = {0, 0, 0x80, 0x800, 0x10000};
  if (code < smallest[length] || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) return 0;
  if (code < 0xa0) return 0;  // C1 controls (0x80-0x9f) can drive a terminal too
  return length;
}

}  // namespace

Style Style::for_stdout() {
  const char* no_colour = std::getenv("NO_COLOR");
  const char* term = std::getenv("TERM");
  const bool colour = ::isatty(STDOUT_FILENO) == 1 && (no_colour == nullptr || *no_colour == 0) &&
                      term != nullptr && std::string_view(term) != "dumb";
  return Style(colour);
}

std::string Style::paint(std::string_view text, Colour colour) const {
  if (!colour_ || colour == Colour::none || text.empty()) return std::string(text);
  const char* code = "";
  switch (colour) {
    case Colour::bold:
      code = "1";
      break;
    case Colour::green:
      code = "32";
      break;
    case Colour::yellow:
      code = "33";
      break;
    case Colour::red:
      code = "31";
      break;
    case Colour::none:
      break;
  }
  return std::string("\033[") + code + "m" + std::string(text) + "\033[0m";
}

std::string printable(std::string_view text) {
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) {
    const auto byte = static_cast<unsigned char>(text[i]);
    if (byte >= 0x20 && byte < 0x7f) {
      out.push_back(text[i++]);
      continue;
    }
    if (const std::size_t length = byte >= 0x80 ? utf8_sequence(text, i) : 0) {
      out.append(text.substr(i, length));
      i += length;
      continue;
    }
    out += "\\x";
    out.push_back(hex[byte >> 4]);
    out.push_back(hex[byte & 0xf]);
    ++i;
  }
  return out;
}

std::size_t display_width(std::string_view text) {
  std::size_t width = 0;
  for (const char c : text)
    if ((static_cast<unsigned char>(c) & 0xc0) != 0x80) ++width;
  return width;
}

}  // namespace qrexec_proxy::admin
