// The stamp of a config found valid: what it was made of, so that a later
// call can tell, by a few stat() calls, that nothing changed since, and
// check only the chain it runs.
//
// A stamp names every config file in order with its identity (device,
// inode, size, modification and change times in nanoseconds; a file cannot
// be changed without changing them, as the change time cannot be set), every
// external plugin file that a chain could load, and the service program
// itself (a new version may check differently). It is kept in the state
// directory; a stamp that is missing, unreadable, or different in any byte
// only means the whole config is checked again.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace qrexec_proxy {

struct ConfigStamp {
  std::string text;
  // The identity of each config file, in order, as in `text`: a reader
  // compares it with file_identity() of the descriptor it opened.
  std::vector<std::string> file_identities;
  // The latest change time of the files stamped, in nanoseconds.
  std::int64_t newest_change_ns = 0;

  // File times come from a clock that ticks every few milliseconds: a file
  // changed twice within one tick, to the same size, keeps its identity.
  // So, as git does with its index, only a stamp whose files have not
  // changed for a while is worth keeping.
  bool settled() const;
};

// The stamp of the files now, or nullopt when one cannot be stat()ed (then
// nothing is stamped and everything is checked).
std::optional<ConfigStamp> config_stamp(const std::vector<std::filesystem::path>& config_files,
                                        const std::vector<std::filesystem::path>& plugin_dirs);

// The identity of one file, as a stamp holds it.
std::optional<std::string> file_identity(int fd);
std::optional<std::string> file_identity(const std::filesystem::path& file);

// The stamp of the config last found valid, from `state_dir`, or "".
std::string read_valid_stamp(const std::filesystem::path& state_dir);
// Records `stamp` as valid (atomically); failures are ignored: without a
// stamp, the next call checks everything.
void write_valid_stamp(const std::filesystem::path& state_dir, const std::string& stamp);

}  // namespace qrexec_proxy
