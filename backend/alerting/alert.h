#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace aegis::alerting {

// A label set sorted by name (unique names).
using LabelSet = std::vector<std::pair<std::string, std::string>>;

// Values match aegis.v1.AlertState.
enum class AlertState { Pending = 1, Firing = 2, Resolved = 3, Inactive = 4 };
const char *alertStateName(AlertState state);

using TimePoint = std::chrono::system_clock::time_point;

// One series of one alerting rule that is (or lately was) active: the evaluator's state, kept
// durable so that a restart neither forgets it nor notifies it again as new.
struct Alert {
    std::string id;   // fingerprint of rule and labels: 16 hex digits
    std::string rule; // "<file>/<group>/<alertname>"
    LabelSet labels;  // alertname, series labels, rule labels (rule labels win)
    LabelSet annotations;
    AlertState state = AlertState::Pending;
    double value = 0;
    TimePoint activeAt;   // the condition started to hold
    TimePoint firedAt;    // zero until firing
    TimePoint resolvedAt; // zero until resolved
    TimePoint lastSentAt; // zero: never sent
    // Zero unless the condition stopped holding while firing and keep_firing_for keeps it firing.
    TimePoint keepFiringSince;
    TimePoint lastEvaluation;
    bool operator==(const Alert &) const = default;
};

// One change of an alert's state, as history keeps it.
struct Transition {
    std::string alertId;
    std::string rule;
    LabelSet labels;
    AlertState from = AlertState::Inactive;
    AlertState to = AlertState::Pending;
    double value = 0;
    TimePoint time;
};

// The alert's id: FNV-1a 64 of the rule and its sorted labels, as 16 hex digits.
std::string alertFingerprint(const std::string &rule, const LabelSet &labels);

} // namespace aegis::alerting
