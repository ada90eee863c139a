// The qubes.Filecopy stream as qfile-agent sends it: the parser
// (input/filecopy_stream.hpp) and the filecopy plugin, fed untrusted bytes
// in chunks of fuzzed sizes.
//
// Input: 4 control bytes, then the stream.
//   byte 0     bit 0: one_way; bit 1: "hash": "sha256"; bits 2-3: one more
//              rule that refuses entries (none, max_files of bits 4-7,
//              types without symlinks, a deny glob)
//   bytes 1-3  the seed of the chunk sizes (and of the receiver's answer)
// The seed corpus (tests/fuzz/corpus/filecopy) holds real-shaped streams
// behind such a prefix.
//
// Parser properties, besides "no crash, no sanitizer finding":
//  - a step never claims more bytes than it was given, nor content beyond
//    the current file's; at the end of the stream the parser never waits
//    for more;
//  - every accepted entry's path passes filecopy::path_problem, a symlink's
//    target is as long as its header says, a directory has no content;
//  - finished() only once the end marker was consumed;
//  - the stream in one piece, in fuzzed chunks, and in fuzzed chunks with
//    content consumed a fuzzed part at a time give the same entries, the
//    same content, and the same error (or none) at the same offset.
// Plugin properties (src2dst, then the receiver's answer in dst2src):
//  - a verdict never passes more than it was offered, never drops src2dst
//    bytes, and passes nothing once the plugin has aborted the call;
//  - it never holds more than it declared (DataNeeds::hold_bytes): more
//    would stall the engine's buffer;
//  - at the end of the stream everything has passed or the call is
//    aborted; a malformed stream is always aborted, and no byte at or after
//    the entry the parser finds malformed ever passes; a valid stream with
//    no refusing rule passes whole;
//  - each recorded file's size and SHA-256 are those of its content;
//  - one_way: the sender's input is paused at the start, and the answer
//    injected after the end is a success with the CRC-32 of every byte
//    passed; the receiver's answer is dropped, not passed;
//  - no control byte in the plugin's log records;
//  - the stream in one piece and in fuzzed chunks gives the same records
//    and the same abort (or none).
#include "fuzz_check.hpp"
#include "input/filecopy_stream.hpp"
#include "plugin_api/options.hpp"
#include "plugin_api/registry.hpp"
#include "support/null_context.hpp"

#include <nettle/sha2.h>
#include <zlib.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace {

using namespace qrexec_proxy;
namespace fc = qrexec_proxy::filecopy;

constexpr std::size_t kControlBytes = 4;

// Chunk sizes: small ones mostly, sometimes up to 64 KiB.
class Chunker {
 public:
  explicit Chunker(std::uint32_t seed) : state_(seed * 2654435761u + 0x9e3779b9u) {}
  std::uint32_t next() {
    state_ ^= state_ << 13;  // xorshift32
    state_ ^= state_ >> 17;
    state_ ^= state_ << 5;
    return state_;
  }
  std::size_t chunk() {
    const std::uint32_t r = next();
    static constexpr std::uint32_t kLimits[] = {8, 64, 1024, 65536};
    return 1 + (r >> 2) % kLimits[r & 3];
  }

 private:
  std::uint32_t state_;
};

std::span<const std::byte> as_bytes(std::string_view text) {
  return {reinterpret_cast<const std::byte*>(text.data()), text.size()};
}

struct ParsedEntry {
  fc::Entry entry;
  std::string content;  // files only
  bool operator==(const ParsedEntry& other) const {
    return entry.path == other.entry.path && entry.type == other.entry.type &&
           entry.permissions == other.entry.permissions && entry.size == other.entry.size &&
           entry.mtime == other.entry.mtime && entry.link_target == other.entry.link_target &&
           content == other.content;
  }
};

struct Parsed {
  std::vector<ParsedEntry> entries;
  std::optional<std::string> error;
  std::uint64_t consumed = 0;  // at the error: where the malformed part starts
  bool finished = false;
};

enum class Chunking { whole, chunks, chunks_partial_content };

