// The benchmark's table: one row per measure, the direct path beside the
// proxy, how they compare, the goal and whether it was met, and how far the
// rounds were apart. Printed as a Markdown table, as the README shows it.
#pragma once

#include <ostream>
#include <string>
#include <utility>
#include <vector>

namespace qrexec_proxy::bench {

struct Row {
  Row(std::string measure_, std::string direct_, std::string proxy_, std::string comparison_)
      : measure(std::move(measure_)),
        direct(std::move(direct_)),
        proxy(std::move(proxy_)),
        comparison(std::move(comparison_)) {}

  std::string measure;
  std::string direct;      // the direct path's value, or "" when not applicable
  std::string proxy;       // the proxy's value
  std::string comparison;  // ratio to the direct path, or the cost it adds
  std::string goal;        // the goal for this measure, if any
  enum class Verdict { none, met, missed } verdict = Verdict::none;
  std::string spread;  // how far the rounds were apart, direct / proxy
};

class Report {
 public:
  void add(Row row) { rows_.push_back(std::move(row)); }
  void print(std::ostream& out) const;
  std::size_t goals() const;
  std::size_t goals_missed() const;

 private:
  std::vector<Row> rows_;
};

// Number formatting for the table.
std::string fixed(double value, int decimals);
std::string percent(double fraction);

}  // namespace qrexec_proxy::bench
