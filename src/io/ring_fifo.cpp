#include "io/ring_fifo.hpp"

#include "io/unique_fd.hpp"

#include <cerrno>
#include <cstring>
#include <utility>

#include <sys/mman.h>
#include <unistd.h>

namespace qrexec_proxy {

std::optional<RingFifo> RingFifo::create(std::size_t capacity) {
  const auto page = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
  capacity = (std::max<std::size_t>(capacity, page) + page - 1) / page * page;
  UniqueFd memory(::memfd_create("qrexec-proxy-ring", MFD_CLOEXEC));
  if (!memory || ::ftruncate(memory.get(), static_cast<off_t>(capacity)) != 0) return std::nullopt;
  void* area = ::mmap(nullptr, 2 * capacity, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (area == MAP_FAILED) return std::nullopt;
  auto* base = static_cast<std::byte*>(area);
  for (std::size_t half = 0; half < 2; ++half) {
    void* mapped = ::mmap(base + half * capacity, capacity, PROT_READ | PROT_WRITE,
                          MAP_SHARED | MAP_FIXED, memory.get(), 0);
    if (mapped == MAP_FAILED) {
      ::munmap(area, 2 * capacity);
      return std::nullopt;
    }
  }
  RingFifo fifo;
  fifo.base_ = base;
  fifo.capacity_ = capacity;
  return fifo;  // the mappings keep the memory; its descriptor closes here
}

RingFifo::RingFifo(RingFifo&& other) noexcept : base_(std::exchange(other.base_, nullptr)) {
  head_ = other.head_;
  tail_ = other.tail_;
  capacity_ = other.capacity_;
}

RingFifo::~RingFifo() {
  if (base_ != nullptr) ::munmap(base_, 2 * capacity_);
}

IoResult RingFifo::fill_from(int fd, std::size_t max) {
  const std::size_t count = std::min(max, space());
  if (count == 0) return {IoResult::Status::full, 0, 0};
  const ssize_t got = ::read(fd, at(tail_), count);
  if (got > 0) {
    tail_ += static_cast<std::uint64_t>(got);
    return {IoResult::Status::ok, static_cast<std::size_t>(got), 0};
  }
  if (got == 0) return {IoResult::Status::eof, 0, 0};
  if (errno == EAGAIN || errno == EINTR) return {IoResult::Status::again, 0, 0};
  if (errno == ECONNRESET) return {IoResult::Status::eof, 0, errno};
  return {IoResult::Status::error, 0, errno};
}

IoResult RingFifo::drain_to(int fd, std::size_t max) {
  const std::size_t count = std::min(max, size());
  if (count == 0) return {IoResult::Status::again, 0, 0};
  const ssize_t put = ::write(fd, at(head_), count);
  if (put > 0) {
    head_ += static_cast<std::uint64_t>(put);
    return {IoResult::Status::ok, static_cast<std::size_t>(put), 0};
  }
  if (put < 0 && (errno == EPIPE || errno == ECONNRESET))
    return {IoResult::Status::closed, 0, errno};
  if (put == 0 || errno == EAGAIN || errno == EINTR) return {IoResult::Status::again, 0, 0};
  return {IoResult::Status::error, 0, errno};
}

std::size_t RingFifo::discard(std::size_t count) {
  count = std::min(count, size());
  head_ += count;
  return count;
}

std::span<std::byte> RingFifo::bytes(std::uint64_t from, std::size_t count) {
  return {at(from), count};
}

void RingFifo::remove(std::uint64_t position, std::size_t count) {
  const auto kept = static_cast<std::size_t>(position - head_);
  if (kept > 0) std::memmove(at(head_) + count, at(head_), kept);
  head_ += count;
}

void RingFifo::insert(std::uint64_t position, std::span<const std::byte> bytes) {
  // The ring is mapped twice back to back, and [position, tail + size)
  // spans less than its capacity: one contiguous move, then one copy.
  const auto after = static_cast<std::size_t>(tail_ - position);
  if (after > 0) std::memmove(at(position) + bytes.size(), at(position), after);
  if (!bytes.empty()) std::memcpy(at(position), bytes.data(), bytes.size());
  tail_ += bytes.size();
}

}  // namespace qrexec_proxy