// Plays the engine for the parser: bytes arrive chunk by chunk; what the
// parser has not consumed stays pending and is offered again.
Parsed parse(std::string_view stream, Chunking chunking, std::uint32_t seed) {
  Parsed parsed;
  fc::StreamParser parser;
  Chunker chunker(seed);
  std::uint64_t received = 0;
  // The end of the stream comes with the last bytes, or (partial) on its own.
  const bool separate_end = chunking == Chunking::chunks_partial_content;
  bool ended = false;
  while (!ended) {
    if (received < stream.size()) {
      const std::size_t chunk = chunking == Chunking::whole ? stream.size() : chunker.chunk();
      received = std::min<std::uint64_t>(stream.size(), received + chunk);
      ended = received == stream.size() && !separate_end;
    } else {
      ended = true;
    }
    for (;;) {
      const auto pending = as_bytes(stream.substr(parsed.consumed, received - parsed.consumed));
      const fc::Step step = parser.next(pending, ended);
      if (step.kind == fc::Step::Kind::need_more) {
        // At the end the parser must say what is wrong, never wait.
        if (ended) FUZZ_CHECK(parser.finished() && pending.empty());
        break;
      }
      if (step.kind == fc::Step::Kind::malformed) {
        FUZZ_CHECK(!step.error.empty());
        // Finished already: the error is a byte after the end marker.
        if (parser.finished()) FUZZ_CHECK(!pending.empty());
        parsed.error = step.error;
        return parsed;
      }
      FUZZ_CHECK(step.length > 0 && step.length <= pending.size());
      FUZZ_CHECK(!parser.finished());
      switch (step.kind) {
        case fc::Step::Kind::entry: {
          const fc::Entry& entry = parser.entry();
          FUZZ_CHECK(!fc::path_problem(entry.path));
          FUZZ_CHECK(step.length >= fc::kHeaderSize + entry.path.size() + 1);
          FUZZ_CHECK(step.length <= fc::kMaxEntryHead);
          if (entry.type == fc::EntryType::symlink) {
            FUZZ_CHECK(entry.link_target.size() == entry.size && !entry.link_target.empty());
            FUZZ_CHECK(entry.link_target.find('\0') == std::string::npos);
          } else {
            FUZZ_CHECK(entry.link_target.empty());
          }
          if (entry.type == fc::EntryType::directory) FUZZ_CHECK(entry.size == 0);
          FUZZ_CHECK(entry.permissions <= 07777);
          parsed.entries.push_back({entry, {}});
          parser.consume(step, step.length);
          FUZZ_CHECK(parser.content_left() == (entry.type == fc::EntryType::file ? entry.size : 0));
          break;
        }
        case fc::Step::Kind::content: {
          FUZZ_CHECK(!parsed.entries.empty());
          const std::uint64_t left = parser.content_left();
          FUZZ_CHECK(step.length <= left);
          const std::uint64_t take = chunking == Chunking::chunks_partial_content
                                         ? 1 + chunker.next() % step.length
                                         : step.length;
          parsed.entries.back().content.append(
              stream.substr(parsed.consumed, static_cast<std::size_t>(take)));
          parser.consume(step, take);
          FUZZ_CHECK(parser.content_left() == left - take);
          parsed.consumed += take;
          continue;
        }
        case fc::Step::Kind::end:
          FUZZ_CHECK(step.length == fc::kHeaderSize);
          FUZZ_CHECK(parser.content_left() == 0);
          parser.consume(step, step.length);
          FUZZ_CHECK(parser.finished());
          break;
        case fc::Step::Kind::need_more:
        case fc::Step::Kind::malformed:
          break;
      }
      parsed.consumed += step.length;
      if (step.kind != fc::Step::Kind::end) FUZZ_CHECK(!parser.finished());
    }
  }
  parsed.finished = parser.finished();
  // A stream is whole or malformed: after its end no error means finished.
  FUZZ_CHECK(parsed.finished);
  FUZZ_CHECK(parsed.consumed == stream.size());
  return parsed;
}

void check_log_text(std::string_view text) {
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    FUZZ_CHECK(byte >= 0x20 && byte != 0x7f);
  }
}

std::string sha256_hex(std::string_view bytes) {
  sha256_ctx context;
  sha256_init(&context);
  sha256_update(&context, bytes.size(), reinterpret_cast<const std::uint8_t*>(bytes.data()));
  std::array<std::uint8_t, SHA256_DIGEST_SIZE> digest{};
  sha256_digest(&context, digest.size(), digest.data());
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  for (const std::uint8_t byte : digest) {
    hex += kHex[byte >> 4];
    hex += kHex[byte & 15];
  }
  return hex;
}

struct Options {
  bool one_way = false;
  bool sha256 = false;
  bool refuses = false;  // a rule that may refuse entries of a valid stream
  nlohmann::json json;
};

