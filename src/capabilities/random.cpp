#include "capabilities/random.hpp"

#include <cerrno>
#include <limits>

#include <sys/random.h>

namespace qrexec_proxy {

std::optional<std::uint64_t> secure_random_u64() {
  std::uint64_t value = 0;
  while (true) {
    // Requests this small are never cut short once the pool is ready; before
    // that, getrandom() blocks rather than return weak bytes.
    const ssize_t got = ::getrandom(&value, sizeof value, 0);
    if (got == static_cast<ssize_t>(sizeof value)) return value;
    if (got < 0 && errno != EINTR) return std::nullopt;
  }
}

std::optional<std::uint64_t> secure_random_up_to(std::uint64_t bound) {
  constexpr std::uint64_t max = std::numeric_limits<std::uint64_t>::max();
  if (bound == max) return secure_random_u64();
  const std::uint64_t range = bound + 1;
  // 2^64 values do not split evenly into `range` results: the top `excess`
  // values would favour small results, so they are drawn again (rarely).
  const std::uint64_t excess = (max % range + 1) % range;
  while (true) {
    const auto value = secure_random_u64();
    if (!value) return std::nullopt;
    if (*value <= max - excess) return *value % range;
  }
}

std::optional<std::chrono::nanoseconds> secure_random_duration(std::chrono::nanoseconds max) {
  if (max <= std::chrono::nanoseconds::zero()) return std::chrono::nanoseconds::zero();
  const auto value = secure_random_up_to(static_cast<std::uint64_t>(max.count()));
  if (!value) return std::nullopt;
  return std::chrono::nanoseconds(static_cast<std::chrono::nanoseconds::rep>(*value));
}

}  // namespace qrexec_proxy
