// A fifo that holds no bytes itself: they wait where the sender put them,
// in its socket's or pipe's kernel queue, and go out with one splice()
// straight from there to the receiver. Receiving is counting what has
// arrived (FIONREAD); plugins are offered those counts; what they pass is
// moved without ever entering the process, and without the second splice
// and the pipe of its own that PipeFifo needs. For directions whose plugins
// only need counts and time, when the sender is a socket or a pipe and the
// sender or the receiver is a pipe (splice needs one).
//
// The sender's queue is the buffer: as with any fifo, the sender blocks
// once it is full, and nothing here grows with the stream.
#pragma once

#include "io/byte_fifo.hpp"
#include "io/unique_fd.hpp"

#include <optional>

namespace qrexec_proxy {

class InPlaceFifo final : public KernelFifo {
 public:
  // For the sender `input_fd`; nullopt unless it is a socket or a pipe.
  static std::optional<InPlaceFifo> create(int input_fd);
  // Whether bytes can move from `input_fd` to `output_fd` this way.
  static bool suits(int input_fd, int output_fd);

  // `fd` must be the sender given to create().
  IoResult fill_from(int fd, std::size_t max) override;
  IoResult drain_to(int fd, std::size_t max) override;
  std::size_t discard(std::size_t count) override;

 private:
  InPlaceFifo() = default;
  IoResult count_new(int fd, std::size_t max);
  std::size_t discard_through(int from, std::size_t count);

  int input_ = -1;
  bool input_is_socket_ = false;
  UniqueFd null_;  // /dev/null, where discarded bytes go
  // A socket cannot splice to /dev/null: its discarded bytes pass a pipe.
  UniqueFd scratch_read_;
  UniqueFd scratch_write_;
};

}  // namespace qrexec_proxy
