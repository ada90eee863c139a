// How output for people looks: colour only on a terminal, and never a raw
// control byte from a journal record or a config file on the screen.
#pragma once

#include <string>
#include <string_view>

namespace qrexec_proxy::admin {

enum class Colour : unsigned char { none, bold, green, yellow, red };

class Style {
 public:
  explicit Style(bool colour) : colour_(colour) {}
  // Colour when stdout is a terminal, NO_COLOR is unset and TERM is not "dumb".
  static Style for_stdout();

  bool colour() const { return colour_; }
  // `text` wrapped in the colour's escape sequences, or unchanged.
  std::string paint(std::string_view text, Colour colour) const;

 private:
  bool colour_;
};

// Text safe to print on a terminal: control bytes (C0, DEL, C1) and bytes
// that are not UTF-8 become \xNN; everything else passes unchanged.
std::string printable(std::string_view text);

// Columns `text` takes on a terminal (UTF-8 code points).
std::size_t display_width(std::string_view text);

}  // namespace qrexec_proxy::admin
