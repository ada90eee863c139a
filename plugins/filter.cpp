// filter: checks the bytes of a call line by line (charset, line length,
// denied patterns) and aborts the call or drops the offending lines.
#include "log/log_text.hpp"
#include "plugin_api/registry.hpp"

#include <re2/re2.h>

#include <array>
#include <cstdio>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace qrexec_proxy {
namespace {

enum class Charset : std::uint8_t { any, printable, utf8 };
enum class Action : std::uint8_t { abort, drop };
enum class Checked : std::uint8_t { src2dst, dst2src, both };

constexpr std::int64_t kMaxLineLimit = 16 * 1024 * 1024;
// Room beyond one held line, so the proxy keeps reading while it waits
// for the line's end.
constexpr std::size_t kHoldSlack = 64 * 1024;
// The longest UTF-8 sequence: what the streaming check may hold back.
constexpr std::size_t kMaxUtf8Sequence = 4;

constexpr std::array<bool, 256> make_printable_table() {
  std::array<bool, 256> table{};
  for (int c = 0x20; c <= 0x7e; ++c) table[static_cast<std::size_t>(c)] = true;
  table['\t'] = table['\n'] = table['\r'] = true;
  return table;
}
constexpr std::array<bool, 256> kPrintable = make_printable_table();

// The UTF-8 sequence at the start of `bytes` (not empty), after Unicode's
// table of well-formed sequences (no overlong forms, no surrogates, nothing
// above U+10FFFF): its length, 0 if it is invalid, or -1 if it is valid so
// far but cut short by the end of `bytes`.
int utf8_sequence(const unsigned char* bytes, std::size_t size) {
  const unsigned lead = bytes[0];
  if (lead < 0x80) return 1;
  int length = 0;
  unsigned low = 0x80;
  unsigned high = 0xbf;
  if (lead >= 0xc2 && lead <= 0xdf) {
    length = 2;
  } else if (lead >= 0xe0 && lead <= 0xef) {
    length = 3;
    if (lead == 0xe0) low = 0xa0;
    if (lead == 0xed) high = 0x9f;
  } else if (lead >= 0xf0 && lead <= 0xf4) {
    length = 4;
    if (lead == 0xf0) low = 0x90;
    if (lead == 0xf4) high = 0x8f;
  } else {
    return 0;
  }
  for (int k = 1; k < length; ++k) {
    if (static_cast<std::size_t>(k) >= size) return -1;
    const unsigned next = bytes[k];
    if (next < (k == 1 ? low : 0x80) || next > (k == 1 ? high : 0xbf)) return 0;
  }
  return length;
}

std::string byte_text(unsigned value) {
  char text[8];
  std::snprintf(text, sizeof text, "0x%02x", value);
  return text;
}

RE2::Options pattern_options() {
  RE2::Options options;
  options.set_log_errors(false);  // RE2 would write to stderr, which reaches the caller
  return options;
}

struct Rules {
  Charset charset = Charset::any;
  std::int64_t max_line = -1;  // -1: no limit
  Action action = Action::abort;
  std::vector<std::string> deny_text;
  std::vector<std::unique_ptr<RE2>> deny;

  // Deny patterns need whole lines, and a line to drop must not have been
  // passed in part: then each line is held until it is complete.
  bool holds_lines() const { return !deny_text.empty() || action == Action::drop; }
};

Rules read_rules(const PluginOptions& options) {
  Rules rules;
  rules.charset = options.choice<Charset>("charset");
  rules.max_line = options.integer("max_line");
  rules.action = options.choice<Action>("action");
  rules.deny_text = options.string_list("deny");
  return rules;
}

std::optional<OptionError> validate_filter(const PluginOptions& options) {
  const Rules rules = read_rules(options);
  for (const std::string& pattern : rules.deny_text) {
    const RE2 compiled(pattern, pattern_options());
    if (!compiled.ok())
      return OptionError{"deny", "pattern \"" + escape_for_log(pattern) +
                                     "\" is not a valid RE2 expression: " + compiled.error()};
  }
  if (rules.holds_lines() && rules.max_line < 0)
    return OptionError{"max_line",
                       "must be set when deny is not empty or action is drop: each line is held "
                       "until it is checked, and max_line bounds the memory that takes"};
  return std::nullopt;
}

class Filter final : public Plugin {
 public:
  explicit Filter(const PluginOptions& options) : rules_(read_rules(options)) {
    for (const std::string& pattern : rules_.deny_text)
      rules_.deny.push_back(std::make_unique<RE2>(pattern, pattern_options()));
    const Checked checked = options.choice<Checked>("direction");
    active_[index_of(Direction::src2dst)] = checked != Checked::dst2src;
    active_[index_of(Direction::dst2src)] = checked != Checked::src2dst;
  }

