// A fifo in memory for directions whose plugins read, drop or rewrite
// bytes. The ring is mapped twice, back to back, so any run of bytes it
// holds is contiguous in memory: plugins always see one span, never a
// wrapped pair. Pages are only touched as the stream uses them.
#pragma once

#include "io/byte_fifo.hpp"

#include <optional>

namespace qrexec_proxy {

class RingFifo final : public ByteFifo {
 public:
  // `capacity` is rounded up to whole pages.
  static std::optional<RingFifo> create(std::size_t capacity);
  RingFifo(RingFifo&& other) noexcept;
  RingFifo& operator=(RingFifo&&) = delete;
  ~RingFifo() override;

  IoResult fill_from(int fd, std::size_t max) override;
  IoResult drain_to(int fd, std::size_t max) override;
  std::size_t discard(std::size_t count) override;
  bool in_memory() const override { return true; }
  std::span<std::byte> bytes(std::uint64_t from, std::size_t count) override;
  void remove(std::uint64_t at, std::size_t count) override;
  void insert(std::uint64_t at, std::span<const std::byte> bytes) override;

 private:
  RingFifo() = default;
  std::byte* at(std::uint64_t position) const { return base_ + position % capacity_; }
  std::byte* base_ = nullptr;  // 2 * capacity_ bytes of address space
};

}  // namespace qrexec_proxy
