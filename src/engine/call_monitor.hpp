// What the world outside a call sees of it while it runs, and what it may
// ask of it: the live registry of calls (registry/live_call_entry.hpp) is
// one. The engine tells it the call's phase and the bytes moved so far
// (plain stores, once per round of the event loop, never per chunk), and
// asks it for a stop request when the process receives SIGUSR1.
#pragma once

#include "plugin_api/plugin.hpp"

#include <cstdint>
#include <optional>
#include <string>

namespace qrexec_proxy {

enum class CallPhase : std::uint8_t {
  admitting,  // the plugins decide; the destination has not started
  running,    // bytes move
  draining,   // the source has finished; the call ends with the destination
  ended,
};

// An administrator's request to end the call, or one direction of it.
struct StopRequest {
  std::optional<Direction> direction;  // none: the whole call
  std::string who;                     // "USER (uid N)"
  std::string reason;
};

class CallMonitor {
 public:
  virtual void phase(CallPhase phase) = 0;
  // Bytes delivered so far each way.
  virtual void moved(std::uint64_t src2dst, std::uint64_t dst2src) = 0;
  // The request that came with SIGUSR1, once; nullopt when there is none.
  virtual std::optional<StopRequest> take_stop_request() = 0;

 protected:
  ~CallMonitor() = default;
};

}  // namespace qrexec_proxy
