// filecopy: what qvm-copy sends through qubes.Filecopy, file by file:
// names, types, sizes and counts checked, each file recorded, and a
// one-way mode that answers the sender itself.
#include "file_policy.hpp"
#include "input/filecopy_stream.hpp"
#include "log/log_text.hpp"
#include "log/record_budget.hpp"
#include "plugin_api/registry.hpp"

#include <zlib.h>

#include <cstring>
#include <limits>
#include <string>
#include <vector>

namespace qrexec_proxy {
namespace {

using filecopy::Entry;
using filecopy::EntryType;
using filecopy::Step;

// The directories an entry is inside of, innermost last, as one path and
// the length of each level's prefix: qfile-agent sends a directory before
// and after its contents, and the second time is no new entry. Bounded by
// one path, whatever the stream.
class OpenDirectories {
 public:
  // True when `path` is the innermost open directory sent again (closing
  // it); otherwise `path` is a new entry, and a new directory opens.
  bool closes(const std::string& path, bool is_directory) {
    while (!ends_.empty() && !is_inside(path)) {
      if (path == innermost()) {
        pop();
        return is_directory;
      }
      pop();
    }
    // Inside every directory still open: their paths are prefixes of it.
    if (is_directory) {
      open_ = path;
      ends_.push_back(open_.size());
    }
    return false;
  }

 private:
  std::string_view innermost() const { return std::string_view(open_).substr(0, ends_.back()); }
  bool is_inside(std::string_view path) const {
    const std::string_view dir = innermost();
    return path.size() > dir.size() && path.compare(0, dir.size(), dir) == 0 &&
           path[dir.size()] == '/';
  }
  void pop() {
    ends_.pop_back();
    open_.resize(ends_.empty() ? 0 : ends_.back());
  }
  std::string open_;
  std::vector<std::size_t> ends_;
};

std::optional<EntryType> entry_type_named(std::string_view name) {
  for (const EntryType type : {EntryType::file, EntryType::directory, EntryType::symlink})
    if (filecopy::to_string(type) == name) return type;
  return std::nullopt;
}

class Filecopy final : public Plugin {
 public:
  explicit Filecopy(const PluginOptions& options)
      : policy_(options),
        max_files_(options.integer("max_files")),
        max_total_bytes_(options.integer("max_total_bytes")),
        one_way_(options.boolean("one_way")),
        file_records_(budget_of(options.integer("max_file_records"))) {
    for (const std::string& name : options.string_list("types"))
      if (const auto type = entry_type_named(name)) types_[static_cast<std::size_t>(*type)] = true;
  }

  DataNeeds needs(Direction direction) const override {
    DataNeeds needs;
    needs.reads_bytes = true;
    if (direction == Direction::src2dst) {
      needs.hold_bytes = filecopy::kMaxEntryHead;
    } else {
      needs.hold_bytes = filecopy::kResultSize;
      // One-way: the receiver's answer is read and dropped; ours goes instead.
      needs.drops_bytes = one_way_;
      needs.inject_bytes = one_way_ ? filecopy::kResultSize : 0;
    }
    return needs;
  }

  Admission on_start(PluginContext& context) override {
    // The sender's input stays open, with nothing in it, until the answer:
    // qfile-agent gives up at the end of its input.
    if (one_way_ && !context.audit_mode()) context.pause_input(Direction::dst2src, true);
    return Admission::admit();
  }

