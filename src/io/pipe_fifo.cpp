#include "io/pipe_fifo.hpp"

#include "io/splice_result.hpp"

#include <cerrno>

#include <fcntl.h>
#include <sys/ioctl.h>

namespace qrexec_proxy {

std::optional<PipeFifo> PipeFifo::create(std::size_t wanted_capacity) {
  int ends[2];
  if (::pipe2(ends, O_CLOEXEC | O_NONBLOCK) != 0) return std::nullopt;
  PipeFifo fifo;
  fifo.read_end_.reset(ends[0]);
  fifo.write_end_.reset(ends[1]);
  // The kernel may refuse a larger pipe (user limits): the default one works.
  (void)::fcntl(ends[1], F_SETPIPE_SZ, static_cast<int>(wanted_capacity));
  const int capacity = ::fcntl(ends[1], F_GETPIPE_SZ);
  if (capacity <= 0) return std::nullopt;
  fifo.capacity_ = static_cast<std::size_t>(capacity);
  // Where discarded bytes go; opened now, as nothing is opened once the
  // call runs (syscall_filter.hpp).
  fifo.null_.reset(::open("/dev/null", O_WRONLY | O_CLOEXEC));
  if (!fifo.null_) return std::nullopt;
  return fifo;
}

IoResult PipeFifo::fill_from(int fd, std::size_t max) {
  if (max == 0) return {IoResult::Status::full, 0, 0};
  const ssize_t moved =
      ::splice(fd, nullptr, write_end_.get(), nullptr, max, SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
  IoResult result = splice_result(moved, true);
  if (result.status == IoResult::Status::ok) {
    tail_ += result.bytes;
  } else if (result.status == IoResult::Status::again && size() > 0) {
    // EAGAIN means either "nothing to read" or "no free pipe slot": a pipe
    // counts slots, not bytes. Tell them apart by asking the sender.
    int pending = 0;
    if (::ioctl(fd, FIONREAD, &pending) == 0 && pending > 0) result.status = IoResult::Status::full;
  }
  return result;
}

IoResult PipeFifo::drain_to(int fd, std::size_t max) {
  const std::size_t count = std::min(max, size());
  if (count == 0) return {IoResult::Status::again, 0, 0};
  const ssize_t moved =
      ::splice(read_end_.get(), nullptr, fd, nullptr, count, SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
  IoResult result = splice_result(moved, false);
  if (result.status == IoResult::Status::ok) head_ += result.bytes;
  return result;
}

std::size_t PipeFifo::discard(std::size_t count) {
  count = std::min(count, size());
  if (count == 0) return 0;
  std::size_t discarded = 0;
  while (discarded < count && null_) {
    const ssize_t moved = ::splice(read_end_.get(), nullptr, null_.get(), nullptr,
                                   count - discarded, SPLICE_F_NONBLOCK);
    if (moved <= 0) break;
    discarded += static_cast<std::size_t>(moved);
  }
  head_ += discarded;
  return discarded;
}

}  // namespace qrexec_proxy
