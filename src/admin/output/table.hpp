// Aligned columns with a header, the way the qvm-* tools print listings.
#pragma once

#include "admin/output/style.hpp"

#include <string>
#include <vector>

namespace qrexec_proxy::admin {

struct Cell {
  Cell(std::string cell_text, Colour cell_colour = Colour::none)  // NOLINT: implicit on purpose
      : text(std::move(cell_text)), colour(cell_colour) {}
  Cell(const char* cell_text) : text(cell_text) {}  // NOLINT
  std::string text;                                 // shown through printable()
  Colour colour = Colour::none;
};

class Table {
 public:
  // An empty header list makes a table without a header line.
  explicit Table(std::vector<std::string> headers) : headers_(std::move(headers)) {}

  void add_row(std::vector<Cell> cells) { rows_.push_back(std::move(cells)); }
  bool empty() const { return rows_.empty(); }

  // Columns padded to their widest cell and two spaces apart; the header in
  // capitals (bold on a terminal); no trailing spaces.
  std::string render(const Style& style) const;

 private:
  std::vector<std::string> headers_;
  std::vector<std::vector<Cell>> rows_;
};

}  // namespace qrexec_proxy::admin
