#include "health/health_state_machine.h"

#include <utility>

namespace aegis::health {

const char *healthStateName(HealthState state) {
    switch (state) {
    case HealthState::Unknown:
        return "unknown";
    case HealthState::Passing:
        return "passing";
    case HealthState::Warning:
        return "warning";
    case HealthState::Critical:
        return "critical";
    }
    return "unknown";
}

HealthStateMachine::HealthStateMachine(CheckParams params, ClockPtr clock)
    : m_params(std::move(params))
    , m_clock(std::move(clock))
    , m_state(m_params.initialState)
    , m_announced(m_params.initialState)
    , m_reason("initial state")
    , m_changedAt(m_clock->now())
    , m_criticalSince(m_clock->steadyNow()) {
    if (m_params.rise == 0) {
        m_params.rise = 1;
    }
    if (m_params.fall == 0) {
        m_params.fall = 1;
    }
}

std::optional<HealthEvent> HealthStateMachine::observe(const ProbeResult &result) {
    return observe(result, m_params.rise, m_params.fall);
}

std::optional<HealthEvent> HealthStateMachine::observeReport(const ProbeResult &result) {
    return observe(result, 1, 1);
}

std::optional<HealthEvent> HealthStateMachine::observe(const ProbeResult &result, unsigned rise,
                                                       unsigned fall) {
    m_lastOutput = result.output;
    const HealthState before = m_state;
    if (result.status == HealthState::Passing) {
        m_failingRun = 0;
        ++m_passingRun;
        if (m_state != HealthState::Passing && m_passingRun >= rise) {
            enter(HealthState::Passing,
                  m_passingRun == 1 ? std::string("1 passing result")
                                    : std::to_string(m_passingRun) + " consecutive passing results",
                  result.output);
        }
    } else {
        const HealthState status =
            result.status == HealthState::Warning ? HealthState::Warning : HealthState::Critical;
        m_passingRun = 0;
        ++m_failingRun;
        if (m_state != status && m_failingRun >= fall) {
            enter(status,
                  (m_failingRun == 1
                       ? std::string("1 failing result")
                       : std::to_string(m_failingRun) + " consecutive failing results") +
                      ": " + result.output,
                  result.output);
        }
    }

    const bool wasFlapping = m_flapping;
    const bool flapping = updateFlapping(m_clock->steadyNow());
    const bool flappingChanged = flapping != wasFlapping;
    if (!flappingChanged && (flapping || m_state == before || m_state == m_announced)) {
        return std::nullopt;
    }
    HealthEvent event;
    event.from = m_announced;
    event.to = m_state;
    event.flapping = flapping;
    event.flappingChanged = flappingChanged;
    event.at = m_clock->now();
    event.reason = m_reason;
    event.output = result.output;
    m_announced = m_state;
    return event;
}

bool HealthStateMachine::deregisterDue() const {
    return m_state == HealthState::Critical && m_params.deregisterAfter.count() > 0 &&
           m_clock->steadyNow() - m_criticalSince >= m_params.deregisterAfter;
}

void HealthStateMachine::enter(HealthState next, std::string reason, const std::string &output) {
    const auto steadyNow = m_clock->steadyNow();
    Transition transition{m_state, next, m_clock->now(), reason, output};
    m_state = next;
    m_reason = std::move(reason);
    m_changedAt = transition.at;
    if (next == HealthState::Critical) {
        m_criticalSince = steadyNow;
    }
    m_history.push_back(std::move(transition));
    while (m_history.size() > m_params.historyLimit) {
        m_history.pop_front();
    }
    m_recentTransitions.push_back(steadyNow);
}

bool HealthStateMachine::updateFlapping(std::chrono::steady_clock::time_point now) {
    while (!m_recentTransitions.empty() &&
           now - m_recentTransitions.front() > m_params.flap.window) {
        m_recentTransitions.pop_front();
    }
    if (m_params.flap.maxTransitions == 0) {
        m_flapping = false;
        m_recentTransitions.clear();
        return false;
    }
    // Hysteresis: flapping starts above the limit and ends only once the window holds at most
    // half of it, so a check on the edge does not toggle the flag itself.
    if (!m_flapping && m_recentTransitions.size() > m_params.flap.maxTransitions) {
        m_flapping = true;
    } else if (m_flapping && m_recentTransitions.size() <= m_params.flap.maxTransitions / 2) {
        m_flapping = false;
    }
    return m_flapping;
}

} // namespace aegis::health
