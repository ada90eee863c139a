#include "report.hpp"

#include <algorithm>
#include <array>
#include <cstdio>

namespace qrexec_proxy::bench {

std::string fixed(double value, int decimals) {
  char text[64];
  std::snprintf(text, sizeof text, "%.*f", decimals, value);
  return text;
}

std::string percent(double fraction) {
  return fixed(fraction * 100, 0) + " %";
}

std::size_t Report::goals() const {
  return static_cast<std::size_t>(std::count_if(rows_.begin(), rows_.end(), [](const Row& row) {
    return row.verdict != Row::Verdict::none;
  }));
}

std::size_t Report::goals_missed() const {
  return static_cast<std::size_t>(std::count_if(rows_.begin(), rows_.end(), [](const Row& row) {
    return row.verdict == Row::Verdict::missed;
  }));
}

void Report::print(std::ostream& out) const {
  const std::array<std::string, 7> header = {
      "measure", "direct", "proxy", "proxy vs direct", "goal", "met", "spread (direct / proxy)"};
  std::vector<std::array<std::string, 7>> lines;
  for (const Row& row : rows_) {
    const char* verdict = row.verdict == Row::Verdict::met      ? "yes"
                          : row.verdict == Row::Verdict::missed ? "**no**"
                                                                : "";
    lines.push_back({row.measure, row.direct.empty() ? "-" : row.direct, row.proxy, row.comparison,
                     row.goal, verdict, row.spread});
  }
  std::array<std::size_t, 7> width{};
  for (std::size_t c = 0; c < width.size(); ++c) {
    width[c] = header[c].size();
    for (const auto& line : lines) width[c] = std::max(width[c], line[c].size());
  }
  auto print_line = [&](const std::array<std::string, 7>& cells) {
    out << '|';
    for (std::size_t c = 0; c < cells.size(); ++c)
      out << ' ' << cells[c] << std::string(width[c] - cells[c].size(), ' ') << " |";
    out << '\n';
  };
  print_line(header);
  out << '|';
  for (std::size_t c = 0; c < width.size(); ++c) out << std::string(width[c] + 2, '-') << '|';
  out << '\n';
  for (const auto& line : lines) print_line(line);
}

}  // namespace qrexec_proxy::bench
