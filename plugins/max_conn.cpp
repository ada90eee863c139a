// max_conn: at most N calls of the chain at once, across processes.
#include "capabilities/shared_state.hpp"
#include "plugin_api/registry.hpp"

#include <chrono>
#include <sstream>

namespace qrexec_proxy {
namespace {

class MaxConn final : public Plugin {
 public:
  explicit MaxConn(const PluginOptions& options)
      : limit_(static_cast<std::size_t>(options.integer("limit"))),
        per_source_(options.boolean("per_source")),
        reject_delay_(options.number("reject_delay")) {}

  Admission on_start(PluginContext& context) override {
    const CallInfo& call = context.call();
    // Chain and qube names are validated (no '/', never ".."), and '+'
    // appears in neither, so the slot name is a safe file name that no other
    // chain or source can share.
    const std::string name = per_source_ ? call.chain + "+" + call.source : call.chain;
    SharedState& state = context.shared_state();
    std::string error;
    switch (state.take_slot(state.directory("max_conn", ""), name, limit_, error)) {
      case SharedState::SlotResult::taken:
        return Admission::admit();
      case SharedState::SlotResult::error:
        return Admission::fail("max_conn: " + error);
      case SharedState::SlotResult::all_busy:
        break;
    }
    std::ostringstream reason;
    reason << "max_conn: " << limit_ << (limit_ == 1 ? " call" : " calls") << " of chain "
           << call.chain << (per_source_ ? " from " + call.source : std::string()) << " already "
           << (limit_ == 1 ? "runs" : "run");
    // Slows down a caller that retries at once. The engine waits, and
    // answers at once when the caller goes away.
    return Admission::refuse(reason.str())
        .after(std::chrono::duration_cast<Clock::duration>(Seconds(reject_delay_)));
  }

 private:
  std::size_t limit_;
  bool per_source_;
  double reject_delay_;
};

PluginDescriptor describe_max_conn() {
  return {
      "max_conn",
      "Limits how many calls of the chain run at once.",
      "A call takes one of `limit` slots of its chain (of its chain and its calling qube, with "
      "per_source) before the destination is contacted, and holds it until the call ends. When "
      "every slot is taken, the call is refused with status 126 and the destination never "
      "starts. Slots are counted across the proxy qube's processes with locks the kernel drops "
      "when a process dies, so a crashed or killed call never keeps its slot. Slots are named "
      "after the chain: two chains never share them, and one chain should hold at most one "
      "max_conn with per_source false and one with per_source true. If the state directory "
      "cannot be used, the call fails with status 125.",
      {
          OptionSpec::integer("limit", "Calls of this chain that may run at once.")
              .at_least(1)
              .at_most(1000),
          OptionSpec::boolean("per_source",
                              "true: each calling qube has its own `limit`; false: all callers "
                              "share one.")
              .with_default(false),
          OptionSpec::number("reject_delay",
                             "Seconds a refused call waits before it is answered, to slow down a "
                             "caller that retries at once (answered at once when the caller "
                             "leaves first).")
              .with_default(0.0)
              .at_least(0)
              .at_most(60),
      },
      [](const PluginOptions& options) { return std::make_unique<MaxConn>(options); },
  };
}

}  // namespace

QREXEC_PROXY_REGISTER_PLUGIN(describe_max_conn);

}  // namespace qrexec_proxy
