#pragma once

#include <QtTest>

#include <chrono>
#include <functional>

namespace aegis::testing {

// Calls `attempt` until it returns true or `timeout` passes, running the event loop in between;
// returns its last answer.
inline bool pollUntil(const std::function<bool()> &attempt,
                      std::chrono::milliseconds timeout = std::chrono::milliseconds(10000)) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!attempt()) {
        if (std::chrono::steady_clock::now() >= deadline) {
            return false;
        }
        QTest::qWait(50);
    }
    return true;
}

} // namespace aegis::testing
