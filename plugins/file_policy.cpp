#include "file_policy.hpp"

#include "log/journal_fields.hpp"
#include "log/log_text.hpp"

#include <fnmatch.h>
#include <array>
#include <cstdio>

namespace qrexec_proxy::files {
namespace {

// Names in records are escaped and cut to this many characters.
constexpr std::size_t kMostNameCharacters = 4096;

bool matches_any(const std::vector<std::string>& globs, const std::string& path,
                 std::string* which = nullptr) {
  for (const std::string& glob : globs) {
    if (::fnmatch(glob.c_str(), path.c_str(), 0) == 0) {
      if (which != nullptr) *which = glob;
      return true;
    }
  }
  return false;
}

}  // namespace

std::vector<OptionSpec> name_and_size_options() {
  return {
      OptionSpec::string_list(
          "allow",
          "Globs (fnmatch(3), matched on the whole relative path; `*` also matches `/`) of the "
          "files and symlinks that may pass; empty: any name. Directories are not matched "
          "against allow.")
          .with_default(std::vector<std::string>{}),
      OptionSpec::string_list("deny",
                              "Globs of the names that may not pass, directories included; deny "
                              "wins over allow.")
          .with_default(std::vector<std::string>{}),
      OptionSpec::integer("max_file_bytes", "The largest file, in bytes.")
          .with_default(std::int64_t{-1})
          .at_least(0)
          .or_off(-1, "no limit"),
      OptionSpec::choice<HashKind>("hash", "A hash of each file's content, in its record.",
                                   {{"none", HashKind::none}, {"sha256", HashKind::sha256}})
          .with_default("none"),
  };
}

std::optional<OptionError> validate_name_and_size(const PluginOptions& options) {
  for (const char* name : {"allow", "deny"})
    for (const std::string& glob : options.string_list(name))
      if (glob.empty() || glob.find('\0') != std::string::npos)
        return OptionError{name, "an empty glob matches nothing; remove it"};
  return std::nullopt;
}

FilePolicy::FilePolicy(const PluginOptions& options)
    : allow_(options.string_list("allow")),
      deny_(options.string_list("deny")),
      max_file_bytes_(options.integer("max_file_bytes")),
      hash_(options.choice<HashKind>("hash")) {}

std::optional<std::string> FilePolicy::refusal(const std::string& path, std::uint64_t size,
                                               bool checks_allow) const {
  std::string glob;
  if (matches_any(deny_, path, &glob)) return "denied by \"" + escape_for_log(glob) + "\"";
  if (checks_allow && !allow_.empty() && !matches_any(allow_, path)) return "matches no allow glob";
  return size_refusal(size);
}

std::optional<std::string> FilePolicy::size_refusal(std::uint64_t size) const {
  if (max_file_bytes_ >= 0 && size > static_cast<std::uint64_t>(max_file_bytes_))
    return std::to_string(size) + " bytes, over max_file_bytes (" +
           std::to_string(max_file_bytes_) + ")";
  return std::nullopt;
}

std::string ContentHash::finish() {
  std::array<std::uint8_t, SHA256_DIGEST_SIZE> digest{};
  sha256_digest(&context_, digest.size(), digest.data());  // also starts anew
  std::string hex;
  append_hex(hex, std::as_bytes(std::span(digest)));
  return hex;
}

void log_file(PluginContext& context, const FileRecord& record) {
  const std::string path = escape_for_log(record.path, kMostNameCharacters);
  const std::string size = std::to_string(record.size);
  char mode[8] = "";
  if (record.permissions) std::snprintf(mode, sizeof mode, "%04o", *record.permissions & 07777);
  const std::string target = escape_for_log(record.link_target, kMostNameCharacters);
  std::array<LogField, 6> fields{};
  std::size_t count = 0;
  fields[count++] = {journal_field::file_path, path};
  fields[count++] = {journal_field::file_type, record.type};
  fields[count++] = {journal_field::file_size, size};
  if (record.permissions) fields[count++] = {journal_field::file_mode, mode};
  if (!record.sha256.empty()) fields[count++] = {journal_field::file_sha256, record.sha256};
  if (!record.link_target.empty()) fields[count++] = {journal_field::file_link_target, target};
  context.log(Priority::info,
              std::string(record.what) + " " + path + " (" + std::string(record.type) + ", " +
                  size + " bytes)",
              {fields.data(), count});
}

}  // namespace qrexec_proxy::files
