#include "engine/flow.hpp"

#include <algorithm>

namespace qrexec_proxy {

Flow::Flow(Direction direction, std::unique_ptr<ByteFifo> fifo, std::vector<FlowStage> stages,
           int input_fd, int output_fd, std::function<void()> close_output)
    : direction_(direction),
      fifo_(std::move(fifo)),
      input_fd_(input_fd),
      output_fd_(output_fd),
      close_output_(std::move(close_output)) {
  stages_.reserve(stages.size());
  for (const FlowStage& stage : stages) {
    stages_.push_back({stage});
    inject_reserve_ += stage.inject_room;
  }
}

std::uint64_t Flow::upstream(std::size_t stage) const {
  return stage == 0 ? fifo_->tail() : stages_[stage - 1].position;
}

bool Flow::upstream_ended(std::size_t stage) const {
  if (stages_[stage].limit != kNoLimit && upstream(stage) >= stages_[stage].limit) return true;
  return stage == 0 ? input_eof_ : stages_[stage - 1].ended;
}

std::uint64_t Flow::passed_by_last() const {
  const std::uint64_t passed = stages_.empty() ? fifo_->tail() : stages_.back().position;
  return std::min(passed, output_limit_);
}

bool Flow::last_ended() const {
  if (output_limit_ != kNoLimit && passed_by_last() >= output_limit_) return true;
  return stages_.empty() ? input_eof_ : stages_.back().ended;
}

void Flow::set_fault(FlowFault fault, int error_number) {
  if (fault_ == FlowFault::none) {
    fault_ = fault;
    fault_errno_ = error_number;
  }
}

void Flow::cut(std::size_t stage) {
  if (stages_[stage].cut) return;
  stages_[stage].cut = true;
  const std::uint64_t at = stages_[stage].position;
  for (std::size_t later = stage + 1; later < stages_.size(); ++later)
    stages_[later].limit = std::min(stages_[later].limit, at);
  output_limit_ = std::min(output_limit_, at);
  woken_ = true;
}

void Flow::pause_input(std::size_t stage, bool paused) {
  if (stages_[stage].pausing == paused) return;
  stages_[stage].pausing = paused;
  if (paused) {
    ++pause_count_;
  } else {
    --pause_count_;
    woken_ = true;
  }
}

void Flow::notify_when_drained(std::size_t stage) {
  if (!stages_[stage].wants_drained) {
    stages_[stage].wants_drained = true;
    ++drained_waiters_;
  }
}

bool Flow::inject(std::size_t stage, std::span<const std::byte> bytes) {
  Stage& current = stages_[stage];
  if (stopped_ || output_done_ || current.cut || current.ended || current.of.inject_room == 0 ||
      !fifo_->in_memory())
    return false;
  const std::uint64_t at = current.position;
  // The end has reached this stage (its on_end is due): nothing may follow.
  if (upstream_ended(stage) && std::min(upstream(stage), current.limit) == at) return false;
  if (bytes.size() > fifo_->space()) return false;
  if (bytes.empty()) return true;
  const std::uint64_t count = bytes.size();
  fifo_->insert(at, bytes);
  // The injected bytes have passed this stage and the ones before it never
  // see them: every position from here upstream moves past them. A limit
  // beyond `at` (a cut further on in the stream) moves with the bytes it
  // refers to; one at `at` is a cut by a later stage, which stays before
  // them. (A limit at `at` for this stage would mean the end reached it.)
  for (std::size_t i = 0; i <= stage; ++i) stages_[i].position += count;
  for (Stage& each : stages_)
    if (each.limit != kNoLimit && each.limit > at) each.limit += count;
  if (output_limit_ != kNoLimit && output_limit_ > at) output_limit_ += count;
  stats_.injected += count;
  woken_ = true;
  return true;
}

void Flow::drop_receiver() {
  if (output_done_) return;
  output_limit_ = std::min(output_limit_, fifo_->head());
  output_done_ = true;
  close_output_();
  woken_ = true;
}

void Flow::stop() {
  stopped_ = true;
  input_ready_ = false;
  output_ready_ = false;
}

bool Flow::read_input() {
  // The room kept for injections is never filled with the sender's bytes.
  const std::size_t room = fifo_->space() > inject_reserve_ ? fifo_->space() - inject_reserve_ : 0;
  if (!input_ready_ || input_eof_ || pause_count_ > 0 || fifo_full_ || room == 0) return false;
  const IoResult result = fifo_->fill_from(input_fd_, room);
  switch (result.status) {
    case IoResult::Status::ok:
      stats_.received += result.bytes;
      return true;
    case IoResult::Status::again:
      input_ready_ = false;
      return false;
    case IoResult::Status::full:
      fifo_full_ = true;
      return false;
    case IoResult::Status::eof:
    case IoResult::Status::closed:
      input_eof_ = true;
      return true;
    case IoResult::Status::error:
      set_fault(FlowFault::read_error, result.error_number);
      input_eof_ = true;
      return true;
  }
  return false;
}

bool Flow::write_output() {
  if (!output_ready_ || output_done_) return false;
  const std::uint64_t until = passed_by_last();
  if (fifo_->head() >= until) return false;
  const IoResult result =
      fifo_->drain_to(output_fd_, static_cast<std::size_t>(until - fifo_->head()));
  switch (result.status) {
    case IoResult::Status::ok:
      stats_.delivered += result.bytes;
      fifo_full_ = false;
      return true;
    case IoResult::Status::again:
    case IoResult::Status::full:
      output_ready_ = false;
      return false;
    case IoResult::Status::eof:
    case IoResult::Status::closed:
      set_fault(FlowFault::receiver_gone, result.error_number);
      break;
    case IoResult::Status::error:
      set_fault(FlowFault::write_error, result.error_number);
      break;
  }
  // The receiver is gone: nothing more can reach it. Stop writing and let
  // the rest be discarded as if the stream had been cut here.
  output_limit_ = std::min(output_limit_, fifo_->head());
  output_done_ = true;
  close_output_();
  return true;
}

bool Flow::end_output() {
  if (output_done_ || fifo_->head() != passed_by_last() || !last_ended()) return false;
  output_done_ = true;
  close_output_();
  return true;
}

bool Flow::discard_dead_bytes() {
  if (!output_done_) return false;
  // A byte is dead once no stage will be offered it again.
  std::uint64_t dead_until = fifo_->tail();
  for (std::size_t stage = 0; stage < stages_.size(); ++stage) {
    if (!stages_[stage].ended && stages_[stage].position < stages_[stage].limit)
      dead_until = std::min(dead_until, stages_[stage].position);
  }
  if (dead_until <= fifo_->head()) return false;
  const std::size_t discarded =
      fifo_->discard(static_cast<std::size_t>(dead_until - fifo_->head()));
  stats_.dropped += discarded;
  if (discarded > 0) fifo_full_ = false;
  return discarded > 0;
}

void Flow::apply_drop(std::size_t stage, std::uint64_t count) {
  const std::uint64_t at = stages_[stage].position;
  const std::uint64_t head = fifo_->head();
  fifo_->remove(at, static_cast<std::size_t>(count));
  // Every position in [head, at] now refers to bytes moved `count` forward.
  auto shift = [&](std::uint64_t& position) {
    if (position != kNoLimit && position >= head && position <= at) position += count;
  };
  for (std::size_t later = stage; later < stages_.size(); ++later) {
    shift(stages_[later].position);
    shift(stages_[later].limit);
  }
  shift(output_limit_);
  stats_.dropped += count;
}

bool Flow::offer(std::size_t stage, const bool& call_ending) {
  bool progress = false;
  Stage& current = stages_[stage];
  while (!call_ending) {
    const std::uint64_t available = std::min(upstream(stage), current.limit);
    const bool stream_done = upstream_ended(stage);
    if (current.passes_all && current.position < available) {
      // An audited cut: the rest would have been dropped here; it passes.
      current.position = available;
      progress = true;
    }
    if (current.cut) {
      // Whatever reaches a cut stage is dropped; the fifo discards it once
      // the receiver is done.
      if (current.position < available) {
        current.position = available;
        progress = true;
      }
    }
    const std::uint64_t pending = available - current.position;
    if (pending == 0) {
      if (stream_done && !current.ended) {
        current.ended = true;
        current.of.plugin->on_end(*current.of.context, direction_);
        progress = true;
      }
      return progress;
    }
    DataView view{direction_, pending, {}, stream_done};
    if (current.of.reads_bytes)
      view.untrusted_bytes = fifo_->bytes(current.position, static_cast<std::size_t>(pending));
    const Verdict verdict = current.of.plugin->on_data(*current.of.context, view);
    if (call_ending) return true;
    const std::uint64_t count = std::min(verdict.count(), pending);
    if (current.of.audit && verdict.kind() != Verdict::Kind::pass) {
      if (verdict.kind() == Verdict::Kind::drop && count == 0) return progress;
      audit_verdict(stage, verdict, count);
      progress = true;
      continue;
    }
    switch (verdict.kind()) {
      case Verdict::Kind::pass:
        if (count == 0) return progress;
        current.position += count;
        break;
      case Verdict::Kind::drop:
        if (!fifo_->in_memory()) {
          // Only plugins that declared drops_bytes may drop, and they get an
          // in-memory fifo: reaching this is a plugin bug. Fail closed.
          set_fault(FlowFault::plugin_error, 0);
          return true;
        }
        if (count == 0) return progress;
        apply_drop(stage, count);
        break;
      case Verdict::Kind::cut:
        cut(stage);
        break;
    }
    progress = true;
  }
  return progress;
}

void Flow::audit_verdict(std::size_t stage, const Verdict& verdict, std::uint64_t count) {
  Stage& current = stages_[stage];
  const std::string direction(to_string(direction_));
  if (verdict.kind() == Verdict::Kind::drop) {
    current.of.context->audit("drop", "drop " + std::to_string(count) + " bytes in " + direction);
    current.position += count;
  } else {
    current.of.context->audit("cut", "cut " + direction);
    current.passes_all = true;
  }
}

bool Flow::run_stages(const bool& call_ending) {
  bool progress = false;
  for (std::size_t stage = 0;
       stage < stages_.size() && !call_ending && fault_ != FlowFault::plugin_error; ++stage)
    progress |= offer(stage, call_ending);
  return progress;
}

bool Flow::notify_drained() {
  if (drained_waiters_ == 0) return false;
  bool notified = false;
  // Bytes that the last stage has not passed yet are held by some later
  // stage, which has taken them as a receiver would.
  const std::uint64_t passed_by_all = stages_.empty() ? fifo_->head() : stages_.back().position;
  for (std::size_t stage = 0; stage < stages_.size(); ++stage) {
    // Drained for a stage once every byte it passed has left the fifo or is
    // held by a later stage (a second holder waiting for more: if that one
    // counted, each would wait for the other); bytes that stages before it
    // still hold do not count.
    if (!stages_[stage].wants_drained ||
        fifo_->head() < std::min(stages_[stage].position, passed_by_all))
      continue;
    stages_[stage].wants_drained = false;
    --drained_waiters_;
    notified = true;
    stages_[stage].of.plugin->on_drained(*stages_[stage].of.context, direction_);
  }
  // What the plugins asked for in on_drained (wake, resume input) is done in
  // the next round.
  return notified;
}

bool Flow::pump(const bool& call_ending) {
  bool changed = false;
  bool progress = true;
  while (progress && !call_ending && !stopped_ && fault_ != FlowFault::plugin_error) {
    progress = woken_;
    woken_ = false;
    progress |= read_input();
    progress |= run_stages(call_ending);
    if (call_ending) break;
    progress |= write_output();
    progress |= end_output();
    progress |= discard_dead_bytes();
    progress |= notify_drained();
    changed |= progress;
  }
  return changed;
}

}  // namespace qrexec_proxy
