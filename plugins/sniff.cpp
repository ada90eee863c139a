// sniff: logs every byte that passes, per direction, to the journal.
#include "log/log_text.hpp"
#include "plugin_api/registry.hpp"

#include <array>
#include <string>

namespace qrexec_proxy {
namespace {

// Raw bytes per journal record by default: a longer chunk is split. journald
// spends most of its time per record (about 100 us on the development
// machine), so larger records move many times more bytes; beyond about
// 16 KiB its compression of the text starts to cost more than it saves
// (README, "Performance").
constexpr std::int64_t kDefaultRecordBytes = 16 * 1024;
// A rendered record then stays well under 1 MiB (text escapes take up to
// four characters a byte, and the data is in MESSAGE and DATA).
constexpr std::int64_t kMaxRecordBytes = 64 * 1024;
// Records of one call by default: 16 MiB of stream at the default record
// size, well under journald's default burst (10000 records in 30 s for a
// unit), so that a call's other records, its summary first, still get in.
constexpr std::int64_t kDefaultMaxRecords = 1000;

enum class Decode : std::uint8_t { base64, hex, text };

std::string_view decode_name(Decode decode) {
  switch (decode) {
    case Decode::base64:
      return "base64";
    case Decode::hex:
      return "hex";
    case Decode::text:
      return "str";
  }
  return "base64";
}

class Sniff final : public Plugin {
 public:
  explicit Sniff(const PluginOptions& options)
      : decode_(options.choice<Decode>("decode")),
        // Checked at load (validate_sniff), so always found.
        encoding_(text_encoding_from_name(options.string("encoding")).value_or(TextEncoding::utf8)),
        record_bytes_(static_cast<std::size_t>(options.integer("record_bytes"))),
        max_records_(options.integer("max_records")) {
    data_.reserve(4 * record_bytes_);
    message_.reserve(4 * record_bytes_ + 256);
  }

  DataNeeds needs(Direction) const override { return {.reads_bytes = true}; }

  Verdict on_data(PluginContext& context, const DataView& data) override {
    std::uint64_t& offset = offsets_[index_of(data.direction)];
    std::span<const std::byte> rest = data.untrusted_bytes;
    while (!rest.empty()) {
      if (max_records_ >= 0 && records_ >= static_cast<std::uint64_t>(max_records_)) {
        if (records_ == static_cast<std::uint64_t>(max_records_)) {
          ++records_;  // said once
          context.log(Priority::notice, "sniff: max_records (" + std::to_string(max_records_) +
                                            ") reached: nothing more of this call is logged");
        }
        left_out_[index_of(data.direction)] += rest.size();
        offset += rest.size();
        break;
      }
      ++records_;
      const std::size_t length = decode_ == Decode::text
                                     ? text_piece_length(rest, record_bytes_, encoding_)
                                     : std::min(rest.size(), record_bytes_);
      log_piece(context, data.direction, offset, rest.first(length));
      offset += length;
      rest = rest.subspan(length);
    }
    return Verdict::pass(data.size);
  }

  void on_end(PluginContext& context, Direction direction) override {
    const std::uint64_t left_out = left_out_[index_of(direction)];
    if (left_out == 0) return;
    const std::string bytes = std::to_string(left_out);
    const LogField fields[] = {{"DIRECTION", to_string(direction)}, {"LEFT_OUT", bytes}};
    context.log(Priority::notice,
                "sniff: " + bytes + " bytes of " + std::string(to_string(direction)) +
                    " were not logged (max_records)",
                fields);
  }

 private:
  void log_piece(PluginContext& context, Direction direction, std::uint64_t offset,
                 std::span<const std::byte> piece) {
    data_.clear();
    switch (decode_) {
      case Decode::base64:
        append_base64(data_, piece);
        break;
      case Decode::hex:
        append_hex(data_, piece);
        break;
      case Decode::text:
        append_escaped_text(data_, piece, encoding_);
        break;
    }
    // The original's format: (data:CHAIN:SERVICE) SENDER -> RECEIVER: DATA.
    // Every name in it has been validated: none holds a control character.
    const CallInfo& call = context.call();
    const bool forward = direction == Direction::src2dst;
    message_.assign("(data:");
    message_ += call.chain;
    message_ += ':';
    message_ += call.service;
    message_ += ") ";
    message_ += forward ? call.source : call.target;
    message_ += " -> ";
    message_ += forward ? call.target : call.source;
    message_ += ": ";
    message_ += data_;
    const std::string offset_text = std::to_string(offset);
    const std::string length_text = std::to_string(piece.size());
    const LogField fields[] = {
        {"DIRECTION", to_string(direction)},
        {"DECODE", decode_name(decode_)},
        {"OFFSET", offset_text},
        {"LENGTH", length_text},
        {"DATA", data_},
        {"ENCODING", to_string(encoding_)},  // last: for text only
    };
    const std::size_t count = decode_ == Decode::text ? 6 : 5;
    context.log(Priority::info, message_, std::span(fields).first(count));
  }

