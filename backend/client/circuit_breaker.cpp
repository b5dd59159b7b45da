#include "client/circuit_breaker.h"

#include <algorithm>

namespace aegis::client {

CircuitBreaker::CircuitBreaker(CircuitBreakerOptions options, ClockPtr clock)
    : m_options([&options] {
        options.windowBuckets = std::max(options.windowBuckets, 1);
        options.window = std::max(options.window, std::chrono::milliseconds(options.windowBuckets));
        options.halfOpenProbes = std::max(options.halfOpenProbes, 1);
        options.minimumRequests = std::max(options.minimumRequests, 1);
        return options;
    }())
    , m_clock(clock ? std::move(clock) : std::make_shared<SystemClock>())
    , m_bucketWidth(std::chrono::steady_clock::duration(m_options.window) / m_options.windowBuckets)
    , m_buckets(static_cast<std::size_t>(m_options.windowBuckets)) {}

bool CircuitBreaker::allow() {
    const auto now = m_clock->steadyNow();
    std::lock_guard lock(m_mutex);
    updateLocked(now);
    switch (m_state) {
    case State::Closed:
        return true;
    case State::Open:
        return false;
    case State::HalfOpen:
        if (m_probesAdmitted < m_options.halfOpenProbes) {
            ++m_probesAdmitted;
            return true;
        }
        return false;
    }
    return false;
}

void CircuitBreaker::onSuccess() {
    const auto now = m_clock->steadyNow();
    std::lock_guard lock(m_mutex);
    recordLocked(true, now);
}

void CircuitBreaker::onFailure() {
    const auto now = m_clock->steadyNow();
    std::lock_guard lock(m_mutex);
    recordLocked(false, now);
}

CircuitBreaker::State CircuitBreaker::state() const {
    const auto now = m_clock->steadyNow();
    std::lock_guard lock(m_mutex);
    updateLocked(now);
    return m_state;
}

void CircuitBreaker::updateLocked(std::chrono::steady_clock::time_point now) const {
    if (m_state == State::Open && now - m_openedAt >= m_options.openTimeout) {
        m_state = State::HalfOpen;
        m_probesAdmitted = 0;
        m_probesSucceeded = 0;
    }
}

void CircuitBreaker::recordLocked(bool success, std::chrono::steady_clock::time_point now) {
    updateLocked(now);
    switch (m_state) {
    case State::Open:
        return;
    case State::HalfOpen:
        if (!success) {
            openLocked(now);
        } else if (++m_probesSucceeded >= m_options.halfOpenProbes) {
            closeLocked();
        }
        return;
    case State::Closed:
        break;
    }
    Bucket &bucket = bucketLocked(now);
    if (success) {
        ++bucket.successes;
        m_consecutiveFailures = 0;
        return;
    }
    ++bucket.failures;
    ++m_consecutiveFailures;
    if (m_options.consecutiveFailures > 0 &&
        m_consecutiveFailures >= m_options.consecutiveFailures) {
        openLocked(now);
        return;
    }
    if (m_options.failureRatio > 0) {
        const std::int64_t oldest = bucket.epoch - static_cast<std::int64_t>(m_buckets.size()) + 1;
        std::int64_t requests = 0;
        std::int64_t failures = 0;
        for (const Bucket &b : m_buckets) {
            if (b.epoch >= oldest) {
                requests += b.successes + b.failures;
                failures += b.failures;
            }
        }
        if (requests >= m_options.minimumRequests &&
            static_cast<double>(failures) >=
                m_options.failureRatio * static_cast<double>(requests)) {
            openLocked(now);
        }
    }
}

CircuitBreaker::Bucket &CircuitBreaker::bucketLocked(std::chrono::steady_clock::time_point now) {
    const std::int64_t epoch = now.time_since_epoch() / m_bucketWidth;
    const auto count = static_cast<std::int64_t>(m_buckets.size());
    Bucket &bucket = m_buckets[static_cast<std::size_t>(((epoch % count) + count) % count)];
    if (bucket.epoch != epoch) {
        bucket = Bucket{epoch, 0, 0};
    }
    return bucket;
}

void CircuitBreaker::openLocked(std::chrono::steady_clock::time_point now) {
    m_state = State::Open;
    m_openedAt = now;
    m_probesAdmitted = 0;
    m_probesSucceeded = 0;
}

void CircuitBreaker::closeLocked() {
    m_state = State::Closed;
    m_consecutiveFailures = 0;
    std::fill(m_buckets.begin(), m_buckets.end(), Bucket{});
}

const char *toString(CircuitBreaker::State state) {
    switch (state) {
    case CircuitBreaker::State::Closed:
        return "closed";
    case CircuitBreaker::State::Open:
        return "open";
    case CircuitBreaker::State::HalfOpen:
        return "half-open";
    }
    return "unknown";
}

} // namespace aegis::client
