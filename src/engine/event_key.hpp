// What the event loop watches, packed into epoll's 64-bit key: the kind of
// event, the direction, and the flow or child it is about.
#pragma once

#include "plugin_api/plugin.hpp"

#include <cstddef>
#include <cstdint>

namespace qrexec_proxy {

enum class EventKind : std::uint64_t {
  flow_input = 1,  // a flow's sender has bytes (or its end)
  flow_output,     // a flow's receiver takes bytes again
  child_stderr,    // a child wrote to its stderr
  child_exit,      // a child exited (its pidfd)
  signals,         // the service was told to stop
};

struct EventKey {
  EventKind kind;
  Direction direction = Direction::src2dst;
  std::size_t index = 0;  // the flow in its direction, or the child

  std::uint64_t packed() const {
    return static_cast<std::uint64_t>(kind) << 48 |
           static_cast<std::uint64_t>(index_of(direction)) << 32 |
           static_cast<std::uint64_t>(index & 0xffffffff);
  }
  static EventKey unpacked(std::uint64_t key) {
    return {static_cast<EventKind>(key >> 48),
            ((key >> 32) & 0xffff) == 0 ? Direction::src2dst : Direction::dst2src,
            static_cast<std::size_t>(key & 0xffffffff)};
  }
};

}  // namespace qrexec_proxy
