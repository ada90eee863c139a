// Reads what the proxy logged, with journalctl, for checks in tests.
#pragma once

#include <nlohmann/json.hpp>

#include <chrono>
#include <string>
#include <vector>

namespace qrexec_proxy::test {

// True when a journald socket exists to log to.
bool journal_running();

// Records of qrexec-proxy matching every FIELD=value in `matches`, waiting
// up to `wait` until at least `at_least` have arrived.
std::vector<nlohmann::json> journal_records(
    const std::vector<std::string>& matches, std::size_t at_least = 1,
    std::chrono::milliseconds wait = std::chrono::seconds(15));

// A field of a record as text (journalctl prints binary fields as arrays).
std::string field(const nlohmann::json& record, const std::string& name);

}  // namespace qrexec_proxy::test
