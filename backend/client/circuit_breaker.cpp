#include "client/circuit_breaker.h"

#include <algorithm>

namespace aegis::client {

bool isDependencyFailure(StatusCode code) {
    switch (code) {
    case StatusCode::Unavailable:
    case StatusCode::DeadlineExceeded:
    case StatusCode::Internal:
    case StatusCode::Unknown:
    case StatusCode::ResourceExhausted:
    case StatusCode::DataLoss:
        return true;
    default:
        return false;
    }
}

CircuitBreaker::Permit &CircuitBreaker::Permit::operator=(Permit &&other) noexcept {
    if (this != &other) {
        finish(Outcome::Failure);
        m_breaker = std::exchange(other.m_breaker, nullptr);
        m_generation = other.m_generation;
        m_probe = other.m_probe;
    }
    return *this;
}

CircuitBreaker::Permit::~Permit() {
    finish(Outcome::Failure);
}

void CircuitBreaker::Permit::finish(Outcome outcome) {
    if (CircuitBreaker *breaker = std::exchange(m_breaker, nullptr)) {
        breaker->finish(*this, outcome);
    }
}

CircuitBreaker::CircuitBreaker(CircuitBreakerOptions options, ClockPtr clock,
                               StateListener onStateChange)
    : m_options([&options] {
        options.windowBuckets = std::max(options.windowBuckets, 1);
        options.window = std::max(options.window, std::chrono::milliseconds(options.windowBuckets));
        options.halfOpenProbes = std::max(options.halfOpenProbes, 1);
        options.minimumRequests = std::max(options.minimumRequests, 1);
        options.probeTimeout = std::max(options.probeTimeout, std::chrono::milliseconds(0));
        return options;
    }())
    , m_clock(clock ? std::move(clock) : std::make_shared<SystemClock>())
    , m_onStateChange(std::move(onStateChange))
    , m_window(m_options.window, m_options.windowBuckets) {}

std::optional<CircuitBreaker::Permit> CircuitBreaker::admit() {
    const auto now = m_clock->steadyNow();
    std::optional<Permit> permit;
    {
        std::lock_guard lock(m_mutex);
        updateLocked(now);
        switch (m_state) {
        case State::Closed:
            permit.emplace(Permit(this, m_stats.generation, 0));
            break;
        case State::Open:
            break;
        case State::HalfOpen:
            if (m_probesAdmitted < m_options.halfOpenProbes) {
                ++m_probesAdmitted;
                const std::uint64_t id = m_nextProbeId++;
                m_probes.push_back({id, now});
                permit.emplace(Permit(this, m_stats.generation, id));
            }
            break;
        }
        ++(permit ? m_stats.admitted : m_stats.rejected);
    }
    notify();
    return permit;
}

void CircuitBreaker::finish(const Permit &permit, Permit::Outcome outcome) {
    const auto now = m_clock->steadyNow();
    {
        std::lock_guard lock(m_mutex);
        updateLocked(now);
        if (permit.m_generation != m_stats.generation) {
            ++(outcome == Permit::Outcome::Cancelled ? m_stats.cancelled : m_stats.stale);
        } else {
            if (permit.m_probe != 0) {
                std::erase_if(m_probes, [&](const Probe &p) { return p.id == permit.m_probe; });
            }
            switch (outcome) {
            case Permit::Outcome::Cancelled:
                ++m_stats.cancelled;
                if (permit.m_probe != 0) {
                    --m_probesAdmitted; // the slot is free for another probe
                }
                break;
            case Permit::Outcome::Success:
            case Permit::Outcome::Failure:
                recordLocked(outcome == Permit::Outcome::Success, now);
                break;
            }
        }
    }
    notify();
}

CircuitBreaker::State CircuitBreaker::state() const {
    const auto now = m_clock->steadyNow();
    State state;
    {
        std::lock_guard lock(m_mutex);
        updateLocked(now);
        state = m_state;
    }
    notify();
    return state;
}

CircuitBreaker::Stats CircuitBreaker::stats() const {
    const auto now = m_clock->steadyNow();
    Stats stats;
    {
        std::lock_guard lock(m_mutex);
        updateLocked(now);
        stats = m_stats;
        stats.state = m_state;
    }
    notify();
    return stats;
}

void CircuitBreaker::updateLocked(std::chrono::steady_clock::time_point now) const {
    if (m_state == State::Open && now - m_openedAt >= m_options.openTimeout) {
        transitionLocked(State::HalfOpen, now);
    }
    if (m_state == State::HalfOpen && m_options.probeTimeout.count() > 0 &&
        std::any_of(m_probes.begin(), m_probes.end(), [&](const Probe &probe) {
            return now - probe.admittedAt >= m_options.probeTimeout;
        })) {
        // A probe that never answered is as bad as one that failed.
        ++m_stats.expiredProbes;
        ++m_stats.failures;
        transitionLocked(State::Open, now);
    }
}

void CircuitBreaker::recordLocked(bool success, std::chrono::steady_clock::time_point now) {
    ++(success ? m_stats.successes : m_stats.failures);
    switch (m_state) {
    case State::Open:
        return; // not reached: an open breaker admits nothing in its generation
    case State::HalfOpen:
        if (!success) {
            transitionLocked(State::Open, now);
        } else if (++m_probesSucceeded >= m_options.halfOpenProbes) {
            transitionLocked(State::Closed, now);
        }
        return;
    case State::Closed:
        break;
    }
    Outcomes &bucket = m_window.at(now);
    if (success) {
        ++bucket.successes;
        m_consecutiveFailures = 0;
        return;
    }
    ++bucket.failures;
    ++m_consecutiveFailures;
    if (m_options.consecutiveFailures > 0 &&
        m_consecutiveFailures >= m_options.consecutiveFailures) {
        transitionLocked(State::Open, now);
        return;
    }
    if (m_options.failureRatio > 0) {
        const Outcomes recent = m_window.sum(now);
        const std::int64_t requests = recent.successes + recent.failures;
        if (requests >= m_options.minimumRequests &&
            static_cast<double>(recent.failures) >=
                m_options.failureRatio * static_cast<double>(requests)) {
            transitionLocked(State::Open, now);
        }
    }
}

void CircuitBreaker::transitionLocked(State to, std::chrono::steady_clock::time_point now) const {
    const State from = m_state;
    m_state = to;
    ++m_stats.generation;
    m_probes.clear();
    m_probesAdmitted = 0;
    m_probesSucceeded = 0;
    switch (to) {
    case State::Open:
        m_openedAt = now;
        ++m_stats.opened;
        break;
    case State::Closed:
        m_consecutiveFailures = 0;
        m_window.clear();
        break;
    case State::HalfOpen:
        break;
    }
    if (m_onStateChange) {
        m_pendingTransitions.emplace_back(from, to);
    }
}

void CircuitBreaker::notify() const {
    if (!m_onStateChange) {
        return;
    }
    std::unique_lock lock(m_mutex);
    if (m_notifying) {
        return; // the thread delivering now delivers ours after its own, in order
    }
    m_notifying = true;
    while (!m_pendingTransitions.empty()) {
        const Transition transition = m_pendingTransitions.front();
        m_pendingTransitions.pop_front();
        lock.unlock();
        try {
            m_onStateChange(transition.first, transition.second);
        } catch (...) {
            // A listener's failure must not leave the breaker unable to notify again.
        }
        lock.lock();
    }
    m_notifying = false;
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
