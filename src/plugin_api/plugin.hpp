// The plugin interface: what a plugin sees of a call and what it may ask of
// the engine. A plugin knows nothing of descriptors, buffers or the event
// loop; the engine owns all of them (README: "Writing a plugin").
//
// Model. Each direction of a call is one byte stream that passes the chain's
// plugins in order (src2dst: first to last; dst2src: last to first). Each
// plugin is offered the bytes that have passed the plugin before it and not
// yet passed it, and answers with a Verdict on a prefix of them. Bytes it
// holds are offered again with whatever arrived since. A plugin that only
// needs counts and time (the default) lets the engine move the bytes with
// splice() and never sees them; one that declares DataNeeds::reads_bytes is
// given their contents.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace qrexec_proxy {

enum class Direction : std::uint8_t { src2dst = 0, dst2src = 1 };
inline constexpr Direction kBothDirections[] = {Direction::src2dst, Direction::dst2src};
constexpr std::size_t index_of(Direction d) {
  return static_cast<std::size_t>(d);
}
constexpr std::string_view to_string(Direction d) {
  return d == Direction::src2dst ? "src2dst" : "dst2src";
}

using Clock = std::chrono::steady_clock;
using Seconds = std::chrono::duration<double>;
using TimerId = std::uint32_t;

// Names of the call, all validated before any plugin runs.
struct CallInfo {
  std::string chain;
  std::string source;   // the calling qube (QREXEC_REMOTE_DOMAIN)
  std::string target;   // the destination qube
  std::string service;  // the destination service, with its +ARG if any
};

enum class Priority : int { error = 3, warning = 4, notice = 5, info = 6, debug = 7 };

// One extra journal field of a plugin's record, e.g. {"DATA", "..."}.
struct LogField {
  std::string_view name;
  std::string_view value;
};

// Bytes offered to a plugin in one direction.
struct DataView {
  Direction direction;
  std::uint64_t size = 0;  // bytes pending at this plugin
  // Their contents when the plugin reads bytes, else empty. They come from
  // the qubes on either side of the call: untrusted, whatever they claim.
  std::span<std::byte> untrusted_bytes;
  bool end_of_stream = false;  // nothing will follow these bytes
};

// A plugin's answer to a DataView.
class Verdict {
 public:
  enum class Kind : std::uint8_t { pass, drop, cut };

  // The first `count` bytes go on to the next plugin; the rest stay pending.
  static constexpr Verdict pass(std::uint64_t count) { return Verdict(Kind::pass, count); }
  // Nothing goes on for now; the plugin is offered the bytes again later.
  static constexpr Verdict hold() { return Verdict(Kind::pass, 0); }
  // The first `count` bytes are discarded. Needs DataNeeds::drops_bytes.
  static constexpr Verdict drop(std::uint64_t count) { return Verdict(Kind::drop, count); }
  // This direction ends here: bytes that already passed still reach the
  // receiver, then it sees end of stream; everything after is read and
  // discarded so the sender never blocks.
  static constexpr Verdict cut() { return Verdict(Kind::cut, 0); }

  Kind kind() const { return kind_; }
  std::uint64_t count() const { return count_; }

 private:
  constexpr Verdict(Kind kind, std::uint64_t count) : kind_(kind), count_(count) {}
  Kind kind_;
  std::uint64_t count_;
};

// What a plugin needs of the engine's data path in one direction.
struct DataNeeds {
  bool reads_bytes = false;  // DataView::bytes must hold the contents
  bool drops_bytes = false;  // may answer Verdict::drop
  // May hold this many bytes pending at once, waiting for more. The engine
  // then gives the direction an in-memory buffer with room for them.
  std::size_t hold_bytes = 0;
  // May put up to this many bytes of its own into the direction at once
  // (PluginContext::inject). The engine keeps that much of an in-memory
  // buffer free of the sender's bytes for them.
  std::size_t inject_bytes = 0;
};

// The answer to on_start.
class Admission {
 public:
  enum class Kind : std::uint8_t { admit, refuse, fail };
  static Admission admit() { return Admission(Kind::admit, {}); }
  // The call is refused (exit 126): policy said no.
  static Admission refuse(std::string reason) { return Admission(Kind::refuse, std::move(reason)); }
  // The plugin could not decide (state unreadable, ...): refused too, fail
  // closed, but logged as an error (exit 125).
  static Admission fail(std::string reason) { return Admission(Kind::fail, std::move(reason)); }

  // A refusal answered only after `wait` (to slow down a caller that
  // retries at once). The engine waits without blocking anything: the
  // refusal comes at once when the caller goes away or the proxy is told
  // to stop. Audit mode does not wait.
  Admission after(Clock::duration wait) && {
    delay_ = wait;
    return std::move(*this);
  }

