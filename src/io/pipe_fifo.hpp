// A fifo that is a kernel pipe: bytes move socket -> pipe -> socket with
// splice() and never enter the process. For directions whose plugins only
// need counts and time.
#pragma once

#include "io/byte_fifo.hpp"
#include "io/unique_fd.hpp"

#include <optional>

namespace qrexec_proxy {

class PipeFifo final : public KernelFifo {
 public:
  // Asks for a pipe of `wanted_capacity` bytes; the kernel may give less.
  static std::optional<PipeFifo> create(std::size_t wanted_capacity);

  IoResult fill_from(int fd, std::size_t max) override;
  IoResult drain_to(int fd, std::size_t max) override;
  std::size_t discard(std::size_t count) override;

 private:
  PipeFifo() = default;
  UniqueFd read_end_;
  UniqueFd write_end_;
  UniqueFd null_;  // /dev/null, where discarded bytes go
};

}  // namespace qrexec_proxy
