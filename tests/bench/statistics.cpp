#include "statistics.hpp"

#include <algorithm>
#include <cmath>

namespace qrexec_proxy::bench {

double percentile(std::vector<double> values, double p) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const double rank = std::ceil(p / 100.0 * static_cast<double>(values.size()));
  const std::size_t index = rank < 1 ? 0 : static_cast<std::size_t>(rank) - 1;
  return values[std::min(index, values.size() - 1)];
}

double Rounds::best() const {
  if (values_.empty()) return 0;
  return better_ == Better::higher ? *std::max_element(values_.begin(), values_.end())
                                   : *std::min_element(values_.begin(), values_.end());
}

double Rounds::worst() const {
  if (values_.empty()) return 0;
  return better_ == Better::higher ? *std::min_element(values_.begin(), values_.end())
                                   : *std::max_element(values_.begin(), values_.end());
}

double Rounds::spread() const {
  const double b = best();
  return b == 0 ? 0 : std::abs(worst() - b) / b;
}

}  // namespace qrexec_proxy::bench
