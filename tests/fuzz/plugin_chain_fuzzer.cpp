// Every registered plugin's data handling, through the real Flow: the
// fuzzer picks a chain of registry plugins (options fuzzed within their
// declared types, or the defaults), then plays the two ends of a call:
// chunks written in either direction, receivers that read, stall or go
// away, senders that end their stream, time that passes. Plugins added to
// the registry later take part without any change here.
//
// The plugins are wired to the flows as the engine wires them (Call): one
// context per chain position, dst2src stages in reverse order, requests
// made during admission applied once the flows exist, the same choice of
// fifo. Time is simulated, so timers fire at once when it moves.
//
// Properties checked besides "no crash, no sanitizer finding, no hang":
//  - bytes reach a receiver only if every plugin of the chain passed them:
//    what a plugin cut or held never arrives (in audit mode, a drop or a
//    cut is only reported, and the bytes pass);
//  - when no plugin of a direction drops bytes, the receiver gets a prefix
//    of what the sender sent (as rewritten by plugins that read bytes),
//    and a plugin that reads bytes is offered exactly the bytes the stages
//    before it passed, in order;
//  - no data after a stage's end of stream, and end of stream once only;
//  - once both senders have ended, the receivers read and every timer has
//    fired, both directions come to their end: a chain never stalls;
//  - counts add up: received + injected = delivered + dropped at the end;
//  - in a direction where a plugin injects bytes of its own, the bytes
//    arriving are no longer a prefix of those sent, and plugins before the
//    injecting one pass fewer than arrive: those two checks are left out.
//  - no control byte in a plugin's log records (the journal must not get
//    any, whatever the bytes that passed).
#include "capabilities/file_sinks.hpp"
#include "capabilities/shared_state.hpp"
#include "engine/flow.hpp"
#include "engine/timer_set.hpp"
#include "fuzz_check.hpp"
#include "io/pipe_fifo.hpp"
#include "io/ring_fifo.hpp"
#include "plugin_api/options.hpp"
#include "plugin_api/registry.hpp"

#include <fuzzer/FuzzedDataProvider.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <fcntl.h>
#include <unistd.h>

namespace {

using namespace qrexec_proxy;
using nlohmann::json;

constexpr std::size_t kMaxPlugins = 5;
constexpr int kMaxSteps = 96;
constexpr int kMaxEndRounds = 20000;
constexpr std::size_t kMaxChunk = 24 * 1024;

std::filesystem::path& state_root() {
  static std::filesystem::path root;
  return root;
}

void check_log_text(std::string_view text) {
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    FUZZ_CHECK(byte >= 0x20 && byte != 0x7f);
  }
}

// A fuzzed value of the kind `spec` declares (sometimes out of its range,
// which validation must then refuse).
json fuzzed_value(const OptionSpec& spec, FuzzedDataProvider& input) {
  switch (spec.type) {
    case OptionType::integer: {
      const double low = spec.minimum.value_or(-1e6), high = spec.maximum.value_or(1 << 20);
      switch (input.ConsumeIntegralInRange(0, 3)) {
        case 0:
          return spec.off_value ? json(static_cast<std::int64_t>(*spec.off_value)) : json(0);
        case 1:
          return static_cast<std::int64_t>(low);
        case 2:
          return input.ConsumeIntegral<std::int64_t>();
        default:
          return input.ConsumeIntegralInRange<std::int64_t>(static_cast<std::int64_t>(low),
                                                            static_cast<std::int64_t>(high));
      }
    }
    case OptionType::number: {
      const double low = spec.minimum.value_or(-10), high = spec.maximum.value_or(100);
      if (input.ConsumeBool() && spec.off_value) return *spec.off_value;
      return input.ConsumeFloatingPointInRange(low, std::max(low, high));
    }
    case OptionType::boolean:
      return input.ConsumeBool();
    case OptionType::string:
      return input.ConsumeRandomLengthString(32);
    case OptionType::choice:
      if (!spec.choices.empty() && input.ConsumeIntegralInRange(0, 7) != 0)
        return spec.choices[input.ConsumeIntegralInRange<std::size_t>(0, spec.choices.size() - 1)];
      return input.ConsumeRandomLengthString(16);
    case OptionType::string_list: {
      json list = json::array();
      for (int i = input.ConsumeIntegralInRange(0, 3); i > 0; --i)
        list.push_back(input.ConsumeRandomLengthString(16));
      return list;
    }
  }
  return nullptr;
}

