// The one way tests wait for something that happens in another process (a
// record readable in the journal, a call that has started): poll a condition
// until it holds or a generous time has passed. Waiting is the behaviour,
// never the measure: the bound only keeps a broken test from hanging.
#pragma once

#include <chrono>
#include <functional>

namespace qrexec_proxy::test {

// Polls `condition` every `interval` until it holds (true) or `timeout`
// passes (false). The condition runs at least once.
bool eventually(const std::function<bool()>& condition,
                std::chrono::milliseconds timeout = std::chrono::seconds(10),
                std::chrono::milliseconds interval = std::chrono::milliseconds(10));

}  // namespace qrexec_proxy::test
