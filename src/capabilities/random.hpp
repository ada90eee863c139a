// Random numbers from the kernel's CSPRNG (getrandom), for plugins whose
// randomness is part of their protection, such as streamline's delays: the
// qubes on either side must not be able to predict them.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>

namespace qrexec_proxy {

// A uniformly random 64-bit number, or nothing when the kernel gave no
// random bytes (errno says why). Callers fail closed on nothing.
std::optional<std::uint64_t> secure_random_u64();

// Uniformly random in [0, bound], without modulo bias.
std::optional<std::uint64_t> secure_random_up_to(std::uint64_t bound);

// A uniformly random duration in [0, max], to the nanosecond.
std::optional<std::chrono::nanoseconds> secure_random_duration(std::chrono::nanoseconds max);

}  // namespace qrexec_proxy
