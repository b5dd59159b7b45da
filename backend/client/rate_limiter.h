#pragma once

#include "common/clock.h"

#include <chrono>
#include <mutex>

namespace aegis::client {

struct RateLimiterOptions {
    // Tokens added per second.
    double rate = 100;
    // Bucket capacity: how many tokens may be taken at once after a quiet period. The bucket
    // starts full.
    double burst = 100;
};

// A token bucket. tryAcquire() never waits; acquire() reserves tokens and waits until they are
// due, or refuses at once when they would not be due by the deadline (it never waits in vain).
// Thread-safe. Time comes from the Clock; acquire() waits in real time for what the Clock says is
// missing, so with a ManualClock a test sees the decision without the clock moving.
class RateLimiter {
public:
    explicit RateLimiter(RateLimiterOptions options = {},
                         ClockPtr clock = std::make_shared<SystemClock>());

    bool tryAcquire(double tokens = 1);
    // `deadline` is on the limiter's clock (Clock::steadyNow()).
    bool acquire(std::chrono::steady_clock::time_point deadline, double tokens = 1);
    // Tokens available now (negative while reservations are outstanding).
    double available() const;

private:
    void refillLocked(std::chrono::steady_clock::time_point now) const;

    const RateLimiterOptions m_options;
    const ClockPtr m_clock;
    mutable std::mutex m_mutex;
    mutable double m_tokens;
    mutable std::chrono::steady_clock::time_point m_updated;
};

} // namespace aegis::client
