// What the plugins that understand files (filecopy, open_in_vm) share: the
// rules a file must pass (names, size, hash), their options and their
// documentation, the content hash, and the journal record of one file.
#pragma once

#include "plugin_api/options.hpp"
#include "plugin_api/plugin.hpp"

#include <nettle/sha2.h>

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace qrexec_proxy::files {

enum class HashKind : std::uint8_t { none, sha256 };

// allow, deny, max_file_bytes and hash, as both plugins declare them.
std::vector<OptionSpec> name_and_size_options();
// The same options' checks at load (glob syntax).
std::optional<OptionError> validate_name_and_size(const PluginOptions& options);

class FilePolicy {
 public:
  explicit FilePolicy(const PluginOptions& options);
  // Why a file named `path` of `size` bytes may not pass (the rule that
  // refuses it), or nullopt. `checks_allow`: the allow globs apply (to files
  // and symlinks; directories are only checked against deny).
  std::optional<std::string> refusal(const std::string& path, std::uint64_t size,
                                     bool checks_allow) const;
  // The size rule alone, for content counted as it passes.
  std::optional<std::string> size_refusal(std::uint64_t size) const;
  HashKind hash() const { return hash_; }

 private:
  std::vector<std::string> allow_;
  std::vector<std::string> deny_;
  std::int64_t max_file_bytes_;
  HashKind hash_;
};

// SHA-256 of a file's content, as it passes.
class ContentHash {
 public:
  void start() { sha256_init(&context_); }
  void update(std::span<const std::byte> bytes) {
    sha256_update(&context_, bytes.size(), reinterpret_cast<const std::uint8_t*>(bytes.data()));
  }
  // Lower-case hex; starts the next hash.
  std::string finish();

 private:
  sha256_ctx context_{};
};

// One file's journal record: "WHAT PATH (TYPE, SIZE bytes)" with the
// fields above, every name escaped.
struct FileRecord {
  std::string_view what;  // "file crossed", "opened"...
  std::string_view path;
  std::string_view type;
  std::uint64_t size = 0;
  std::optional<std::uint32_t> permissions;
  std::string_view sha256;       // empty: no hash
  std::string_view link_target;  // empty: no symlink
};
void log_file(PluginContext& context, const FileRecord& record);

// Ends a call that broke a file rule or the service's format: a warning
// record of the reason, then abort. Once stopped, a plugin holds whatever
// else arrives until the engine tears the call down.
class CallStop {
 public:
  void operator()(PluginContext& context, const std::string& reason) {
    stopped_ = true;
    context.log(Priority::warning, reason);
    context.abort(reason);
  }
  bool stopped() const { return stopped_; }

 private:
  bool stopped_ = false;
};

}  // namespace qrexec_proxy::files
