// open_in_vm: the file qvm-open-in-vm sends through qubes.OpenInVM: its
// name and size checked, the file recorded, and an option that makes the
// call view-only.
#include "file_policy.hpp"
#include "input/open_in_vm_header.hpp"
#include "log/log_text.hpp"
#include "plugin_api/registry.hpp"

#include <string>

namespace qrexec_proxy {
namespace {

using open_in_vm::kHeaderSize;

class OpenInVm final : public Plugin {
 public:
  explicit OpenInVm(const PluginOptions& options)
      : policy_(options), view_only_(options.boolean("view_only")) {}

  DataNeeds needs(Direction direction) const override {
    DataNeeds needs;
    if (direction == Direction::src2dst) {
      needs.reads_bytes = true;
      needs.hold_bytes = kHeaderSize;
      // view_only: the sender's header is replaced by one that says so.
      needs.drops_bytes = view_only_;
      needs.inject_bytes = view_only_ ? kHeaderSize : 0;
    }
    return needs;
  }

  Admission on_start(PluginContext& context) override {
    // Nothing edited comes back: the sender sees the end of an empty file,
    // which qopen-in-vm takes as "not modified".
    if (view_only_) context.cut(Direction::dst2src);
    return Admission::admit();
  }

  Verdict on_data(PluginContext& context, const DataView& data) override {
    if (data.direction == Direction::dst2src) {
      returned_bytes_ += data.size;
      return Verdict::pass(data.size);
    }
    if (stop_.stopped()) return Verdict::hold();
    if (!header_) return on_header(context, data);
    return on_content(context, data.untrusted_bytes, data.size);
  }

  void on_end(PluginContext& context, Direction direction) override {
    if (stop_.stopped()) return;
    if (direction == Direction::dst2src) {
      if (header_ && !view_only_ && !header_->view_only)
        context.log(Priority::info, returned_bytes_ == 0
                                        ? "open_in_vm: the file came back unchanged"
                                        : "open_in_vm: the edited file came back: " +
                                              std::to_string(returned_bytes_) + " bytes");
      return;
    }
    if (!header_) return stop_(context, "open_in_vm: the stream ended inside the name header");
    const bool hashed = policy_.hash() == files::HashKind::sha256;
    const std::string sha256 = hashed ? hash_.finish() : std::string();
    files::log_file(context, {header_->view_only || view_only_ ? "opened view-only" : "opened",
                              header_->name,
                              "file",
                              size_,
                              std::nullopt,
                              sha256,
                              {}});
  }

 private:
  Verdict on_header(PluginContext& context, const DataView& data) {
    if (data.size < kHeaderSize) {
      if (data.end_of_stream) stop_(context, "open_in_vm: the stream ended inside the name header");
      return Verdict::hold();
    }
    auto parsed = open_in_vm::parse_header(data.untrusted_bytes.first<kHeaderSize>());
    if (!parsed.header)
      return stop_(context, "open_in_vm: malformed name header: " + parsed.error), Verdict::hold();
    if (const auto rule = policy_.refusal(parsed.header->name, 0, true))
      return stop_(context,
                   "open_in_vm: refused " + escape_for_log(parsed.header->name) + ": " + *rule),
             Verdict::hold();
    header_ = std::move(*parsed.header);
    if (policy_.hash() == files::HashKind::sha256) hash_.start();
    const std::uint64_t content = data.size - kHeaderSize;
    if (view_only_ && !header_->view_only) {
      // Our header goes first, then the sender's is dropped: the content
      // that follows it is offered again, after it.
      const auto replacement = open_in_vm::encode_header({header_->name, true});
      if (!context.inject(Direction::src2dst, replacement))
        return stop_(context, "open_in_vm: cannot mark the call view-only"), Verdict::hold();
      return Verdict::drop(kHeaderSize);
    }
    const Verdict rest = on_content(context, data.untrusted_bytes.subspan(kHeaderSize), content);
    if (stop_.stopped()) return Verdict::hold();
    return Verdict::pass(kHeaderSize + rest.count());
  }

  Verdict on_content(PluginContext& context, std::span<const std::byte> untrusted_bytes,
                     std::uint64_t size) {
    size_ += size;
    if (const auto rule = policy_.size_refusal(size_)) {
      stop_(context, "open_in_vm: refused " + escape_for_log(header_->name) + ": " + *rule);
      return Verdict::hold();
    }
    if (policy_.hash() == files::HashKind::sha256) hash_.update(untrusted_bytes.first(size));
    return Verdict::pass(size);
  }

  files::FilePolicy policy_;
  bool view_only_;
  std::optional<open_in_vm::NameHeader> header_;
  files::ContentHash hash_;
  std::uint64_t size_ = 0;
  std::uint64_t returned_bytes_ = 0;
  files::CallStop stop_;
};

PluginDescriptor describe_open_in_vm() {
  std::vector<OptionSpec> options = files::name_and_size_options();
  options.push_back(OptionSpec::boolean("view_only",
                                        "Nothing edited comes back, and the receiver is told to "
                                        "open the file read-only.")
                        .with_default(false));
  return {
      "open_in_vm",
      "Checks and records the file of a qubes.OpenInVM call (qvm-open-in-vm, qvm-open-in-dvm).",
      "For chains in front of qubes.OpenInVM. The sender sends a 256-byte header with the "
      "file's base name, then the file; the receiver opens it and, unless the call is "
      "view-only, sends the edited file back when its viewer closes. The plugin holds the "
      "header until it has checked the name (a plain file name: no `/`, `.`, `..` or control "
      "characters) against `deny` and `allow` and aborts the call, before the destination sees "
      "a byte, when it may not pass. The content is counted as it passes: past "
      "`max_file_bytes` the call is aborted. Once the file has crossed, one journal record "
      "names it (FILE_PATH escaped, FILE_TYPE, FILE_SIZE, FILE_SHA256 with `\"hash\": "
      "\"sha256\"`), and another says whether an edited file came back, and its size.\n\n"
      "`view_only`: nothing of the destination reaches the source, and the header is "
      "replaced by one whose name starts with `view-only-`, which tells the receiver to open "
      "the file read-only and send nothing back. The sender sees an unmodified file.",
      std::move(options),
      [](const PluginOptions& values) { return std::make_unique<OpenInVm>(values); },
      files::validate_name_and_size,
  };
}

}  // namespace

QREXEC_PROXY_REGISTER_PLUGIN(describe_open_in_vm);

}  // namespace qrexec_proxy
