#pragma once

#include "alerting/alert.h"
#include "alerting/alerting_settings.h"
#include "alerting/matcher.h"
#include "alerting/notifier.h"
#include "alerting/rule_file.h"
#include "common/clock.h"
#include "common/status.h"
#include "store/store.h"

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace aegis::config {
class ConfigCenter;
}
namespace aegis::metrics {
class QueryBackend;
}
namespace aegis::store {
class WatchHub;
}
namespace prometheus {
class Registry;
}

namespace aegis::alerting {

// Alerting's configuration items: rule files are "aegis-alerting/rules/<file>", Alertmanager's
// configuration is "aegis-alerting/alertmanager/config".
inline constexpr std::string_view kAlertingNamespace = "aegis-alerting";
inline constexpr std::string_view kRulesGroup = "rules";
inline constexpr std::string_view kAlertmanagerGroup = "alertmanager";
inline constexpr std::string_view kAlertmanagerConfigKey = "config";
inline constexpr std::string_view kDefaultRulesFile = "aegis-defaults";

// aegisd's built-in alert, raised by the engine itself (not a rule file) when every rule query of
// an evaluation round failed with UNAVAILABLE or DEADLINE_EXCEEDED: pending at once, firing after
// 1 m, resolved when queries answer again. Labels alertname, service="aegisd",
// severity="critical"; stored and sent like a rule's alerts.
inline constexpr std::string_view kBackendDownAlert = "AegisMetricsBackendDown";
inline constexpr std::string_view kBackendDownRuleId = "aegisd/builtin/AegisMetricsBackendDown";

// Values match aegis.v1.RuleHealth.
enum class RuleHealth { Unknown = 1, Ok = 2, Err = 3 };

struct RuleStatus {
    std::string file;
    std::string group;
    Rule rule;
    std::chrono::milliseconds interval{0};
    RuleHealth health = RuleHealth::Unknown;
    std::string lastError;
    TimePoint lastEvaluation;
    std::chrono::microseconds evaluationDuration{0};
    int pending = 0;
    int firing = 0;
};

struct TestRuleResult {
    std::vector<Alert> alerts; // Pending or Firing, values and rendered annotations
    int seriesCount = 0;
    std::vector<std::string> warnings;
};

// Values match aegis.v1.AlertEventType.
enum class AlertEventType { Changed = 1, Removed = 2 };
struct AlertEvent {
    AlertEventType type = AlertEventType::Changed;
    Alert alert;
};

// A domain watch of alerts (like registry's InstanceWatch): batches of AlertEvents in revision
// order from the store's event stream of /alerting/alerts/.
class AlertWatch {
public:
    struct Batch {
        std::vector<AlertEvent> events;
        store::Revision revision = 0; // of the last event taken
        Status ended;                 // set when the watch ended; events empty then
    };
    virtual ~AlertWatch() = default;
    virtual Batch take(std::size_t maxEvents) = 0;
    virtual void cancel() = 0;
};
using AlertWatchPtr = std::shared_ptr<AlertWatch>;

// The alerting module: follows the rule files (config items under aegis-alerting/rules/, from the
// store's event stream, whoever wrote them), evaluates each group on its interval with instant
// queries through the metrics backend, keeps alert state (active since, last value, last sent)
// durable under /alerting/, records transitions, and hands alerts to the Notifier: new firing
// alerts and resolutions at once, the rest every resend interval.
//
// State machine per series (Prometheus' semantics): inactive → pending when the condition holds;
// pending → firing once it held for `for` (at once when `for` is 0); pending → inactive when it
// stops holding; firing → resolved when it stops holding and keep_firing_for (since it stopped)
// has passed; resolved alerts are kept and sent for 15 minutes, then removed. A rule whose query
// fails is erroring: its alerts keep their state (never resolved by an outage).
//
// After a restart, load() restores every alert; if aegisd was down at most outage_tolerance, a
// pending alert keeps its `for` progress and a firing one its start and last send, so Alertmanager
// sees neither a new alert nor a resolution. Time comes from the injected clock only; the
// engine's thread wakes at each group's due time, and tests call evaluateDue() instead.
class AlertEngine {
public:
    AlertEngine(store::Store &store, config::ConfigCenter &config, metrics::QueryBackend *queries,
                Notifier *notifier, ClockPtr clock, AlertingSettings settings);
    ~AlertEngine();

    // Registers the engine's metrics; call once, before load().
    void exportMetrics(prometheus::Registry &registry);
    // Subscribes to the store, restores alert state and reads the rule files; call once.
    Status load();
    // Starts / stops the evaluation thread. stop() waits for a round in progress.
    void start();
    void stop();

    // Evaluates every group whose time has come at the clock's now; `done` runs when they are
    // all evaluated and their state is durable. What the thread does, for tests and benchmarks.
    void evaluateDue(std::function<void()> done);

    // Reads. `at` receives the revision the answer reflects.
    std::vector<Alert> alerts(const MatcherSet &matchers, bool includeResolved,
                              store::Revision *at = nullptr) const;
    std::vector<RuleStatus> rules(const std::string &file = {}) const;
    // Newest first; by alert id, or every alert of a rule.
    std::vector<Transition> history(const std::string &alertId, const std::string &rule,
                                    std::size_t limit) const;
    // Firing alerts whose labels include service="<service>": what gates a rollout.
    std::vector<Alert> firingFor(const std::string &service) const;

    StatusOr<AlertWatchPtr> watch(store::WatchHub &hub, MatcherSet matchers,
                                  store::Revision startRevision, std::function<void()> notify);

    // Evaluates a draft rule now (a range query over the last `for`, one step per interval).
    void testRule(Rule rule, std::chrono::milliseconds interval,
                  std::function<void(StatusOr<TestRuleResult>)> done);
    // Asks the metrics backend whether each alerting rule's expression parses; diagnostics name
    // the group, rule and the expression's line and column in the file.
    void checkExpressions(RuleFile file, std::function<void(std::vector<RuleDiagnostic>)> done);

private:
    struct State;
    std::unique_ptr<State> m_state;
};

} // namespace aegis::alerting
