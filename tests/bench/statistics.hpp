// Small statistics over repeated measurements: the best of several runs
// (what the machine can do when nothing else gets in the way), the worst
// (how noisy it was), median and percentiles of one run's many calls.
#pragma once

#include <cstddef>
#include <vector>

namespace qrexec_proxy::bench {

// The p-th percentile (0..100) by the nearest-rank method; 0 when empty.
double percentile(std::vector<double> values, double p);
inline double median(const std::vector<double>& values) {
  return percentile(values, 50);
}

// One quantity measured once per round.
class Rounds {
 public:
  enum class Better { higher, lower };
  explicit Rounds(Better better = Better::lower) : better_(better) {}

  void add(double value) { values_.push_back(value); }
  bool empty() const { return values_.empty(); }
  std::size_t size() const { return values_.size(); }
  double best() const;
  double worst() const;
  // (worst - best) / best: how far the rounds were apart.
  double spread() const;

 private:
  Better better_;
  std::vector<double> values_;
};

}  // namespace qrexec_proxy::bench
