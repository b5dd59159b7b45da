#pragma once

#include "common/clock.h"

#include <chrono>
#include <cstdint>
#include <mutex>
#include <vector>

namespace aegis::client {

struct CircuitBreakerOptions {
    // Trips after this many failures in a row; 0 disables the rule.
    int consecutiveFailures = 5;
    // Trips when failures / requests over the rolling window reach this ratio, once the window
    // holds at least `minimumRequests`; 0 disables the rule.
    double failureRatio = 0.5;
    int minimumRequests = 20;
    std::chrono::milliseconds window{10000};
    // The window rolls in this many buckets: older outcomes leave it one bucket at a time.
    int windowBuckets = 10;
    // How long the breaker stays open before it lets probes through (half-open).
    std::chrono::milliseconds openTimeout{30000};
    // Requests admitted while half-open; when all of them succeed the breaker closes, and the
    // first failure opens it again.
    int halfOpenProbes = 1;
};

// Stops calls to a dependency that keeps failing, so it can recover and callers fail fast.
// Closed: everything passes, outcomes are counted. Open: nothing passes until `openTimeout` has
// passed. Half-open: up to `halfOpenProbes` requests pass to probe the dependency.
//
// Usage: `if (!breaker.allow()) fail fast; ... breaker.onSuccess() or breaker.onFailure()`.
// Report exactly one outcome per allowed request. Outcomes reported while open are ignored.
// Thread-safe. Time comes from the Clock, so tests drive it with a ManualClock.
class CircuitBreaker {
public:
    enum class State { Closed, Open, HalfOpen };

    explicit CircuitBreaker(CircuitBreakerOptions options = {},
                            ClockPtr clock = std::make_shared<SystemClock>());

    // Whether a request may go ahead now; counts a half-open probe when it admits one.
    bool allow();
    void onSuccess();
    void onFailure();

    State state() const;

private:
    struct Bucket {
        std::int64_t epoch = -1;
        std::int64_t successes = 0;
        std::int64_t failures = 0;
    };
    void updateLocked(std::chrono::steady_clock::time_point now) const;
    void recordLocked(bool success, std::chrono::steady_clock::time_point now);
    void openLocked(std::chrono::steady_clock::time_point now);
    void closeLocked();
    Bucket &bucketLocked(std::chrono::steady_clock::time_point now);

    const CircuitBreakerOptions m_options;
    const ClockPtr m_clock;
    const std::chrono::steady_clock::duration m_bucketWidth;

    mutable std::mutex m_mutex;
    // Open becomes half-open lazily, when someone looks after the timeout: hence mutable.
    mutable State m_state = State::Closed;
    std::chrono::steady_clock::time_point m_openedAt;
    int m_consecutiveFailures = 0;
    std::vector<Bucket> m_buckets;
    mutable int m_probesAdmitted = 0;
    mutable int m_probesSucceeded = 0;
};

const char *toString(CircuitBreaker::State state);

} // namespace aegis::client
