// One direction of a call: the sender's descriptor, a fifo, the plugins in
// stream order, and the receiver's descriptor.
//
// Every plugin (stage) has a position: the stream offset up to which bytes
// have passed it. Positions never increase along the chain. Stage i is
// offered [position(i), position(i-1)), the bytes the stage before it passed;
// the writer writes what the last stage passed. All stages share the fifo's
// bytes, so passing a byte on is just moving a number.
//
// A cut at stage s at position c ends the stream at c for every stage after
// s and for the receiver; bytes beyond c that reach s are dropped there and
// discarded from the fifo once nothing needs them.
#pragma once

#include "io/byte_fifo.hpp"
#include "plugin_api/plugin.hpp"

#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace qrexec_proxy {

// A plugin as a stage of a flow.
struct FlowStage {
  Plugin* plugin = nullptr;
  PluginContext* context = nullptr;
  bool reads_bytes = false;
  // "mode": "audit": drops and cuts are reported, not done.
  bool audit = false;
  // Room kept free for the bytes this plugin injects (DataNeeds).
  std::size_t inject_room = 0;
};

struct FlowStats {
  std::uint64_t received = 0;   // read from the sender
  std::uint64_t delivered = 0;  // written to the receiver
  std::uint64_t dropped = 0;    // dropped by plugins or discarded after a cut
  std::uint64_t injected = 0;   // put in by plugins (PluginContext::inject)
};

// Why a flow stopped moving on its own: the call decides what follows.
enum class FlowFault : std::uint8_t {
  none,
  receiver_gone,  // EPIPE/ECONNRESET writing to the receiver
  read_error,     // an error other than EOF reading from the sender
  write_error,    // an error other than EPIPE writing to the receiver
  plugin_error,   // a plugin broke the interface contract
};

class Flow {
 public:
  static constexpr std::uint64_t kNoLimit = std::numeric_limits<std::uint64_t>::max();

  // `close_output` ends the receiver's side (shutdown or close); it runs once.
  Flow(Direction direction, std::unique_ptr<ByteFifo> fifo, std::vector<FlowStage> stages,
       int input_fd, int output_fd, std::function<void()> close_output);

  Direction direction() const { return direction_; }
  int input_fd() const { return input_fd_; }
  int output_fd() const { return output_fd_; }

  // Readiness reported by the event loop (edge-triggered): the flow clears
  // them itself when a descriptor would block.
  void set_input_ready() { input_ready_ = true; }
  void set_output_ready() { output_ready_ = true; }

  // Does all the work possible without blocking. Returns true if anything
  // changed. Stops early once `call_ending` (owned by the call) is set: the
  // call is ending before its natural end.
  bool pump(const bool& call_ending);

  // Requests from plugins, by stage index in this flow's order.
  void cut(std::size_t stage);
  void wake() { woken_ = true; }
  void pause_input(std::size_t stage, bool paused);
  void notify_when_drained(std::size_t stage);
  // PluginContext::inject: false, injecting nothing, when the stage
  // declared no room, the bytes do not fit, or the end has reached it.
  bool inject(std::size_t stage, std::span<const std::byte> bytes);

  // The receiver has seen the end of the stream (or is gone) and the sender
  // has ended it: nothing more will happen in this direction.
  bool finished() const { return output_done_ && input_eof_ && fifo_->size() == 0; }
  bool output_done() const { return output_done_; }
  bool input_ended() const { return input_eof_; }
  FlowFault fault() const { return fault_; }
  int fault_errno() const { return fault_errno_; }
  const FlowStats& stats() const { return stats_; }
  // Stops reading and writing: the call is over.
  void stop();
  // The receiver is gone, and it owed nothing: nothing more is written,
  // what still comes is discarded.
  void drop_receiver();
  // Bytes the flow holds: read from the sender, not yet written or
  // discarded.
  std::size_t holds() const { return fifo_->size(); }

 private:
  std::uint64_t upstream(std::size_t stage) const;
  bool upstream_ended(std::size_t stage) const;
  std::uint64_t passed_by_last() const;
  bool last_ended() const;
  bool run_stages(const bool& call_ending);
  bool offer(std::size_t stage, const bool& call_ending);
  void apply_drop(std::size_t stage, std::uint64_t count);
  void audit_verdict(std::size_t stage, const Verdict& verdict, std::uint64_t count);
  bool read_input();
  bool write_output();
  bool end_output();
  bool discard_dead_bytes();
  bool notify_drained();
  void set_fault(FlowFault fault, int error_number);

  Direction direction_;
  std::unique_ptr<ByteFifo> fifo_;
  int input_fd_;
  int output_fd_;
  std::function<void()> close_output_;

  // A stage: the plugin, and where the stream is for it.
  struct Stage {
    FlowStage of;
    std::uint64_t position = 0;      // passed up to here
    std::uint64_t limit = kNoLimit;  // offered at most up to here (cuts)
    bool ended = false;              // the end of the stream passed it
    bool cut = false;                // cut here: drops what reaches it
    bool passes_all = false;         // audited a cut: passes the rest unseen
    bool pausing = false;            // asked to pause input
    bool wants_drained = false;      // asked for on_drained
  };
  std::vector<Stage> stages_;
  std::uint64_t output_limit_ = kNoLimit;
  std::size_t pause_count_ = 0;
  std::size_t inject_reserve_ = 0;  // the stages' inject rooms: never read into
  std::size_t drained_waiters_ = 0;

  bool input_ready_ = false;
  bool output_ready_ = false;
  bool input_eof_ = false;
  bool output_done_ = false;
  bool fifo_full_ = false;  // pipe out of slots: wait for a write before reading
  bool woken_ = false;
  bool stopped_ = false;
  FlowFault fault_ = FlowFault::none;
  int fault_errno_ = 0;
  FlowStats stats_;
};

}  // namespace qrexec_proxy