  DataNeeds needs(Direction direction) const override {
    if (!active_[index_of(direction)]) return {};
    if (rules_.holds_lines())
      return {true, rules_.action == Action::drop,
              static_cast<std::size_t>(rules_.max_line) + 1 + kHoldSlack};
    return {true, false, rules_.charset == Charset::utf8 ? kMaxUtf8Sequence : 0};
  }

  Verdict on_data(PluginContext& context, const DataView& data) override {
    DirectionState& state = state_[index_of(data.direction)];
    if (!active_[index_of(data.direction)] || state.aborted) return Verdict::pass(data.size);
    const Verdict verdict =
        rules_.holds_lines() ? check_lines(context, data) : check_stream(context, data);
    // An abort ends the call before this verdict counts. Should the call go
    // on all the same (the engine may only record what a plugin would do),
    // the direction must not stall: from here on it passes unchecked.
    if (state.aborted) return Verdict::pass(data.size);
    if (verdict.kind() != Verdict::Kind::cut) state.offset += verdict.count();
    return verdict;
  }

  void on_end(PluginContext& context, Direction direction) override {
    const std::uint64_t dropped = state_[index_of(direction)].dropped_lines;
    if (dropped > 0)
      context.log(Priority::notice, "filter: dropped " + std::to_string(dropped) + " " +
                                        std::string(to_string(direction)) +
                                        (dropped == 1 ? " line" : " lines") + " in all");
  }

 private:
  struct DirectionState {
    std::uint64_t offset = 0;       // stream offset of the bytes offered next
    std::uint64_t line_length = 0;  // streaming: bytes of the current line passed so far
    std::size_t scanned = 0;        // lines: bytes of the held line known to hold no '\n'
    bool discarding = false;        // lines: dropping the rest of an offending line
    std::uint64_t dropped_lines = 0;
    bool aborted = false;  // asked for the call's abort
  };

  // Streaming check (charset and max_line, action abort): bytes pass as
  // soon as they are checked; only a UTF-8 sequence cut by the chunk's end
  // waits for its next bytes.
  Verdict check_stream(PluginContext& context, const DataView& data) {
    DirectionState& state = state_[index_of(data.direction)];
    const auto* untrusted = reinterpret_cast<const unsigned char*>(data.untrusted_bytes.data());
    const std::size_t size = data.untrusted_bytes.size();
    std::uint64_t line_length = state.line_length;
    std::size_t at = 0;
    while (at < size) {
      const unsigned byte = untrusted[at];
      std::size_t length = 1;
      if (rules_.charset == Charset::utf8 && byte >= 0x80) {
        const int sequence = utf8_sequence(untrusted + at, size - at);
        if (sequence < 0 && !data.end_of_stream) break;  // the rest is on its way
        if (sequence <= 0)
          return violation(context, data.direction, state.offset + at,
                           sequence < 0 ? "a UTF-8 sequence cut short by the end of the stream"
                                        : "invalid UTF-8");
        length = static_cast<std::size_t>(sequence);
      } else if (rules_.charset == Charset::printable && !kPrintable[byte]) {
        return violation(context, data.direction, state.offset + at,
                         "byte " + byte_text(byte) + " is not printable");
      }
      if (byte == '\n') {
        line_length = 0;
      } else if (rules_.max_line >= 0 &&
                 (line_length += length) > static_cast<std::uint64_t>(rules_.max_line)) {
        return violation(context, data.direction, state.offset + at, too_long());
      }
      at += length;
    }
    state.line_length = line_length;
    return Verdict::pass(at);
  }