// Options for `descriptor`: the defaults, or fuzzed ones when they pass the
// same validation the config loader applies.
std::optional<PluginOptions> fuzzed_options(const PluginDescriptor& descriptor,
                                            FuzzedDataProvider& input) {
  json config = json::object();
  if (input.ConsumeBool()) {
    for (const auto& spec : descriptor.options)
      if (input.ConsumeBool()) config[spec.name] = fuzzed_value(spec, input);
  }
  // Directories the plugin would write to (record's dir, count's
  // state_dir) stay in the run's scratch directory, whatever the input.
  for (const auto& spec : descriptor.options)
    if (spec.name == "dir" || spec.name == "state_dir")
      config[spec.name] = (state_root() / "files").string();
  if (input.ConsumeBool()) config[std::string(kModeOption)] = "audit";
  // Exactly what the config loader accepts: the options, then the plugin's
  // own check of them; otherwise the defaults.
  auto accept = [&](const json& candidate) -> std::optional<PluginOptions> {
    auto validated = configure_plugin(descriptor, candidate);
    auto* options = std::get_if<PluginOptions>(&validated);
    if (options == nullptr) return std::nullopt;
    return *options;
  };
  if (auto options = accept(config)) return options;
  json defaults = json::object();
  for (const auto& spec : descriptor.options)
    if (spec.name == "dir" || spec.name == "state_dir") defaults[spec.name] = config[spec.name];
  return accept(defaults);  // none: a required option, nothing to fuzz it with
}

struct PipeEnds {
  int read = -1;
  int write = -1;
  bool open() {
    int ends[2];
    if (::pipe2(ends, O_CLOEXEC | O_NONBLOCK) != 0) return false;
    read = ends[0];
    write = ends[1];
    return true;
  }
  static void close_end(int& fd) {
    if (fd >= 0) ::close(fd);
    fd = -1;
  }
  ~PipeEnds() {
    close_end(read);
    close_end(write);
  }
};

class ChainRun;

// What the flow calls: the plugin, watched. Records what the plugin passed
// so the properties can be checked.
class Probe final : public Plugin {
 public:
  Probe(Plugin& inner, ChainRun& run, std::size_t index)
      : inner_(inner), run_(run), index_(index) {}

  DataNeeds needs(Direction direction) const override { return inner_.needs(direction); }
  Verdict on_data(PluginContext& context, const DataView& data) override;
  void on_end(PluginContext& context, Direction direction) override {
    Seen& seen = seen_[index_of(direction)];
    FUZZ_CHECK(!seen.ended);
    seen.ended = true;
    inner_.on_end(context, direction);
  }
  void on_drained(PluginContext& context, Direction direction) override {
    inner_.on_drained(context, direction);
  }

  struct Seen {
    std::uint64_t passed = 0;   // bytes this plugin passed on
    std::uint64_t offered = 0;  // position in its own input (passed + dropped)
    std::string content;        // what it passed, when it reads bytes
    bool ended = false;
    bool passes_all = false;  // audited, it answered cut: bytes pass it unseen
  };
  const Seen& seen(Direction direction) const { return seen_[index_of(direction)]; }

 private:
  Plugin& inner_;
  ChainRun& run_;
  std::size_t index_;
  std::array<Seen, 2> seen_;
};

// One call's worth of chain, flows, ends and time.
class ChainRun {
 public:
  class Context;

  explicit ChainRun(FuzzedDataProvider& input) : input_(input), state_(state_root()) {}
  ~ChainRun();

  bool build();
  void play();

  std::size_t size() const { return plugins_.size(); }
  std::size_t stage_of(std::size_t index, Direction direction) const {
    return direction == Direction::src2dst ? index : plugins_.size() - 1 - index;
  }
  // The bytes a plugin reading at `stage` must be offered: what the closest
  // reading stage before it passed, or what the sender sent.
  const std::string& upstream_content(Direction direction, std::size_t stage) const;
  // Whether what arrives may differ from a prefix of what was sent.
  bool drops(Direction direction) const {
    return drops_[index_of(direction)] || injects_[index_of(direction)];
  }
  bool audited(std::size_t index) const { return audited_[index]; }

