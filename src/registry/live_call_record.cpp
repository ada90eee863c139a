#include "registry/live_call_record.hpp"

#include <fstream>
#include <sstream>

namespace qrexec_proxy::live {

std::filesystem::path registry_directory(const std::filesystem::path& state_dir) {
  return state_dir / "live";
}

std::optional<std::uint64_t> process_start_time(pid_t pid) {
  std::ifstream file("/proc/" + std::to_string(pid) + "/stat");
  std::string text;
  if (!file || !std::getline(file, text)) return std::nullopt;
  // The command name (field 2) may hold spaces and parentheses: count the
  // fields after its last ')'. starttime is field 22, the 20th after it.
  const auto close = text.rfind(')');
  if (close == std::string::npos) return std::nullopt;
  std::istringstream fields(text.substr(close + 1));
  std::string field;
  for (int index = 3; index <= 22; ++index)
    if (!(fields >> field)) return std::nullopt;
  try {
    return std::stoull(field);
  } catch (...) {
    return std::nullopt;
  }
}

bool is_alive(const Record& record) {
  if (record.magic != kMagic || record.version != kVersion || record.pid <= 0) return false;
  if (load(record.phase) == static_cast<std::uint32_t>(CallPhase::ended)) return false;
  const auto start = process_start_time(record.pid);
  return start && *start == record.process_start;
}

}  // namespace qrexec_proxy::live
