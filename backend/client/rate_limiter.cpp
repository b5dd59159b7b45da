#include "client/rate_limiter.h"

#include <algorithm>
#include <cmath>
#include <string>

namespace aegis::client {
namespace {

// A rate of 0 would divide by zero when computing a wait: the next token is then centuries away.
constexpr double kSlowestRate = 1e-9;

bool validRate(double rate) {
    return rate == RateLimiter::kUnlimited || (std::isfinite(rate) && rate >= 0);
}

bool validBurst(double burst) {
    return std::isfinite(burst) && burst >= 1;
}

} // namespace

RateLimiter::RateLimiter(RateLimiterOptions options, ClockPtr clock)
    : m_clock(clock ? std::move(clock) : std::make_shared<SystemClock>())
    , m_rate(validRate(options.rate) ? std::max(options.rate, kSlowestRate) : kSlowestRate)
    , m_burst(validBurst(options.burst) ? options.burst : 1.0)
    , m_tokens(m_burst)
    , m_updated(m_clock->steadyNow()) {}

void RateLimiter::refillLocked(std::chrono::steady_clock::time_point now) const {
    if (now <= m_updated) {
        return;
    }
    if (m_rate == kUnlimited) {
        m_tokens = m_burst;
    } else {
        const std::chrono::duration<double> elapsed = now - m_updated;
        m_tokens = std::min(m_burst, m_tokens + elapsed.count() * m_rate);
    }
    m_updated = now;
}

bool RateLimiter::tryAcquire(double tokens) {
    const auto now = m_clock->steadyNow();
    std::lock_guard lock(m_mutex);
    if (m_rate == kUnlimited) {
        return true;
    }
    refillLocked(now);
    if (m_tokens < tokens) {
        return false;
    }
    m_tokens -= tokens;
    return true;
}

bool RateLimiter::acquire(std::chrono::steady_clock::time_point deadline, double tokens,
                          std::stop_token stop) {
    if (stop.stop_requested()) {
        return false;
    }
    const auto now = m_clock->steadyNow();
    std::chrono::duration<double> wait{0};
    {
        std::lock_guard lock(m_mutex);
        if (m_rate == kUnlimited) {
            return true;
        }
        if (tokens > m_burst) {
            return false; // could never be granted
        }
        refillLocked(now);
        if (m_tokens < tokens) {
            wait = std::chrono::duration<double>((tokens - m_tokens) / m_rate);
            if (wait > deadline - now) {
                return false;
            }
        }
        // Reserve now, so later callers queue behind this one.
        m_tokens -= tokens;
    }
    if (wait.count() <= 0) {
        return true;
    }
    const auto due = std::chrono::steady_clock::now() +
                     std::chrono::duration_cast<std::chrono::steady_clock::duration>(wait);
    {
        std::unique_lock lock(m_waitMutex);
        if (!m_wake.wait_until(lock, stop, due, [] { return false; }) && !stop.stop_requested()) {
            return true; // due
        }
    }
    // Cancelled: give the reservation back, so the tokens serve someone else.
    std::lock_guard lock(m_mutex);
    refillLocked(m_clock->steadyNow());
    m_tokens = std::min(m_burst, m_tokens + tokens);
    return false;
}

double RateLimiter::available() const {
    const auto now = m_clock->steadyNow();
    std::lock_guard lock(m_mutex);
    refillLocked(now);
    return m_tokens;
}

Status RateLimiter::setLimit(double rate) {
    if (!validRate(rate)) {
        return invalidArgument("RateLimiter rate must be at least 0 tokens per second (or "
                               "RateLimiter::kUnlimited), got " +
                               std::to_string(rate));
    }
    const auto now = m_clock->steadyNow();
    std::lock_guard lock(m_mutex);
    refillLocked(now); // what accrued so far, at the old rate
    m_rate = std::max(rate, kSlowestRate);
    if (m_rate == kUnlimited) {
        m_tokens = m_burst;
    }
    return Status::ok();
}

Status RateLimiter::setBurst(double burst) {
    if (!validBurst(burst)) {
        return invalidArgument(
            "RateLimiter burst must be a finite number of at least 1 token, got " +
            std::to_string(burst));
    }
    const auto now = m_clock->steadyNow();
    std::lock_guard lock(m_mutex);
    refillLocked(now);
    m_burst = burst;
    m_tokens = std::min(m_tokens, m_burst);
    return Status::ok();
}

double RateLimiter::limit() const {
    std::lock_guard lock(m_mutex);
    return m_rate;
}

double RateLimiter::burst() const {
    std::lock_guard lock(m_mutex);
    return m_burst;
}

} // namespace aegis::client