 private:
  friend class Context;
  bool make_flow(Direction direction);
  bool pump();  // whether anything moved
  void fire_timers();
  void write_chunk(Direction direction);
  void read_receiver(Direction direction, std::size_t max);
  void check();

  FuzzedDataProvider& input_;
  SharedState state_;
  FileSinks files_;
  TimerSet timers_;
  Clock::time_point now_{};
  CallInfo info_{"fuzz", "src", "dst", "fuzz.Service"};
  std::vector<std::unique_ptr<Plugin>> plugins_;
  std::vector<bool> audited_;
  std::vector<std::unique_ptr<Probe>> probes_;
  std::vector<std::unique_ptr<Context>> contexts_;
  std::vector<std::string> names_;
  struct Early {
    std::size_t plugin;
    Direction direction;
    bool cut;  // else pause
  };
  std::vector<Early> early_;
  bool aborted_ = false;

  std::array<std::unique_ptr<Flow>, 2> flows_;
  std::array<PipeEnds, 2> senders_;    // we write .write, the flow reads .read
  std::array<PipeEnds, 2> receivers_;  // the flow writes .write, we read .read
  std::array<std::string, 2> sent_;
  std::array<std::string, 2> received_;
  std::array<bool, 2> drops_{};
  std::array<bool, 2> injects_{};
  std::array<bool, 2> receiver_gone_{};
};

class ChainRun::Context final : public PluginContext {
 public:
  Context(ChainRun& run, std::size_t index) : run_(run), index_(index) {}

  const CallInfo& call() const override { return run_.info_; }
  Clock::time_point now() const override { return run_.now_; }
  TimerId start_timer(Clock::duration delay) override {
    return run_.timers_.start(index_, run_.now_ + std::max(delay, Clock::duration::zero()));
  }
  void cancel_timer(TimerId id) override { run_.timers_.cancel(id); }
  void log(Priority, std::string_view message, std::span<const LogField> fields) override {
    check_log_text(message);
    for (const auto& field : fields) {
      FUZZ_CHECK(!field.name.empty());
      check_log_text(field.value);
    }
  }
  void abort(std::string_view) override { run_.aborted_ = true; }
  void cut(Direction direction) override {
    if (Flow* flow = run_.flows_[index_of(direction)].get())
      flow->cut(run_.stage_of(index_, direction));
    else
      run_.early_.push_back({index_, direction, true});
  }
  void wake(Direction direction) override {
    if (Flow* flow = run_.flows_[index_of(direction)].get()) flow->wake();
  }
  void pause_input(Direction direction, bool paused) override {
    if (Flow* flow = run_.flows_[index_of(direction)].get()) {
      flow->pause_input(run_.stage_of(index_, direction), paused);
    } else if (paused) {
      run_.early_.push_back({index_, direction, false});
    } else {
      std::erase_if(run_.early_, [&](const Early& early) {
        return early.plugin == index_ && early.direction == direction && !early.cut;
      });
    }
  }
  void notify_when_drained(Direction direction) override {
    if (Flow* flow = run_.flows_[index_of(direction)].get())
      flow->notify_when_drained(run_.stage_of(index_, direction));
  }
  bool inject(Direction direction, std::span<const std::byte> bytes) override {
    if (run_.audited_[index_]) return true;  // reported, not done (PluginHandle)
    Flow* flow = run_.flows_[index_of(direction)].get();
    return flow != nullptr && flow->inject(run_.stage_of(index_, direction), bytes);
  }
  SharedState& shared_state() override { return run_.state_; }
  bool audit_mode() const override { return run_.audited_[index_]; }
  void audit(std::string_view action, std::string_view what) override {
    FUZZ_CHECK(!action.empty());
    check_log_text(what);
  }
  FileSinks& file_sinks() override { return run_.files_; }

 private:
  ChainRun& run_;
  std::size_t index_;
};

