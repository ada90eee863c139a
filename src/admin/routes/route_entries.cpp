#include "admin/routes/route_entries.hpp"

#include <system_error>

namespace qrexec_proxy::admin {

namespace fs = std::filesystem;

EntryState entry_state(const fs::path& entry, const fs::path& program) {
  std::error_code error;
  const auto status = fs::symlink_status(entry, error);
  if (error || status.type() == fs::file_type::not_found) return EntryState::absent;
  if (status.type() != fs::file_type::symlink) return EntryState::foreign;
  const fs::path target = fs::read_symlink(entry, error);
  return !error && target == program ? EntryState::enabled : EntryState::foreign;
}

std::string enable_entry(const fs::path& entry, const fs::path& program) {
  switch (entry_state(entry, program)) {
    case EntryState::enabled:
      return {};
    case EntryState::foreign:
      return entry.string() +
             " exists and is not a route entry of qrexec-proxy: remove it first "
             "if the proxy is to take this service";
    case EntryState::absent:
      break;
  }
  std::error_code error;
  fs::create_directories(entry.parent_path(), error);
  if (error) return "cannot create " + entry.parent_path().string() + ": " + error.message();
  fs::create_symlink(program, entry, error);
  if (error) return "cannot create " + entry.string() + ": " + error.message();
  return {};
}

std::string disable_entry(const fs::path& entry, const fs::path& program) {
  switch (entry_state(entry, program)) {
    case EntryState::absent:
      return {};
    case EntryState::foreign:
      return entry.string() + " is not a route entry of qrexec-proxy: left alone";
    case EntryState::enabled:
      break;
  }
  std::error_code error;
  fs::remove(entry, error);
  if (error) return "cannot remove " + entry.string() + ": " + error.message();
  return {};
}

}  // namespace qrexec_proxy::admin
