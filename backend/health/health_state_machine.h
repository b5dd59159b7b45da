#pragma once

#include "common/clock.h"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>

namespace aegis::health {

// The health of one check. Ordered from best to worst after Unknown.
enum class HealthState { Unknown, Passing, Warning, Critical };

const char *healthStateName(HealthState state);

// What one probe found: Passing, Warning or Critical (never Unknown), and what it saw.
struct ProbeResult {
    HealthState status = HealthState::Critical;
    // Short human-readable evidence: "HTTP 503", "connect: Connection refused", "timed out".
    std::string output;
};

// How often a state change may happen before the check counts as flapping.
struct FlapParams {
    // More than this many transitions within `window` marks the check flapping; 0 disables.
    std::size_t maxTransitions = 5;
    std::chrono::milliseconds window = std::chrono::minutes(5);
};

// Per-check parameters, shared by the state machine and the scheduler.
struct CheckParams {
    std::chrono::milliseconds interval = std::chrono::seconds(10);
    std::chrono::milliseconds timeout = std::chrono::seconds(2);
    // Consecutive passing results needed to become Passing.
    unsigned rise = 2;
    // Consecutive non-passing results needed to leave Passing/Unknown for Warning or Critical.
    unsigned fall = 3;
    HealthState initialState = HealthState::Unknown;
    // Critical for this long means the instance should be removed; zero disables.
    std::chrono::milliseconds deregisterAfter{0};
    // Each delay between probes is interval ± a uniform random share of up to this much.
    std::chrono::milliseconds jitter{0};
    FlapParams flap;
    // Transitions kept in the history, oldest dropped first.
    std::size_t historyLimit = 64;
};

// A change of state, as kept in the history.
struct Transition {
    HealthState from = HealthState::Unknown;
    HealthState to = HealthState::Unknown;
    std::chrono::system_clock::time_point at;
    std::string reason;
    std::string output;
};

// What listeners are told. While a check flaps its transitions are recorded but not announced;
// one event announces the start of flapping and one the end, each with the current state.
struct HealthEvent {
    // The state last announced, and the state now.
    HealthState from = HealthState::Unknown;
    HealthState to = HealthState::Unknown;
    bool flapping = false;
    bool flappingChanged = false;
    std::chrono::system_clock::time_point at;
    std::string reason;
    std::string output;
    // The check's CheckDefinition::generation (set by the scheduler).
    std::uint64_t generation = 0;
};

// Turns a sequence of probe results into a health state with rise/fall hysteresis, flap
// detection and a bounded transition history. No I/O; time comes only from the clock. Not
// thread-safe: one owner (the scheduler's per-check strand) feeds it.
//
// Rules: `rise` consecutive Passing results make the state Passing. `fall` consecutive non-passing
// results make it follow the latest of them (Warning or Critical); once failing, each further
// non-passing result sets the state to its own status at once. A result of the other kind resets
// the run.
class HealthStateMachine {
public:
    HealthStateMachine(CheckParams params, ClockPtr clock);

    // Feeds one result; returns the event to announce, if any.
    std::optional<HealthEvent> observe(const ProbeResult &result);
    // Feeds what the instance reports about itself (a ttl check): its status applies at once,
    // without waiting for `rise` or `fall` results, because the instance knows it first-hand.
    std::optional<HealthEvent> observeReport(const ProbeResult &result);

    HealthState state() const { return m_state; }
    bool isFlapping() const { return m_flapping; }
    const std::string &reason() const { return m_reason; }
    const std::string &lastOutput() const { return m_lastOutput; }
    std::chrono::system_clock::time_point changedAt() const { return m_changedAt; }
    const std::deque<Transition> &history() const { return m_history; }
    unsigned consecutivePassing() const { return m_passingRun; }
    unsigned consecutiveFailing() const { return m_failingRun; }

    // True once the state has been Critical for at least `deregisterAfter` (when set).
    bool deregisterDue() const;

    const CheckParams &params() const { return m_params; }

private:
    std::optional<HealthEvent> observe(const ProbeResult &result, unsigned rise, unsigned fall);
    void enter(HealthState next, std::string reason, const std::string &output);
    bool updateFlapping(std::chrono::steady_clock::time_point now);

    CheckParams m_params;
    ClockPtr m_clock;
    HealthState m_state;
    HealthState m_announced;
    bool m_flapping = false;
    unsigned m_passingRun = 0;
    unsigned m_failingRun = 0;
    std::string m_reason;
    std::string m_lastOutput;
    std::chrono::system_clock::time_point m_changedAt;
    std::chrono::steady_clock::time_point m_criticalSince;
    std::deque<Transition> m_history;
    // Monotonic times of recent transitions, for flap detection.
    std::deque<std::chrono::steady_clock::time_point> m_recentTransitions;
};

} // namespace aegis::health
