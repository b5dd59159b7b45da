#include "client/rate_limiter.h"

#include <algorithm>
#include <thread>

namespace aegis::client {

RateLimiter::RateLimiter(RateLimiterOptions options, ClockPtr clock)
    : m_options([&options] {
        options.rate = std::max(options.rate, 1e-9);
        options.burst = std::max(options.burst, 1.0);
        return options;
    }())
    , m_clock(clock ? std::move(clock) : std::make_shared<SystemClock>())
    , m_tokens(m_options.burst)
    , m_updated(m_clock->steadyNow()) {}

void RateLimiter::refillLocked(std::chrono::steady_clock::time_point now) const {
    if (now <= m_updated) {
        return;
    }
    const std::chrono::duration<double> elapsed = now - m_updated;
    m_tokens = std::min(m_options.burst, m_tokens + elapsed.count() * m_options.rate);
    m_updated = now;
}

bool RateLimiter::tryAcquire(double tokens) {
    const auto now = m_clock->steadyNow();
    std::lock_guard lock(m_mutex);
    refillLocked(now);
    if (m_tokens < tokens) {
        return false;
    }
    m_tokens -= tokens;
    return true;
}

bool RateLimiter::acquire(std::chrono::steady_clock::time_point deadline, double tokens) {
    if (tokens > m_options.burst) {
        return false; // could never be granted
    }
    const auto now = m_clock->steadyNow();
    std::chrono::duration<double> wait{0};
    {
        std::lock_guard lock(m_mutex);
        refillLocked(now);
        if (m_tokens < tokens) {
            wait = std::chrono::duration<double>((tokens - m_tokens) / m_options.rate);
            if (now + std::chrono::duration_cast<std::chrono::steady_clock::duration>(wait) >
                deadline) {
                return false;
            }
        }
        // Reserve now, so later callers queue behind this one.
        m_tokens -= tokens;
    }
    if (wait.count() > 0) {
        std::this_thread::sleep_for(wait);
    }
    return true;
}

double RateLimiter::available() const {
    const auto now = m_clock->steadyNow();
    std::lock_guard lock(m_mutex);
    refillLocked(now);
    return m_tokens;
}

} // namespace aegis::client