Options options_from(std::uint8_t control) {
  Options options;
  options.one_way = (control & 1) != 0;
  options.sha256 = (control & 2) != 0;
  options.json = {{"one_way", options.one_way}, {"hash", options.sha256 ? "sha256" : "none"}};
  switch ((control >> 2) & 3) {
    case 1:
      options.json["max_files"] = control >> 4;
      options.refuses = true;
      break;
    case 2:
      options.json["types"] = {"file", "dir"};
      options.refuses = true;
      break;
    case 3:
      options.json["deny"] = {"*.exe", "secret/*"};
      options.refuses = true;
      break;
    default:
      break;
  }
  return options;
}

std::unique_ptr<Plugin> make_filecopy(const nlohmann::json& json) {
  const PluginDescriptor* descriptor = PluginRegistry::builtin().find("filecopy");
  FUZZ_CHECK(descriptor != nullptr);
  auto configured = configure_plugin(*descriptor, json);
  auto* options = std::get_if<PluginOptions>(&configured);
  FUZZ_CHECK(options != nullptr);
  return descriptor->create(*options);
}

// The plugin's verdicts in one direction, as the engine applies them.
struct DirectionPlay {
  std::string pending;
  std::string passed;
  std::uint64_t dropped = 0;
  bool ended = false;
};

void offer(Plugin& plugin, test::NullContext& context, Direction direction, DirectionPlay& play,
           bool end_of_stream) {
  const DataNeeds needs = plugin.needs(direction);
  while (!play.pending.empty()) {
    const bool aborted_before = context.aborted.has_value();
    const DataView view{direction,
                        play.pending.size(),
                        {reinterpret_cast<std::byte*>(play.pending.data()), play.pending.size()},
                        end_of_stream};
    const Verdict verdict = plugin.on_data(context, view);
    FUZZ_CHECK(verdict.kind() != Verdict::Kind::cut);
    FUZZ_CHECK(verdict.count() <= play.pending.size());
    const auto count = static_cast<std::size_t>(verdict.count());
    // Aborted (before or during this offer): nothing more may go on.
    if (aborted_before || context.aborted) FUZZ_CHECK(count == 0);
    if (context.aborted) return;  // the engine stops the call here
    if (verdict.kind() == Verdict::Kind::drop) {
      FUZZ_CHECK(needs.drops_bytes);
      play.dropped += count;
    } else {
      play.passed += play.pending.substr(0, count);
    }
    play.pending.erase(0, count);
    if (count == 0) break;
  }
  // Whatever it waits for fits the buffer it declared.
  FUZZ_CHECK(play.pending.size() <= needs.hold_bytes);
  if (end_of_stream) {
    FUZZ_CHECK(play.pending.empty());
    if (!play.ended) {
      play.ended = true;
      plugin.on_end(context, direction);
    }
  }
}

// What the plugin made of the stream: how the call ended and its records.
struct Outcome {
  std::optional<std::string> aborted;
  std::vector<std::string> messages;
  bool operator==(const Outcome&) const = default;
};

