// Files that plugins write (record): the engine creates, writes and closes
// them, so a plugin never holds a descriptor. Every file is new: created
// with O_EXCL and O_NOFOLLOW, mode 0600, so a sink never writes into an
// existing file or through a symlink planted where the file is to be.
#pragma once

#include "io/unique_fd.hpp"

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace qrexec_proxy {

class FileSinks {
 public:
  using Id = std::uint32_t;

  // Creates `name` (one path component: no '/', not "." or "..") in
  // `directory` (absolute; created with mode 0700 when missing, its parent
  // must exist). Returns the sink, or nothing with `error` set.
  std::optional<Id> create(const std::filesystem::path& directory, std::string_view name,
                           std::string& error);
  // Writes all of `bytes` (blocking: sinks are regular files). Returns 0,
  // or the errno of the failure. Writing to a closed sink fails with EBADF.
  int write(Id id, std::span<const std::byte> bytes);
  // Closes the sink now; every sink is closed when this object goes.
  void close(Id id);

 private:
  std::vector<UniqueFd> files_;
};

}  // namespace qrexec_proxy