Verdict Probe::on_data(PluginContext& context, const DataView& data) {
  const Direction direction = data.direction;
  Seen& seen = seen_[index_of(direction)];
  FUZZ_CHECK(!seen.ended);
  FUZZ_CHECK(data.size > 0);
  const bool reads = !data.untrusted_bytes.empty();
  if (reads) {
    FUZZ_CHECK(data.untrusted_bytes.size() == data.size);
    if (!run_.drops(direction)) {
      const std::string& expected =
          run_.upstream_content(direction, run_.stage_of(index_, direction));
      FUZZ_CHECK(seen.offered + data.size <= expected.size());
      FUZZ_CHECK(
          std::memcmp(data.untrusted_bytes.data(), expected.data() + seen.offered, data.size) == 0);
    }
  }
  const Verdict verdict = inner_.on_data(context, data);
  const std::uint64_t count = std::min<std::uint64_t>(verdict.count(), data.size);
  if (verdict.kind() == Verdict::Kind::pass) {
    // Read after the plugin answered: a plugin may rewrite what it passes.
    if (reads)
      seen.content.append(reinterpret_cast<const char*>(data.untrusted_bytes.data()),
                          static_cast<std::size_t>(count));
    seen.passed += count;
    seen.offered += count;
  } else if (verdict.kind() == Verdict::Kind::drop) {
    seen.offered += count;
    // Audited, a drop is only reported: the flow passes the bytes on.
    if (run_.audited(index_)) {
      if (reads)
        seen.content.append(reinterpret_cast<const char*>(data.untrusted_bytes.data()),
                            static_cast<std::size_t>(count));
      seen.passed += count;
    }
  } else if (run_.audited(index_)) {
    // An audited cut: from here on the flow passes every byte on without
    // offering it to the plugin.
    seen.passes_all = true;
  }
  return verdict;
}

const std::string& ChainRun::upstream_content(Direction direction, std::size_t stage) const {
  for (std::size_t earlier = stage; earlier-- > 0;) {
    const std::size_t index =
        direction == Direction::src2dst ? earlier : plugins_.size() - 1 - earlier;
    if (plugins_[index]->needs(direction).reads_bytes)
      return probes_[index]->seen(direction).content;
  }
  return sent_[index_of(direction)];
}

ChainRun::~ChainRun() {
  flows_[0].reset();
  flows_[1].reset();
  // What record wrote in this run: runs are many, files need not pile up.
  std::error_code ignored;
  std::filesystem::remove_all(state_root() / "files", ignored);
}

bool ChainRun::build() {
  const auto all = PluginRegistry::builtin().all();
  if (all.empty()) return false;
  const std::size_t count = input_.ConsumeIntegralInRange<std::size_t>(0, kMaxPlugins);
  for (std::size_t i = 0; i < count; ++i) {
    const PluginDescriptor& descriptor =
        *all[input_.ConsumeIntegralInRange<std::size_t>(0, all.size() - 1)];
    auto options = fuzzed_options(descriptor, input_);
    if (!options) continue;
    plugins_.push_back(descriptor.create(*options));
    FUZZ_CHECK(plugins_.back() != nullptr);
    audited_.push_back(options->audit());
    names_.push_back(descriptor.name);
  }
  for (std::size_t i = 0; i < plugins_.size(); ++i) {
    probes_.push_back(std::make_unique<Probe>(*plugins_[i], *this, i));
    contexts_.push_back(std::make_unique<Context>(*this, i));
  }
  // Admission, as Call::admit: a refusal ends the call before any byte.
  for (std::size_t i = 0; i < plugins_.size(); ++i) {
    const Admission admission = plugins_[i]->on_start(*contexts_[i]);
    if (aborted_ || admission.kind() != Admission::Kind::admit) {
      if (admission.kind() != Admission::Kind::admit) FUZZ_CHECK(!admission.reason().empty());
      return false;
    }
  }
  for (const Direction direction : kBothDirections)
    if (!make_flow(direction)) return false;
  for (const auto& early : early_) {
    if (early.cut)
      flows_[index_of(early.direction)]->cut(stage_of(early.plugin, early.direction));
    else
      flows_[index_of(early.direction)]->pause_input(stage_of(early.plugin, early.direction), true);
  }
  early_.clear();
  return true;
}