  Decode decode_;
  TextEncoding encoding_;
  std::size_t record_bytes_;
  std::int64_t max_records_;  // -1: no limit
  std::uint64_t records_ = 0;
  std::array<std::uint64_t, 2> offsets_{};
  std::array<std::uint64_t, 2> left_out_{};  // bytes not logged, per direction
  // Reused for every record, so logging does not allocate once warm.
  std::string data_;
  std::string message_;
};

// encoding: one of the names text_encoding_from_name knows.
std::optional<OptionError> validate_sniff(const PluginOptions& options) {
  const std::string& name = options.string("encoding");
  if (text_encoding_from_name(name)) return std::nullopt;
  return OptionError{"encoding",
                     "must be utf-8, ascii or latin-1, not \"" + escape_for_log(name, 64) + "\""};
}

PluginDescriptor describe_sniff() {
  return {
      "sniff",
      "Logs every byte that passes, in each direction, to the journal.",
      "For debugging and auditing. Each chunk of bytes that passes becomes one journal record "
      "(priority info) with the message `(data:CHAIN:SERVICE) SENDER -> RECEIVER: DATA` and the "
      "fields CHAIN, SOURCE, TARGET, SERVICE, PLUGIN, DIRECTION (src2dst or dst2src), DECODE, "
      "OFFSET (where the chunk starts in its direction's stream), LENGTH (its size in bytes), "
      "DATA, and ENCODING for text. A chunk longer than record_bytes is split into several "
      "records. A call gets at most max_records records (1000 by default): a qube that sends "
      "without end cannot flood the journal. With decode str, "
      "printable characters appear as they are and everything else is escaped: `\\\\`, `\\n`, "
      "`\\r`, `\\t`, `\\xNN` for a byte that is no printable character (control bytes, invalid "
      "text), and `\\uNNNN` (`\\UNNNNNNNN` beyond U+FFFF) for characters that could act on a "
      "reader or hide from one: C1 controls, format characters (bidirectional controls, "
      "zero-width characters, the soft hyphen, the byte order mark, tags), spaces other than "
      "U+0020 and line separators; so no control byte, terminal escape, invisible character or "
      "invalid UTF-8 reaches the journal, and every record "
      "decodes back to exactly the bytes that passed. The bytes pass unchanged. Logging costs a "
      "copy of every byte and a record per chunk, and journald is the bottleneck: it stores some "
      "tens of MiB a second at best, and its rate limit may drop records of a busy call. "
      "journalctl shows the records in full, but in JSON (-o json) a field over 4096 bytes only "
      "with --all; a record_bytes of 1024 or less keeps every field under that.",
      {
          OptionSpec::choice<Decode>("decode",
                                     "How bytes are shown: base64, hex, or str (also string) for "
                                     "text in `encoding`.",
                                     {{"base64", Decode::base64},
                                      {"hex", Decode::hex},
                                      {"str", Decode::text},
                                      {"string", Decode::text}})
              .with_default("base64"),
          OptionSpec::string("encoding",
                             "The text encoding for decode str: utf-8, ascii or latin-1 (Python's "
                             "spellings of these work too, such as utf8, us-ascii, iso-8859-1). "
                             "Ignored for base64 and hex.")
              .with_default("utf-8"),
          OptionSpec::integer("record_bytes",
                              "Most bytes of the stream in one record; a longer chunk is split.")
              .with_default(kDefaultRecordBytes)
              .at_least(16)
              .at_most(static_cast<double>(kMaxRecordBytes)),
          OptionSpec::integer(
              "max_records",
              "Most records of the bytes of one call, both directions together; then one record "
              "says so, and at the end of each direction one more how many bytes were not "
              "logged. Without a limit, the qubes of a call can write to the journal as fast as "
              "they send, and a busy call's records may push others out.")
              .with_default(kDefaultMaxRecords)
              .at_least(1)
              .or_off(-1, "no limit"),
      },
      [](const PluginOptions& options) { return std::make_unique<Sniff>(options); },
      validate_sniff,
  };
}

}  // namespace

QREXEC_PROXY_REGISTER_PLUGIN(describe_sniff);

}  // namespace qrexec_proxy
