// The bytes of one direction between the sender and the receiver: read in
// at the tail, written out (or discarded) at the head. Positions are
// absolute stream offsets, so they never wrap.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace qrexec_proxy {

struct IoResult {
  enum class Status : std::uint8_t {
    ok,      // `bytes` moved (> 0)
    again,   // the descriptor would block
    full,    // the fifo cannot take more now (pipe slots used up)
    eof,     // the sender has ended the stream
    closed,  // the receiver has gone (EPIPE, ECONNRESET)
    error,   // anything else; `error_number` says what
  };
  Status status = Status::again;
  std::size_t bytes = 0;
  int error_number = 0;
};

class ByteFifo {
 public:
  virtual ~ByteFifo() = default;

  std::uint64_t head() const { return head_; }
  std::uint64_t tail() const { return tail_; }
  std::size_t size() const { return static_cast<std::size_t>(tail_ - head_); }
  std::size_t capacity() const { return capacity_; }
  std::size_t space() const { return capacity_ - size(); }

  // Appends up to `max` bytes read from `fd`.
  virtual IoResult fill_from(int fd, std::size_t max) = 0;
  // Writes up to `max` bytes from the head to `fd`.
  virtual IoResult drain_to(int fd, std::size_t max) = 0;
  // Drops up to `count` bytes from the head; returns how many went.
  virtual std::size_t discard(std::size_t count) = 0;

  // True when bytes() and remove() work (the bytes are in our memory).
  virtual bool in_memory() const = 0;
  // The contents of [from, from + count), contiguous. In-memory fifos only.
  virtual std::span<std::byte> bytes(std::uint64_t from, std::size_t count) = 0;
  // Removes [at, at + count) from the stream by moving [head, at) forward
  // over it; head advances by `count`. In-memory fifos only.
  virtual void remove(std::uint64_t at, std::size_t count) = 0;
  // Puts `bytes` into the stream at `at` by moving [at, tail) back after
  // them; tail advances by their size. Needs space() >= bytes.size().
  // In-memory fifos only.
  virtual void insert(std::uint64_t at, std::span<const std::byte> bytes) = 0;

 protected:
  std::uint64_t head_ = 0;
  std::uint64_t tail_ = 0;
  std::size_t capacity_ = 0;
};

// A fifo whose bytes stay in the kernel (a pipe, the sender's queue) and
// move with splice(): never in our memory, so no bytes() and no remove().
class KernelFifo : public ByteFifo {
 public:
  bool in_memory() const final { return false; }
  std::span<std::byte> bytes(std::uint64_t, std::size_t) final { return {}; }
  void remove(std::uint64_t, std::size_t) final {}
  void insert(std::uint64_t, std::span<const std::byte>) final {}
};

}  // namespace qrexec_proxy
