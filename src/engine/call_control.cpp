// Call, as seen and steered from outside while it runs: the signals that
// end it (SIGTERM, SIGINT, SIGHUP) or ask it to look for a stop request
// (SIGUSR1, sent by qrexec-proxy-admin stop), and the progress its monitor
// publishes.
#include "engine/call.hpp"

#include <csignal>
#include <cstring>

#include <sys/signalfd.h>
#include <unistd.h>

namespace qrexec_proxy {

void Call::read_signal() {
  signalfd_siginfo info{};
  if (::read(signal_fd_, &info, sizeof info) != sizeof info) return;
  if (info.ssi_signo != SIGUSR1)
    return end_early(CallOutcome::terminated,
                     std::string("received ") + ::sigabbrev_np(static_cast<int>(info.ssi_signo)));
  // SIGUSR1 only says "look": the request itself is in the registry entry,
  // where only this user and root can write. Without one it is ignored.
  if (monitor_ == nullptr) return;
  if (const auto request = monitor_->take_stop_request()) apply_stop(*request);
}

void Call::apply_stop(const StopRequest& request) {
  const std::string why = request.reason.empty() ? std::string() : ": " + request.reason;
  if (!request.direction) {
    end_early(CallOutcome::stopped, "stopped by " + request.who + why);
    return;
  }
  // One direction: its receiver sees the end of the stream now, and what
  // its sender still sends is read and discarded, as after a cut.
  const Direction direction = *request.direction;
  const LogField fields[] = {{journal_field::direction, to_string(direction)}};
  journal_.send(Priority::notice, journal_event::stop,
                std::string(to_string(direction)) + " stopped by " + request.who + why, fields);
  if (flows_built_) flows(direction).back()->drop_receiver();
}

void Call::report_progress() {
  if (monitor_ == nullptr || !flows_built_) return;
  monitor_->moved(flows(Direction::src2dst).back()->stats().delivered,
                  flows(Direction::dst2src).back()->stats().delivered);
  const CallPhase phase =
      flows(Direction::src2dst).front()->input_ended() ? CallPhase::draining : CallPhase::running;
  if (phase != reported_phase_) {
    reported_phase_ = phase;
    monitor_->phase(phase);
  }
}

}  // namespace qrexec_proxy