// `whole`: the stream arrives in one piece, else in fuzzed chunks.
Outcome play_plugin(std::string_view stream, std::uint8_t control, std::uint32_t seed,
                    const Parsed& reference, bool whole) {
  const Options options = options_from(control);
  test::NullContext context;
  std::unique_ptr<Plugin> plugin = make_filecopy(options.json);
  FUZZ_CHECK(plugin->on_start(context).kind() == Admission::Kind::admit);
  FUZZ_CHECK(context.paused[index_of(Direction::dst2src)] == options.one_way);

  Chunker chunker(seed ^ 0x5a5a5au);
  DirectionPlay src2dst;
  std::size_t sent = 0;
  do {
    const std::size_t chunk =
        std::min(stream.size() - sent, whole ? stream.size() : chunker.chunk());
    src2dst.pending.append(stream.substr(sent, chunk));
    sent += chunk;
    // Offered after an abort too: the plugin must keep passing nothing.
    offer(*plugin, context, Direction::src2dst, src2dst, sent == stream.size());
  } while (sent < stream.size());
  if (context.aborted) {
    // Once aborted, whatever arrives, nothing passes.
    const std::uint64_t passed = src2dst.passed.size();
    src2dst.pending.append("more bytes after the abort");
    offer(*plugin, context, Direction::src2dst, src2dst, true);
    FUZZ_CHECK(src2dst.passed.size() == passed);
  }

  // Never a byte of a malformed part of the stream; the whole of a valid one.
  if (reference.error) {
    FUZZ_CHECK(context.aborted.has_value());
    FUZZ_CHECK(src2dst.passed.size() <= reference.consumed);
  } else if (!options.refuses) {
    FUZZ_CHECK(!context.aborted);
    FUZZ_CHECK(src2dst.passed == stream);
  }

  // Each file's record: its size and, hashed, its SHA-256.
  std::vector<const ParsedEntry*> files;
  for (const ParsedEntry& entry : reference.entries)
    if (entry.entry.type == fc::EntryType::file) files.push_back(&entry);
  std::size_t recorded_files = 0;
  for (const auto& record : context.records) {
    check_log_text(record.message);
    for (const auto& field : record.fields) check_log_text(field.second);
    if (record.field("FILE_TYPE") != "file") continue;
    FUZZ_CHECK(recorded_files < files.size());
    const ParsedEntry& file = *files[recorded_files++];
    FUZZ_CHECK(record.field("FILE_SIZE") == std::to_string(file.entry.size));
    const std::string sha256 = record.field("FILE_SHA256");
    if (options.sha256)
      FUZZ_CHECK(sha256 == sha256_hex(file.content));
    else
      FUZZ_CHECK(sha256 == "(missing)");
  }
  if (!context.aborted) FUZZ_CHECK(recorded_files == files.size());

  // One-way: the answer, once the destination has taken the end (the engine
  // calls on_drained only while the call runs); nothing before.
  FUZZ_CHECK(context.injected[index_of(Direction::dst2src)].empty());
  Outcome outcome{context.aborted, {}};
  for (const auto& record : context.records) outcome.messages.push_back(record.message);
  if (context.aborted) return outcome;
  const bool drained = std::find(context.drained_requests.begin(), context.drained_requests.end(),
                                 Direction::src2dst) != context.drained_requests.end();
  FUZZ_CHECK(drained == options.one_way);
  if (drained) {
    plugin->on_drained(context, Direction::src2dst);
    const std::string& answer = context.injected[index_of(Direction::dst2src)];
    FUZZ_CHECK(answer.size() == fc::kResultSize);
    const fc::Result result = fc::decode_result(as_bytes(answer).first<fc::kResultSize>());
    const uLong crc =
        ::crc32_z(0, reinterpret_cast<const Bytef*>(src2dst.passed.data()), src2dst.passed.size());
    FUZZ_CHECK(result.error_code == 0 && result.crc32 == crc);
    FUZZ_CHECK(!context.paused[index_of(Direction::dst2src)]);
  }

  // The receiver's answer, whole or cut short, in chunks.
  DirectionPlay dst2src;
  const std::size_t answer_size = chunker.next() % (fc::kResultSize + 4);
  std::string answer;
  while (answer.size() < answer_size) answer += static_cast<char>(chunker.next() & 0xff);
  std::size_t answered = 0;
  do {
    const std::size_t chunk =
        std::min<std::size_t>(answer.size() - answered, 1 + chunker.next() % 8);
    dst2src.pending.append(answer.substr(answered, chunk));
    answered += chunk;
    offer(*plugin, context, Direction::dst2src, dst2src, answered == answer.size());
  } while (answered < answer.size());
  FUZZ_CHECK(!context.aborted);
  if (options.one_way) {
    FUZZ_CHECK(dst2src.passed.empty() && dst2src.dropped == answer.size());
  } else {
    FUZZ_CHECK(dst2src.passed == answer && dst2src.dropped == 0);
  }
  return outcome;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < kControlBytes) return 0;
  const std::uint8_t control = data[0];
  const std::uint32_t seed = static_cast<std::uint32_t>(data[1]) |
                             static_cast<std::uint32_t>(data[2]) << 8 |
                             static_cast<std::uint32_t>(data[3]) << 16;
  const std::string_view stream(reinterpret_cast<const char*>(data + kControlBytes),
                                size - kControlBytes);

  const Parsed whole = parse(stream, Chunking::whole, seed);
  for (const Chunking chunking : {Chunking::chunks, Chunking::chunks_partial_content}) {
    const Parsed chunked = parse(stream, chunking, seed);
    FUZZ_CHECK(chunked.entries == whole.entries);
    FUZZ_CHECK(chunked.error == whole.error);
    FUZZ_CHECK(chunked.consumed == whole.consumed);
    FUZZ_CHECK(chunked.finished == whole.finished);
  }
  // The plugin decides the same whatever the chunks: the same records, the
  // same abort (or none).
  FUZZ_CHECK(play_plugin(stream, control, seed, whole, false) ==
             play_plugin(stream, control, seed, whole, true));
  return 0;
}
