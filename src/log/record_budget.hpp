// How many records of one kind a call may write: the rest are counted, not
// written, so that a caller who makes a chain log once per line, per file
// or per chunk cannot flood the journal and push the call's own summary
// out of it (journald drops records beyond its rate limit).
#pragma once

#include <cstddef>

namespace qrexec_proxy {

class RecordBudget {
 public:
  explicit RecordBudget(std::size_t most) : most_(most) {}

  // Whether one more record may be written; if not, it counts as left out.
  bool take() {
    if (written_ < most_) {
      ++written_;
      return true;
    }
    ++left_out_;
    return false;
  }
  // Whether the next record would be left out.
  bool spent() const { return written_ >= most_; }
  std::size_t most() const { return most_; }
  std::size_t left_out() const { return left_out_; }

 private:
  std::size_t most_;
  std::size_t written_ = 0;
  std::size_t left_out_ = 0;
};

}  // namespace qrexec_proxy
