#include "io/in_place_fifo.hpp"

#include "io/splice_result.hpp"

#include <algorithm>
#include <cerrno>
#include <limits>

#include <fcntl.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>

namespace qrexec_proxy {
namespace {

enum class Kind : std::uint8_t { socket, pipe, other };

Kind kind_of(int fd) {
  struct stat info {};
  if (::fstat(fd, &info) != 0) return Kind::other;
  if (S_ISSOCK(info.st_mode)) return Kind::socket;
  if (S_ISFIFO(info.st_mode)) return Kind::pipe;
  return Kind::other;
}

bool splice_target(int fd) {
  struct stat info {};
  return ::fstat(fd, &info) == 0 &&
         (S_ISSOCK(info.st_mode) || S_ISFIFO(info.st_mode) || S_ISREG(info.st_mode));
}

IoResult error_result(int error_number) {
  return {IoResult::Status::error, 0, error_number};
}

}  // namespace

bool InPlaceFifo::suits(int input_fd, int output_fd) {
  const Kind input = kind_of(input_fd);
  if (input == Kind::pipe) return splice_target(output_fd);
  return input == Kind::socket && kind_of(output_fd) == Kind::pipe;
}

std::optional<InPlaceFifo> InPlaceFifo::create(int input_fd) {
  const Kind input = kind_of(input_fd);
  if (input == Kind::other) return std::nullopt;
  InPlaceFifo fifo;
  fifo.input_ = input_fd;
  fifo.input_is_socket_ = input == Kind::socket;
  // What discarding needs is opened now: once the system call filter is in
  // place (syscall_filter.cpp) neither open() nor pipe2() is allowed.
  fifo.null_.reset(::open("/dev/null", O_WRONLY | O_CLOEXEC));
  if (!fifo.null_) return std::nullopt;
  if (fifo.input_is_socket_) {
    int ends[2];
    if (::pipe2(ends, O_CLOEXEC | O_NONBLOCK) != 0) return std::nullopt;
    fifo.scratch_read_.reset(ends[0]);
    fifo.scratch_write_.reset(ends[1]);
  }
  // Unbounded here: the sender's queue bounds what can be counted.
  fifo.capacity_ = std::numeric_limits<std::size_t>::max() / 2;
  return fifo;
}

IoResult InPlaceFifo::count_new(int fd, std::size_t max) {
  int queued = 0;
  if (::ioctl(fd, FIONREAD, &queued) != 0) return error_result(errno);
  const std::size_t known = size();
  if (queued < 0 || static_cast<std::size_t>(queued) <= known) return {};
  const std::size_t fresh = std::min(static_cast<std::size_t>(queued) - known, max);
  tail_ += fresh;
  return {IoResult::Status::ok, fresh, 0};
}

IoResult InPlaceFifo::fill_from(int fd, std::size_t max) {
  if (max == 0) return {IoResult::Status::full, 0, 0};
  IoResult result = count_new(fd, max);
  if (result.status != IoResult::Status::again) return result;
  // Nothing new. Has the sender ended the stream? A socket says so with
  // RDHUP (the peer shut down writing), a pipe with HUP (no writer left),
  // both while earlier bytes may still wait in the queue.
  pollfd state{fd, POLLIN | POLLRDHUP, 0};
  if (::poll(&state, 1, 0) < 0) return errno == EINTR ? IoResult{} : error_result(errno);
  if (state.revents & POLLERR) {
    int error = 0;
    socklen_t length = sizeof error;
    if (input_is_socket_ && ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length) == 0 &&
        error != 0 && error != ECONNRESET)
      return error_result(error);
    return {IoResult::Status::eof, 0, error};
  }
  if ((state.revents & (POLLRDHUP | POLLHUP)) == 0) return {};
  // Bytes sent just before the end are counted before the end is reported.
  result = count_new(fd, max);
  if (result.status != IoResult::Status::again) return result;
  return {IoResult::Status::eof, 0, 0};
}

IoResult InPlaceFifo::drain_to(int fd, std::size_t max) {
  const std::size_t count = std::min(max, size());
  if (count == 0) return {IoResult::Status::again, 0, 0};
  // Counted bytes are there: 0 moved is not an end, as for any receiver.
  const IoResult result = splice_result(
      ::splice(input_, nullptr, fd, nullptr, count, SPLICE_F_MOVE | SPLICE_F_NONBLOCK),
      /*reading=*/false);
  if (result.status == IoResult::Status::ok) head_ += result.bytes;
  return result;
}

std::size_t InPlaceFifo::discard_through(int from, std::size_t count) {
  std::size_t discarded = 0;
  while (discarded < count) {
    const ssize_t moved =
        ::splice(from, nullptr, null_.get(), nullptr, count - discarded, SPLICE_F_NONBLOCK);
    if (moved <= 0) break;
    discarded += static_cast<std::size_t>(moved);
  }
  return discarded;
}

std::size_t InPlaceFifo::discard(std::size_t count) {
  count = std::min(count, size());
  if (count == 0) return 0;
  std::size_t discarded = 0;
  if (!input_is_socket_) {
    discarded = discard_through(input_, count);
  } else {
    while (discarded < count) {
      const ssize_t moved = ::splice(input_, nullptr, scratch_write_.get(), nullptr,
                                     count - discarded, SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
      if (moved <= 0) break;
      const std::size_t through =
          discard_through(scratch_read_.get(), static_cast<std::size_t>(moved));
      discarded += static_cast<std::size_t>(moved);
      if (through != static_cast<std::size_t>(moved)) break;  // /dev/null always takes all
    }
  }
  head_ += discarded;
  return discarded;
}

}  // namespace qrexec_proxy