  // Line check (deny or action drop): a line passes once it is complete
  // ('\n' or end of stream) and has been found good.
  Verdict check_lines(PluginContext& context, const DataView& data) {
    DirectionState& state = state_[index_of(data.direction)];
    const auto* untrusted = reinterpret_cast<const unsigned char*>(data.untrusted_bytes.data());
    const std::size_t size = data.untrusted_bytes.size();
    if (state.discarding) return discard_line(state, untrusted, size);
    const auto max_line = static_cast<std::size_t>(rules_.max_line);
    std::size_t start = 0;  // of the line being checked
    while (start < size) {
      // A good line has at most max_line bytes before its '\n'.
      const std::size_t window_end = std::min(size, start + max_line + 1);
      const std::size_t search_from = start + (start == 0 ? state.scanned : 0);
      const void* newline = search_from < window_end ? std::memchr(untrusted + search_from, '\n',
                                                                   window_end - search_from)
                                                     : nullptr;
      std::size_t line_end = size;
      std::optional<std::string> problem;
      if (newline != nullptr) {
        line_end = static_cast<std::size_t>(static_cast<const unsigned char*>(newline) - untrusted);
        problem = check_line(untrusted + start, line_end - start);
      } else if (window_end - start > max_line) {
        problem = too_long();
      } else if (data.end_of_stream) {
        problem = check_line(untrusted + start, size - start);  // the last line, without '\n'
      } else {
        state.scanned = size - start;  // wait for the line's end
        return Verdict::pass(start);
      }
      if (problem) {
        state.scanned = 0;
        // Good lines go first; the offending one is offered again alone.
        if (start > 0) return Verdict::pass(start);
        return violating_line(context, data.direction, state, untrusted, size, line_end, *problem);
      }
      start = newline != nullptr ? line_end + 1 : size;
    }
    state.scanned = 0;
    return Verdict::pass(size);
  }

  // The line at the start of the bytes offends: abort, or drop it whole.
  Verdict violating_line(PluginContext& context, Direction direction, DirectionState& state,
                         const unsigned char* untrusted, std::size_t size, std::size_t line_end,
                         const std::string& problem) {
    if (rules_.action == Action::abort) return violation(context, direction, state.offset, problem);
    if (state.dropped_lines++ == 0)
      context.log(Priority::notice, "filter: dropped a " + std::string(to_string(direction)) +
                                        " line at byte " + std::to_string(state.offset) + ": " +
                                        problem + " (further drops are only counted)");
    if (line_end < size) return Verdict::drop(line_end + 1);  // the line and its '\n'
    // The line goes on beyond what is here (too long): drop until its end.
    state.discarding = true;
    return discard_line(state, untrusted, size);
  }

  Verdict discard_line(DirectionState& state, const unsigned char* untrusted, std::size_t size) {
    if (const void* newline = std::memchr(untrusted, '\n', size)) {
      state.discarding = false;
      return Verdict::drop(
          static_cast<std::size_t>(static_cast<const unsigned char*>(newline) - untrusted) + 1);
    }
    return Verdict::drop(size);
  }

  // What is wrong with one whole line (without its '\n'), if anything.
  std::optional<std::string> check_line(const unsigned char* untrusted_line,
                                        std::size_t size) const {
    if (rules_.charset == Charset::printable) {
      for (std::size_t i = 0; i < size; ++i)
        if (!kPrintable[untrusted_line[i]])
          return "byte " + byte_text(untrusted_line[i]) + " is not printable";
    } else if (rules_.charset == Charset::utf8) {
      for (std::size_t i = 0; i < size;) {
        const int sequence = utf8_sequence(untrusted_line + i, size - i);
        if (sequence <= 0) return std::string("invalid UTF-8");
        i += static_cast<std::size_t>(sequence);
      }
    }
    const re2::StringPiece untrusted_text(reinterpret_cast<const char*>(untrusted_line), size);
    for (std::size_t i = 0; i < rules_.deny.size(); ++i)
      if (RE2::PartialMatch(untrusted_text, *rules_.deny[i]))
        return "the line matches deny pattern #" + std::to_string(i) + " \"" +
               escape_for_log(rules_.deny_text[i]) + "\"";
    return std::nullopt;
  }

