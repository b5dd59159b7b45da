#pragma once

#include "alerting/alert.h"
#include "alerting/notifier.h"
#include "alerting/rule_file.h"
#include "common/status.h"

#include <chrono>
#include <map>
#include <string>
#include <vector>

namespace aegis::alerting {

// Prometheus keeps a resolved alert (and sends it) this long before forgetting it.
inline constexpr std::chrono::minutes kResolvedRetention{15};

// One element of an alerting expression's instant vector.
struct RuleSample {
    LabelSet labels; // sorted by name; __name__ included when the series has one
    double value = 0;
};

// A rule's alerts by id (alertFingerprint of the rule and the alert's labels).
using AlertMap = std::map<std::string, Alert>;

struct RuleEvaluation {
    // The rule's alerts after the evaluation: pending, firing and resolved ones.
    AlertMap alerts;
    // State changes, in the order they happened (Inactive as `to` when a pending alert ends).
    std::vector<Transition> transitions;
    // Alerts forgotten by this evaluation (a pending alert whose condition stopped, a resolved
    // one past kResolvedRetention, every alert of a rule over its limit).
    std::vector<std::string> removed;
    // Not OK when the rule errs: its query failed or its labels collide (alerts untouched), or
    // it exceeded the group's limit (alerts dropped, as Prometheus does).
    Status error;
};

// The alerting rule state machine, with Prometheus' semantics (rules/alerting.go), and nothing
// else: no time source, no I/O. `ruleId` is "<file>/<group>/<alertname>"; `previous` the rule's
// alerts from its last evaluation; `samples` what the expression returned at `now` (an error:
// the query failed); `limit` the group's (0: none).
//
// A sample's alert has the series' labels without __name__, the rule's labels (expanded with
// expandTemplate; they override the series') and alertname. inactive → pending on a new label
// set; pending → firing at the first evaluation at or after activeAt + for (at once for `for` 0);
// pending → inactive (removed) when it stops; firing → resolved when it stops, unless
// keep_firing_for keeps it firing until that long after it stopped; resolved alerts are kept
// kResolvedRetention, and a resolved label set that comes back starts again as pending.
RuleEvaluation evaluateRule(const Rule &rule, const std::string &ruleId, const AlertMap &previous,
                            const StatusOr<std::vector<RuleSample>> &samples, TimePoint now,
                            int limit = 0);

// Which of `alerts` are due to be sent at `now` (Prometheus' needsSending): firing ones never
// sent or last sent more than `resend` ago, resolved ones once resolved after their last send and
// then every `resend` while kept. Marks each lastSentAt = now and returns what Alertmanager is
// given: startsAt the firing time, endsAt the resolution time or now + 4 × max(resend,
// interval), so Alertmanager resolves it by itself if sending stops.
std::vector<OutgoingAlert> takeAlertsToSend(AlertMap &alerts, TimePoint now,
                                            std::chrono::milliseconds resend,
                                            std::chrono::milliseconds interval,
                                            const std::string &generatorUrl = {});

} // namespace aegis::alerting