  Verdict on_data(PluginContext& context, const DataView& data) override {
    if (data.direction == Direction::dst2src) return on_answer(context, data);
    if (stop_.stopped()) return Verdict::hold();
    const std::span<const std::byte> untrusted_bytes = data.untrusted_bytes;
    std::uint64_t offset = 0;
    for (bool more = true; more && !stop_.stopped();) {
      const Step step = parser_.next(untrusted_bytes.subspan(offset), data.end_of_stream);
      switch (step.kind) {
        case Step::Kind::need_more:
          more = false;
          break;
        case Step::Kind::malformed:
          stop_(context, "filecopy: malformed stream after " + std::to_string(entries_) +
                             " entries: " + step.error);
          break;
        case Step::Kind::entry:
          if (!admit_entry(context)) break;
          parser_.consume(step, step.length);
          offset += step.length;
          if (parser_.content_left() == 0) finish_entry(context);
          break;
        case Step::Kind::content: {
          if (hashing()) hash_.update(untrusted_bytes.subspan(offset, step.length));
          parser_.consume(step, step.length);
          offset += step.length;
          if (parser_.content_left() == 0) finish_entry(context);
          break;
        }
        case Step::Kind::end:
          parser_.consume(step, step.length);
          offset += step.length;
          end_of_copy(context);
          break;
      }
    }
    if (stop_.stopped()) return Verdict::hold();
    // The receiver's checksum covers every byte it reads: these.
    if (one_way_)
      crc_ = ::crc32_z(crc_, reinterpret_cast<const Bytef*>(untrusted_bytes.data()),
                       static_cast<z_size_t>(offset));
    return Verdict::pass(offset);
  }

  void on_end(PluginContext& context, Direction direction) override {
    if (direction == Direction::src2dst && !parser_.finished() && !stop_.stopped())
      stop_(context, "filecopy: the stream ended without its end marker after " +
                         std::to_string(entries_) + " entries");
  }

  // One-way: the destination has taken everything, the end marker too.
  void on_drained(PluginContext& context, Direction direction) override {
    if (direction != Direction::src2dst || !one_way_ || answered_) return;
    answered_ = true;
    const auto answer = filecopy::encode_result({0, crc_});
    if (!context.inject(Direction::dst2src, answer))
      return context.abort("filecopy: cannot answer the sender");
    // (In audit mode the injection was only reported: the receiver's own
    // answer reaches the sender.)
    if (!context.audit_mode())
      context.log(Priority::info, "filecopy: one-way: told the sender the copy succeeded");
    // The receiver's own answer is read now, recorded and dropped; its end
    // follows ours.
    context.pause_input(Direction::dst2src, false);
  }

 private:
  bool admit_entry(PluginContext& context) {
    const Entry& entry = parser_.entry();
    const bool repeated = directories_.closes(entry.path, entry.type == EntryType::directory);
    if (repeated) {
      current_is_repeat_ = true;
      return true;
    }
    current_is_repeat_ = false;
    const auto refuse = [&](const std::string& rule) {
      stop_(context, "filecopy: refused " + std::string(filecopy::to_string(entry.type)) + " " +
                         escape_for_log(entry.path, 4096) + ": " + rule);
      return false;
    };
    if (!types_[static_cast<std::size_t>(entry.type)])
      return refuse(std::string(filecopy::to_string(entry.type)) + " entries are not allowed");
    if (max_files_ >= 0 && entries_ >= static_cast<std::uint64_t>(max_files_))
      return refuse("more than max_files (" + std::to_string(max_files_) + ") entries");
    const std::uint64_t size = entry.type == EntryType::file ? entry.size : 0;
    if (const auto rule = policy_.refusal(entry.path, size, entry.type != EntryType::directory))
      return refuse(*rule);
    if (max_total_bytes_ >= 0 && size > static_cast<std::uint64_t>(max_total_bytes_) - total_bytes_)
      return refuse("the copy would exceed max_total_bytes (" + std::to_string(max_total_bytes_) +
                    ")");
    ++entries_;
    ++counts_[static_cast<std::size_t>(entry.type)];
    total_bytes_ += size;
    if (hashing()) hash_.start();
    return true;
  }

  void finish_entry(PluginContext& context) {
    if (current_is_repeat_) return;
    const Entry& entry = parser_.entry();
    const bool hashed = hashing() && entry.type == EntryType::file;
    if (!file_records_.take()) return;
    const std::string sha256 = hashed ? hash_.finish() : std::string();
    files::log_file(context, {"crossed", entry.path, filecopy::to_string(entry.type), entry.size,
                              entry.permissions, sha256, entry.link_target});
  }