  Kind kind() const { return kind_; }
  const std::string& reason() const { return reason_; }
  Clock::duration delay() const { return delay_; }

 private:
  Admission(Kind kind, std::string reason) : kind_(kind), reason_(std::move(reason)) {}
  Kind kind_;
  std::string reason_;
  Clock::duration delay_{};
};

class FileSinks;
class SharedState;

// What the engine offers a plugin. One per plugin instance; valid for the
// whole call.
class PluginContext {
 public:
  virtual const CallInfo& call() const = 0;
  virtual Clock::time_point now() const = 0;

  // A one-shot timer; on_timer(id) runs when it fires.
  virtual TimerId start_timer(Clock::duration delay) = 0;
  virtual void cancel_timer(TimerId id) = 0;

  // A journal record with the call's fields and this plugin's name.
  virtual void log(Priority priority, std::string_view message,
                   std::span<const LogField> fields = {}) = 0;

  // Ends the whole call now: the destination is stopped, both sides see end
  // of stream and the service exits with exit_status::aborted.
  virtual void abort(std::string_view reason) = 0;
  // As Verdict::cut, from a timer or another direction's callback.
  virtual void cut(Direction direction) = 0;
  // Offers this plugin's held bytes again (after a timer, say).
  virtual void wake(Direction direction) = 0;
  // While paused, the engine reads nothing more from the sender of this
  // direction: the sender blocks once its own buffers are full.
  virtual void pause_input(Direction direction, bool paused) = 0;
  // on_drained(direction) runs once, as soon as every byte that has passed
  // this plugin in that direction has been delivered to the receiver,
  // discarded, or held by a later plugin of the chain (which takes them as
  // a receiver would).
  virtual void notify_when_drained(Direction direction) = 0;
  // Puts `bytes` of the plugin's own into the direction, right after every
  // byte it has passed so far and before any it passes later: later plugins
  // and the receiver take them as if they had come from the sender and
  // passed this plugin; plugins before it never see them. The engine copies
  // them at once. Backpressure: the room declared in DataNeeds::inject_bytes
  // is kept free of the sender's bytes, so an injection of at most that many
  // bytes succeeds whenever the plugin's earlier injections in the
  // direction have drained (notify_when_drained tells when). Half-close:
  // nothing can follow the end of the stream, so once the end has passed
  // this plugin or it has cut the direction, injecting fails; to answer and
  // then end, inject, then cut. Returns false, injecting nothing, when the
  // bytes do not fit, the direction has ended at or after this plugin, the
  // plugin declared no inject_bytes there, or the flows do not exist yet
  // (during on_start). In audit mode the injection is reported, not done,
  // and counts as done.
  virtual bool inject(Direction direction, std::span<const std::byte> bytes) = 0;

  // Cross-process state shared by all calls of this proxy qube.
  virtual SharedState& shared_state() = 0;
  // Files this call's plugins write; the engine closes them when the call ends.
  virtual FileSinks& file_sinks() = 0;

  // True when this plugin runs with "mode": "audit". The engine already
  // turns refusals, aborts, cuts and drops into audit records; a plugin
  // whose enforcement is something else (delaying bytes) asks here, logs
  // with audit() what it would have done, and lets the bytes pass.
  virtual bool audit_mode() const = 0;
  // An audit record (EVENT=audit) saying what the plugin would have done.
  virtual void audit(std::string_view action, std::string_view what) = 0;

 protected:
  ~PluginContext() = default;
};

class Plugin {
 public:
  virtual ~Plugin() = default;

  virtual DataNeeds needs(Direction) const { return {}; }
  // A program this plugin runs a direction's bytes through (argv, absolute
  // program path first), or null. The engine starts it with the call, writes
  // the bytes that reach the plugin to its stdin and passes on what it
  // writes to stdout; the plugin is then no stage of that direction (no
  // on_data or on_end for it). A program that exits with a status other
  // than 0 before the call ends aborts the call.
  virtual const std::vector<std::string>* filter_program(Direction) const { return nullptr; }

  // Before the destination is started. A refusal ends the call there.
  virtual Admission on_start(PluginContext&) { return Admission::admit(); }
  // Bytes pending at this plugin. Default: pass them all.
  virtual Verdict on_data(PluginContext&, const DataView& data) { return Verdict::pass(data.size); }
  // End of stream has passed this plugin in `direction`.
  virtual void on_end(PluginContext&, Direction) {}
  virtual void on_timer(PluginContext&, TimerId) {}
  virtual void on_drained(PluginContext&, Direction) {}
};

}  // namespace qrexec_proxy