  std::string too_long() const {
    return "a line is longer than max_line (" + std::to_string(rules_.max_line) + " bytes)";
  }

  Verdict violation(PluginContext& context, Direction direction, std::uint64_t offset,
                    const std::string& problem) {
    const std::string reason = "filter: " + std::string(to_string(direction)) + " at byte " +
                               std::to_string(offset) + ": " + problem;
    context.log(Priority::warning, reason + ", aborting the call");
    state_[index_of(direction)].aborted = true;
    context.abort(reason);
    return Verdict::hold();
  }

  Rules rules_;
  std::array<bool, 2> active_{};
  std::array<DirectionState, 2> state_{};
};

PluginDescriptor describe_filter() {
  PluginDescriptor descriptor{
      "filter",
      "Checks the bytes of a call line by line: charset, line length, denied patterns.",
      "Lines end with '\\n' (a last line may end with the stream); each direction is checked "
      "on its own. A line offends when it holds a byte outside `charset`, is longer than "
      "`max_line`, or matches a `deny` pattern. Charsets: `any` accepts every byte; `printable` "
      "accepts printable ASCII (0x20 to 0x7e), tab, '\\n' and '\\r'; `utf8` accepts well-formed "
      "UTF-8 only (no overlong forms, no surrogates, nothing above U+10FFFF; control characters "
      "are UTF-8 too). Deny patterns are matched with RE2, whose time is linear in the line's "
      "length whatever the pattern, against each line without its '\\n' as UTF-8 text: a pattern "
      "matches anywhere in the line unless anchored with `^` and `$`, `(?i)` makes it "
      "case-insensitive, and a byte that is not part of well-formed UTF-8 is matched only by "
      "`\\C` (any byte). When `deny` is not empty or `action` is drop, each line is held in the "
      "proxy until it has ended and has been checked, so bytes reach the receiver a line at a "
      "time and no byte of an offending line ever does; a line is known to be too long once "
      "`max_line` + 1 of its bytes have come. Otherwise bytes pass as soon as they are checked "
      "and only a UTF-8 character cut by a read waits for its end: the bytes of an offending "
      "line before the offending byte may have reached the receiver. With `action` abort, the "
      "first offending line aborts the whole call (status 124; the journal names the direction, "
      "the byte offset and the rule). With `action` drop, each offending line is left out whole, "
      "with its '\\n' and any part beyond `max_line`; the first one of each direction is logged "
      "and the call goes on. The filtered directions are copied through the proxy's memory; the "
      "others move without copies.",
      {
          OptionSpec::choice<Charset>(
              "charset", "Bytes every line must be made of.",
              {{"any", Charset::any}, {"printable", Charset::printable}, {"utf8", Charset::utf8}})
              .with_default("any"),
          OptionSpec::integer("max_line",
                              "Bytes a line may hold, its '\\n' not counted. Must be set when "
                              "`deny` is not empty or `action` is drop.")
              .with_default(-1)
              .at_least(1)
              .at_most(static_cast<double>(kMaxLineLimit))
              .or_off(-1, "no limit"),
          OptionSpec::string_list("deny",
                                  "Regular expressions (RE2 syntax); a line that matches any of "
                                  "them offends. Checked at load: a pattern that does not compile "
                                  "is a config error.")
              .with_default(std::vector<std::string>{}),
          OptionSpec::choice<Checked>("direction",
                                      "The direction(s) checked; the others pass unchecked.",
                                      {{"src2dst", Checked::src2dst},
                                       {"dst2src", Checked::dst2src},
                                       {"both", Checked::both}})
              .with_default("both"),
          OptionSpec::choice<Action>("action",
                                     "What an offending line does: abort the call, or be dropped.",
                                     {{"abort", Action::abort}, {"drop", Action::drop}})
              .with_default("abort"),
      },
      [](const PluginOptions& options) { return std::make_unique<Filter>(options); },
  };
  descriptor.validate = validate_filter;
  return descriptor;
}

}  // namespace

QREXEC_PROXY_REGISTER_PLUGIN(describe_filter);

}  // namespace qrexec_proxy