  // An entry that gets no record of its own needs no hash either.
  bool hashing() const {
    return policy_.hash() == files::HashKind::sha256 && !file_records_.spent();
  }
  static RecordBudget budget_of(std::int64_t max_file_records) {
    return RecordBudget(max_file_records < 0 ? std::numeric_limits<std::size_t>::max()
                                             : static_cast<std::size_t>(max_file_records));
  }

  void end_of_copy(PluginContext& context) {
    const std::string files = std::to_string(counts_[0]);
    const std::string directories = std::to_string(counts_[1]);
    const std::string symlinks = std::to_string(counts_[2]);
    const std::string bytes = std::to_string(total_bytes_);
    const std::string left_out = std::to_string(file_records_.left_out());
    const LogField fields[] = {{"FILECOPY_FILES", files},
                               {"FILECOPY_DIRECTORIES", directories},
                               {"FILECOPY_SYMLINKS", symlinks},
                               {"FILECOPY_BYTES", bytes},
                               {"FILECOPY_RECORDS_LEFT_OUT", left_out}};
    context.log(Priority::info,
                "filecopy: end of the copy: " + files + " files, " + directories +
                    " directories, " + symlinks + " symlinks, " + bytes + " bytes" +
                    (file_records_.left_out() == 0
                         ? std::string()
                         : "; " + left_out + " entries not recorded one by one (max_file_records)"),
                fields);
    if (one_way_) context.notify_when_drained(Direction::src2dst);
  }

  // The receiver's answer: recorded; passed on, or in one-way mode dropped.
  Verdict on_answer(PluginContext& context, const DataView& data) {
    if (!answer_seen_) {
      if (data.size < filecopy::kResultSize && !data.end_of_stream) return Verdict::hold();
      answer_seen_ = true;
      if (data.size >= filecopy::kResultSize) {
        const auto result =
            filecopy::decode_result(data.untrusted_bytes.first<filecopy::kResultSize>());
        const std::string code = std::to_string(result.error_code);
        const LogField fields[] = {{"FILECOPY_RESULT", code}};
        const std::string said =
            result.error_code == 0
                ? std::string("success")
                : "error " + code + " (" + std::strerror(static_cast<int>(result.error_code)) + ")";
        context.log(result.error_code == 0 ? Priority::info : Priority::warning,
                    "filecopy: the receiver answered " + said +
                        (one_way_ ? "; the sender was not told" : ""),
                    fields);
      } else {
        context.log(Priority::warning, "filecopy: the receiver ended without an answer");
      }
    }
    return one_way_ ? Verdict::drop(data.size) : Verdict::pass(data.size);
  }

  files::FilePolicy policy_;
  std::int64_t max_files_;
  std::int64_t max_total_bytes_;
  bool one_way_;
  bool types_[3] = {false, false, false};

