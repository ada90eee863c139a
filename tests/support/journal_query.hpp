// Reads what the proxy logged, with journalctl, for checks in tests.
#pragma once

#include <nlohmann/json.hpp>

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

namespace qrexec_proxy::test {

// Whether a journald socket exists to log to. Tests that read the journal
// assert it (ASSERT_TRUE(journal_running())): ./run-tests and the demo start
// journald, so a missing journal is a failure, never a skip.
::testing::AssertionResult journal_running();

// Records of qrexec-proxy matching every FIELD=value in `matches`, waiting
// up to `wait` until at least `at_least` have arrived.
std::vector<nlohmann::json> journal_records(
    const std::vector<std::string>& matches, std::size_t at_least = 1,
    std::chrono::milliseconds wait = std::chrono::seconds(15));

// A field of a record as text (journalctl prints binary fields as arrays).
std::string field(const nlohmann::json& record, const std::string& name);

}  // namespace qrexec_proxy::test
