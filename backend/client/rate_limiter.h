#pragma once

#include "common/clock.h"
#include "common/status.h"

#include <chrono>
#include <condition_variable>
#include <limits>
#include <mutex>
#include <stop_token>

namespace aegis::client {

struct RateLimiterOptions {
    // The rate that lets everything through at once (RateLimiter::kUnlimited).
    static constexpr double kUnlimited = std::numeric_limits<double>::infinity();

    // Tokens added per second; kUnlimited grants every request (burst is then ignored).
    double rate = 100;
    // Bucket capacity: how many tokens may be taken at once after a quiet period. The bucket
    // starts full.
    double burst = 100;
};

// A token bucket. tryAcquire() never waits; acquire() reserves tokens and waits until they are
// due, or refuses at once when they would not be due by the deadline (it never waits in vain).
// The rate and burst can change at run time (e.g. from the config center), while others acquire.
// Thread-safe. Time comes from the Clock; acquire() waits in real time for what the Clock says is
// missing, so with a ManualClock a test sees the decision without the clock moving.
class RateLimiter {
public:
    static constexpr double kUnlimited = RateLimiterOptions::kUnlimited;

    explicit RateLimiter(RateLimiterOptions options = {},
                         ClockPtr clock = std::make_shared<SystemClock>());

    bool tryAcquire(double tokens = 1);
    // `deadline` is on the limiter's clock (Clock::steadyNow()). A stop requested on `stop` while
    // waiting ends the wait at once: false, and the reserved tokens are given back.
    bool acquire(std::chrono::steady_clock::time_point deadline, double tokens = 1,
                 std::stop_token stop = {});
    // Tokens available now (negative while reservations are outstanding; the burst when
    // unlimited).
    double available() const;

    // Changes the rate from now on: tokens accrued so far are kept, later ones come at the new
    // rate; reservations already made keep their time. kUnlimited lets everything through.
    // INVALID_ARGUMENT unless `rate` is >= 0 or kUnlimited.
    Status setLimit(double rate);
    // Changes the capacity; tokens above a smaller burst are dropped. INVALID_ARGUMENT unless
    // `burst` is >= 1 and finite.
    Status setBurst(double burst);
    double limit() const;
    double burst() const;

private:
    void refillLocked(std::chrono::steady_clock::time_point now) const;

    const ClockPtr m_clock;
    mutable std::mutex m_mutex;
    double m_rate;
    double m_burst;
    mutable double m_tokens;
    mutable std::chrono::steady_clock::time_point m_updated;
    // Waits end on their stop token; they do not hold m_mutex.
    std::mutex m_waitMutex;
    std::condition_variable_any m_wake;
};

} // namespace aegis::client