bool ChainRun::make_flow(Direction direction) {
  const std::size_t d = index_of(direction);
  if (!senders_[d].open() || !receivers_[d].open()) return false;
  // The engine's choice (Call::make_fifo): in memory when a plugin reads or
  // drops bytes, or when an end cannot splice (fuzzed here); big enough
  // for what all plugins may hold at once.
  bool in_memory = input_.ConsumeIntegralInRange(0, 3) == 0;
  std::size_t hold = 0;
  std::size_t inject = 0;
  for (const auto& plugin : plugins_) {
    const DataNeeds needs = plugin->needs(direction);
    in_memory |= needs.reads_bytes || needs.drops_bytes || needs.hold_bytes > 0 ||
                 needs.inject_bytes > 0;
    drops_[d] |= needs.drops_bytes;
    injects_[d] |= needs.inject_bytes > 0;
    hold += needs.hold_bytes;  // holders in a row hold at once (Call::make_fifo)
    inject += needs.inject_bytes;
  }
  const std::size_t capacity = std::size_t{4096} << input_.ConsumeIntegralInRange(0, 4);
  std::unique_ptr<ByteFifo> fifo;
  if (!in_memory) {
    if (auto pipe = PipeFifo::create(capacity); pipe && pipe->capacity() >= hold)
      fifo = std::make_unique<PipeFifo>(std::move(*pipe));
  }
  if (!fifo) {
    auto ring = RingFifo::create(std::max(capacity, hold) + inject);
    if (!ring) return false;
    fifo = std::make_unique<RingFifo>(std::move(*ring));
  }
  std::vector<FlowStage> stages;
  for (std::size_t stage = 0; stage < plugins_.size(); ++stage) {
    const std::size_t index = direction == Direction::src2dst ? stage : plugins_.size() - 1 - stage;
    const DataNeeds needs = plugins_[index]->needs(direction);
    stages.push_back({probes_[index].get(), contexts_[index].get(), needs.reads_bytes,
                      audited_[index], needs.inject_bytes});
  }
  flows_[d] = std::make_unique<Flow>(direction, std::move(fifo), std::move(stages),
                                     senders_[d].read, receivers_[d].write,
                                     [this, d] { PipeEnds::close_end(receivers_[d].write); });
  return true;
}

bool ChainRun::pump() {
  bool changed = true;
  bool moved = false;
  for (int round = 0; changed && !aborted_ && round < 10000; ++round) {
    changed = false;
    for (auto& flow : flows_) {
      flow->set_input_ready();
      flow->set_output_ready();
      changed |= flow->pump(aborted_);
    }
    moved |= changed;
    check();
  }
  return moved;
}

void ChainRun::fire_timers() {
  while (!aborted_) {
    const auto due = timers_.pop_due(now_);
    if (!due) return;
    plugins_[due->owner]->on_timer(*contexts_[due->owner], due->id);
  }
}

void ChainRun::write_chunk(Direction direction) {
  const std::size_t d = index_of(direction);
  if (senders_[d].write < 0) return;
  const std::size_t size = input_.ConsumeIntegralInRange<std::size_t>(1, kMaxChunk);
  std::string chunk = input_.ConsumeBytesAsString(std::min<std::size_t>(size, 64));
  if (chunk.empty()) chunk = "x";
  while (chunk.size() < size) chunk += chunk.substr(0, size - chunk.size());
  const ssize_t put = ::write(senders_[d].write, chunk.data(), chunk.size());
  if (put > 0) sent_[d].append(chunk, 0, static_cast<std::size_t>(put));
}

void ChainRun::read_receiver(Direction direction, std::size_t max) {
  const std::size_t d = index_of(direction);
  char buffer[16384];
  while (receivers_[d].read >= 0 && max > 0) {
    const ssize_t got = ::read(receivers_[d].read, buffer, std::min(max, sizeof buffer));
    if (got <= 0) return;
    received_[d].append(buffer, static_cast<std::size_t>(got));
    max -= static_cast<std::size_t>(got);
  }
}

