#include "admin/output/table.hpp"

#include <algorithm>
#include <cctype>

namespace qrexec_proxy::admin {
namespace {

std::string upper(std::string text) {
  for (char& c : text) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return text;
}

}  // namespace

std::string Table::render(const Style& style) const {
  std::vector<std::vector<Cell>> lines;
  if (!headers_.empty()) {
    std::vector<Cell> header;
    for (const auto& title : headers_) header.emplace_back(upper(title), Colour::bold);
    lines.push_back(std::move(header));
  }
  for (const auto& row : rows_) {
    std::vector<Cell> line;
    for (const auto& cell : row) line.emplace_back(printable(cell.text), cell.colour);
    lines.push_back(std::move(line));
  }

  std::vector<std::size_t> widths;
  for (const auto& line : lines) {
    if (widths.size() < line.size()) widths.resize(line.size(), 0);
    for (std::size_t i = 0; i < line.size(); ++i)
      widths[i] = std::max(widths[i], display_width(line[i].text));
  }

  std::string out;
  for (const auto& line : lines) {
    // The last non-empty cell ends the line: no trailing padding.
    std::size_t last = line.size();
    while (last > 0 && line[last - 1].text.empty()) --last;
    for (std::size_t i = 0; i < last; ++i) {
      out += style.paint(line[i].text, line[i].colour);
      if (i + 1 < last) out.append(widths[i] - display_width(line[i].text) + 2, ' ');
    }
    out += '\n';
  }
  return out;
}

}  // namespace qrexec_proxy::admin
