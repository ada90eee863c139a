#include "support/journal_query.hpp"

#include "support/eventually.hpp"

#include "support/process.hpp"

#include <filesystem>
#include <sstream>
#include <thread>

namespace qrexec_proxy::test {

::testing::AssertionResult journal_running() {
  if (std::filesystem::exists("/run/systemd/journal/socket")) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure()
         << "no systemd journal: start systemd-journald (tools/ensure-journald; ./run-tests does)";
}

std::vector<nlohmann::json> journal_records(const std::vector<std::string>& matches,
                                            std::size_t at_least, std::chrono::milliseconds wait) {
  // --all: in JSON, journalctl leaves out fields over 4096 bytes without it.
  std::vector<std::string> argv = {
      "/usr/bin/journalctl", "--no-pager", "--all", "-o", "json", "SYSLOG_IDENTIFIER=qrexec-proxy"};
  argv.insert(argv.end(), matches.begin(), matches.end());
  std::vector<nlohmann::json> records;
  eventually(
      [&] {
        const ProcessResult result = run_process(argv);
        records.clear();
        std::istringstream lines(result.out);
        for (std::string line; std::getline(lines, line);)
          if (!line.empty()) records.push_back(nlohmann::json::parse(line));
        return records.size() >= at_least;
      },
      wait, std::chrono::milliseconds(100));
  return records;
}

std::string field(const nlohmann::json& record, const std::string& name) {
  const auto it = record.find(name);
  if (it == record.end()) return {};
  if (it->is_string()) return it->get<std::string>();
  if (it->is_array()) {
    std::string bytes;
    for (const auto& byte : *it) bytes.push_back(static_cast<char>(byte.get<int>()));
    return bytes;
  }
  return it->dump();
}

}  // namespace qrexec_proxy::test