void ChainRun::check() {
  for (const Direction direction : kBothDirections) {
    const std::size_t d = index_of(direction);
    const Flow& flow = *flows_[d];
    const FlowStats& stats = flow.stats();
    FUZZ_CHECK(stats.delivered + stats.dropped <= stats.received + stats.injected);
    FUZZ_CHECK(stats.received <= sent_[d].size());
    // Nothing reaches the receiver that some plugin did not pass.
    if (!injects_[d])
      for (const auto& probe : probes_)
        FUZZ_CHECK(probe->seen(direction).passes_all ||
                   stats.delivered <= probe->seen(direction).passed);
    if (!drops(direction)) {
      // What arrived is what was sent, as rewritten by readers.
      const std::string& expected = upstream_content(direction, plugins_.size());
      FUZZ_CHECK(received_[d].size() <= expected.size());
      FUZZ_CHECK(std::memcmp(received_[d].data(), expected.data(), received_[d].size()) == 0);
    }
  }
}

void ChainRun::play() {
  for (int step = 0; step < kMaxSteps && input_.remaining_bytes() > 0 && !aborted_; ++step) {
    const Direction direction = input_.ConsumeBool() ? Direction::src2dst : Direction::dst2src;
    const std::size_t d = index_of(direction);
    switch (input_.ConsumeIntegralInRange(0, 7)) {
      case 0:
      case 1:
        write_chunk(direction);
        break;
      case 2:  // the sender ends its stream
        PipeEnds::close_end(senders_[d].write);
        break;
      case 3:
      case 4:
        read_receiver(direction, input_.ConsumeIntegralInRange<std::size_t>(0, 3 * kMaxChunk));
        break;
      case 5:  // time passes
        now_ += std::chrono::milliseconds(input_.ConsumeIntegralInRange(0, 5000));
        fire_timers();
        break;
      case 6:  // the receiver goes away
        if (input_.ConsumeIntegralInRange(0, 3) == 0) {
          PipeEnds::close_end(receivers_[d].read);
          receiver_gone_[d] = true;
        }
        break;
      default:  // the receiver stalls: nothing read this step
        break;
    }
    pump();
  }
  if (aborted_) return;

  // The end: both senders finish, the receivers read everything, time runs
  // out for every timer. Both directions must then end. A round in which
  // nothing moves and no timer is left is a stall. Chains of holders with
  // tiny buffers and long delays move a byte per timer: when they are still
  // moving after kMaxEndRounds, the run ends there, unjudged.
  for (auto& sender : senders_) PipeEnds::close_end(sender.write);
  for (int round = 0; !aborted_; ++round) {
    if (round == kMaxEndRounds) return;
    for (const Direction direction : kBothDirections) read_receiver(direction, SIZE_MAX);
    const bool moved = pump();
    if (flows_[0]->finished() && flows_[1]->finished()) break;
    if (const auto next = timers_.next_deadline()) {
      now_ = std::max(now_, *next);
      fire_timers();
    } else if (!moved) {
      break;  // stalled: the checks below say so
    }
  }
  if (aborted_) return;
  for (const Direction direction : kBothDirections) {
    const std::size_t d = index_of(direction);
    read_receiver(direction, SIZE_MAX);
    FUZZ_CHECK(flows_[d]->finished());
    const FlowStats& stats = flows_[d]->stats();
    FUZZ_CHECK(stats.received == sent_[d].size());
    if (receiver_gone_[d]) continue;
    FUZZ_CHECK(stats.received + stats.injected == stats.delivered + stats.dropped);
    FUZZ_CHECK(received_[d].size() == stats.delivered);
    if (injects_[d]) continue;
    // Everything every plugin passed has arrived. A plugin that made an
    // audited cut counts no more: the bytes after it pass unseen, as in check().
    std::uint64_t least_passed = stats.received;
    for (const auto& probe : probes_)
      if (!probe->seen(direction).passes_all)
        least_passed = std::min(least_passed, probe->seen(direction).passed);
    FUZZ_CHECK(stats.delivered == least_passed);
  }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  // A receiver that went away must be an EPIPE, as in the service.
  ::signal(SIGPIPE, SIG_IGN);
  // Stateful plugins keep their state here, for this fuzzing process only.
  char pattern[] = "/tmp/qrexec-proxy-fuzz-state-XXXXXX";
  if (::mkdtemp(pattern) != nullptr) {
    state_root() = pattern;
    std::atexit([] {
      std::error_code ignored;
      std::filesystem::remove_all(state_root(), ignored);
    });
  }
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider input(data, size);
  ChainRun run(input);
  if (run.build()) run.play();
  return 0;
}