  filecopy::StreamParser parser_;
  OpenDirectories directories_;
  files::ContentHash hash_;
  bool current_is_repeat_ = false;
  files::CallStop stop_;
  std::uint64_t entries_ = 0;
  std::uint64_t counts_[3] = {0, 0, 0};  // by EntryType
  std::uint64_t total_bytes_ = 0;
  RecordBudget file_records_;  // entries recorded one by one (max_file_records)
  uLong crc_ = 0;              // crc32 over every byte passed, as the receiver computes it
  bool answered_ = false;
  bool answer_seen_ = false;
};

std::optional<OptionError> validate_filecopy(const PluginOptions& options) {
  if (auto error = files::validate_name_and_size(options)) return error;
  const auto& types = options.string_list("types");
  if (types.empty()) return OptionError{"types", "must name at least one of file, dir, symlink"};
  for (const std::string& name : types)
    if (!entry_type_named(name))
      return OptionError{"types", "\"" + escape_for_log(name) + "\" is none of file, dir, symlink"};
  return std::nullopt;
}

PluginDescriptor describe_filecopy() {
  std::vector<OptionSpec> options = files::name_and_size_options();
  options.push_back(OptionSpec::integer("max_files",
                                        "The most entries of one copy (files, symlinks and "
                                        "directories; a directory counts once).")
                        .with_default(std::int64_t{-1})
                        .at_least(0)
                        .or_off(-1, "no limit"));
  options.push_back(OptionSpec::integer("max_total_bytes", "The most content bytes of one copy.")
                        .with_default(std::int64_t{-1})
                        .at_least(0)
                        .or_off(-1, "no limit"));
  options.push_back(OptionSpec::integer("max_file_records",
                                        "The most entries of one copy recorded one by one; the "
                                        "copy's summary counts the rest.")
                        .with_default(std::int64_t{1000})
                        .at_least(0)
                        .or_off(-1, "no limit"));
  options.push_back(
      OptionSpec::string_list("types", "The kinds of entries allowed: file, dir, symlink.")
          .with_default(std::vector<std::string>{"file", "dir", "symlink"}));
  options.push_back(OptionSpec::boolean("one_way",
                                        "Nothing of the receiver's answer reaches the sender: "
                                        "the plugin answers the sender itself.")
                        .with_default(false));
  return {
      "filecopy",
      "Checks and records every file of a qubes.Filecopy copy (qvm-copy, qvm-move).",
      "For chains in front of qubes.Filecopy, the service behind qvm-copy, qvm-move and "
      "qvm-copy-to-vm. The plugin parses the sender's stream strictly as it passes: each "
      "entry's header, name (and a symlink's target) is held until the plugin has decided on "
      "it, so not one byte of a refused entry reaches the destination. An entry is refused when "
      "its type is not in `types`, its name matches a `deny` glob, a file or symlink matches no "
      "`allow` glob (when there are some), a file is larger than `max_file_bytes`, or it would "
      "take the copy over `max_files` or `max_total_bytes`. A refused entry, and a stream that "
      "is not what qfile-agent sends (names that are absolute, hold `..`, empty components or "
      "control characters, devices or fifos, a truncated entry, bytes after the end marker), "
      "abort the call with a journal record naming the entry and the rule; the receiver then "
      "fails and keeps nothing of that entry.\n\n"
      "Every entry that crossed gets one journal record (FILE_PATH escaped, FILE_TYPE, "
      "FILE_SIZE, FILE_MODE, FILE_SHA256 with `\"hash\": \"sha256\"`, FILE_LINK_TARGET), the "
      "copy one summary (FILECOPY_FILES, FILECOPY_DIRECTORIES, FILECOPY_SYMLINKS, "
      "FILECOPY_BYTES, FILECOPY_RECORDS_LEFT_OUT), and the receiver's answer one record "
      "(FILECOPY_RESULT, an errno value); `qrexec-proxy-admin log --files` lists them. A "
      "sender decides how many entries a copy has, so the records one by one stop at "
      "`max_file_records` (the summary still counts every entry): a copy of many small files "
      "cannot flood the journal, and `0` records none of them, which lets such copies run at "
      "full speed (journald stores a few tens of thousands of records a second). The proxy's "
      "`max_plugin_records` bounds every plugin's records of a call as well.\n\n"
      "`one_way`: a copy whose answer never reaches the sender, without breaking qvm-copy. A "
      "generic one-way chain ends the sender's input early, and qfile-agent then stops before "
      "its last entries. With `one_way`, the sender's input stays open and empty; once the "
      "destination has taken the end of the stream, the plugin sends the sender a success "
      "answer with the CRC-32 it computed over the stream, exactly as the receiver would, so "
      "qvm-copy exits 0. The receiver's own answer is read, recorded and dropped. The sender "
      "is told success even when the receiver failed (a full disk, an existing name): the "
      "record of the receiver's answer says so. Use it instead of another one-way plugin in "
      "front of qubes.Filecopy.",
      std::move(options),
      [](const PluginOptions& values) { return std::make_unique<Filecopy>(values); },
      validate_filecopy,
  };
}

}  // namespace

QREXEC_PROXY_REGISTER_PLUGIN(describe_filecopy);

}  // namespace qrexec_proxy
