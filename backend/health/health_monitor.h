#pragma once

#include "common/clock.h"
#include "common/status.h"
#include "health/health_scheduler.h"
#include "health/outlier_detector.h"
#include "registry/registry.h"
#include "store/store.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/strand.hpp>

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace prometheus {
class Registry;
}

namespace aegis::health {

class HealthMetrics;

// A service's check as operators configure it; each instance's check is this with the
// instance's "health.*" metadata overrides applied (see checkForInstance()).
struct ServiceCheck {
    // "http", "tcp", "grpc" or "ttl".
    std::string kind;
    // 0: the port of the instance's address.
    std::uint16_t port = 0;
    std::map<std::string, std::string> options;
    CheckParams params;
    double panicThreshold = registry::kDefaultPanicThreshold;
};

// A stored ServiceCheck with the revision of its last change.
struct StoredCheck {
    ServiceCheck check;
    store::Revision modRevision = 0;
};

// One recorded transition of an instance's health.
struct RecordedTransition {
    std::string service;
    std::string instanceId;
    registry::HealthStatus from = registry::HealthStatus::Unknown;
    registry::HealthStatus to = registry::HealthStatus::Unknown;
    bool flapping = false;
    bool ejected = false;
    std::string reason;
    std::string output;
    std::chrono::system_clock::time_point time;
    store::Revision revision = 0;
};

// What callers saw of one instance since their last report.
struct CallOutcome {
    std::string instanceId;
    std::uint32_t successes = 0;
    std::uint32_t failures = 0;
    // Failures since the last success.
    std::uint32_t trailingFailures = 0;
};

// The live detail of an instance's check, for GetInstanceHealth.
struct CheckDetail {
    std::string kind;
    std::string target;
    CheckSnapshot snapshot;
    OutlierDetector::InstanceState outlier;
};

struct HealthMonitorOptions {
    OutlierDetectorOptions outlier;
    // Transitions kept per instance; the oldest go first.
    std::size_t historyLimit = 100;
    // History of an instance that is no longer registered is dropped this long after its last
    // transition.
    std::chrono::milliseconds historyRetention = std::chrono::hours(1);
    std::uint64_t jitterSeed = 0;
    // Whether this replica checks the instance "<service>/<id>" when health checks are sharded
    // across replicas (cluster::Coordinator::owns); null: it checks every instance. Another
    // replica's results arrive through the registry. Called with the monitor's lock held.
    std::function<bool(std::string_view instanceKey)> owns;
};

// Validates a ServiceCheck against the limits and the probe kinds known to `probers`;
// InvalidArgument names the field ("check.interval_ms", "check.options.path", ...).
Status validateServiceCheck(const ServiceCheck &check, const ProberRegistry &probers);

// The check of one instance: the service's, with the instance's metadata overrides:
// "health.port", "health.interval", "health.timeout", "health.jitter", "health.deregister_after"
// (durations), "health.rise", "health.fall", "health.initial" (unknown|passing|warning|critical),
// "health.disabled" ("true": no check; the result is empty), and "health.<option>" for any probe
// option ("health.path": "/ready"). InvalidArgument names the metadata key.
StatusOr<std::optional<CheckDefinition>> checkForInstance(const ServiceCheck &check,
                                                          const registry::Instance &instance);

// Health checking wired to discovery. It follows the registry (every instance of a service with a
// check gets one in the HealthScheduler), turns the checks' announced events and the callers'
// outcome reports into the instances' health (Registry::updateHealth, which also applies the
// panic threshold), records each transition under /health/history/ (bounded per instance), and
// removes instances critical for their check's deregister_after. Check configurations live under
// /health/checks/<service>. What it keeps of the store (checks, the panic thresholds it sets into
// the registry, the history's sequence numbers) follows the store's event stream, so a check set
// through another replica applies here too. With options.owns, only the owner of an instance
// checks it and writes its health and history; the others follow its record. Thread-safe; work
// triggered by the registry runs on its own strand of the io pool. Destroy it before the io pool
// stops.
class HealthMonitor {
public:
    static constexpr std::string_view kChecksPrefix = "/health/checks/";
    static constexpr std::string_view kHistoryPrefix = "/health/history/";
    // /health/reports/<service>/<instance>: a ttl report made to a replica that does not own the
    // instance, relayed through the store to the one that does.
    static constexpr std::string_view kReportsPrefix = "/health/reports/";

    HealthMonitor(store::Store &store, registry::Registry &registry, boost::asio::io_context &io,
                  const ProberRegistry &probers, ClockPtr clock, HealthMonitorOptions options = {});
    ~HealthMonitor();
    HealthMonitor(const HealthMonitor &) = delete;
    HealthMonitor &operator=(const HealthMonitor &) = delete;

    // Loads check configurations and history, follows the store's changes to them from then on,
    // and starts the checks of every registered instance. Call once, after Registry::load().
    Status start();
    // Registers health checking's metrics (health_metrics.h) in `registry`. Call once, before
    // start().
    void exportMetrics(prometheus::Registry &registry);

    // With `at`, read from the store, and `at` receives the revision it was read at.
    std::optional<StoredCheck> check(const std::string &service,
                                     store::Revision *at = nullptr) const;
    // expectedRevision: 0 unconditional, -1 only if none exists, else the current modRevision
    // (ABORTED otherwise). Done once durable with the new modRevision.
    void setCheck(const std::string &service, ServiceCheck check, store::Revision expectedRevision,
                  std::function<void(StatusOr<store::Revision>)> done,
                  std::vector<store::Operation> alsoWrite = {});
    void deleteCheck(const std::string &service,
                     std::function<void(StatusOr<store::Revision>)> done,
                     std::vector<store::Operation> alsoWrite = {});

    // An instance's own report to its ttl check, taken on whichever replica it reaches: the
    // owner applies it at once, another replica relays it through the store; `done` runs once it
    // is applied or durable (NOT_FOUND without such an instance or check, FAILED_PRECONDITION
    // when its check is not a ttl check).
    void report(const std::string &service, const std::string &instanceId,
                const ProbeResult &result, std::function<void(Status)> done);
    // Feeds the outlier detector; returns the instances this report ejected. Outcomes naming
    // instances the registry does not know are ignored.
    std::vector<std::string> recordOutcomes(const std::string &service,
                                            const std::vector<CallOutcome> &outcomes);
    std::optional<CheckDetail> detail(const std::string &service, const std::string &instanceId);

    // Ends expired ejections and drops stale history. The daemon calls it a few times a second.
    void sweep();
    // Asks options.owns again for every instance, starting and stopping checks to match: the
    // live replica set changed.
    void reshard();

    std::size_t checkCount() const { return m_scheduler->checkCount(); }
    // Registered instances the monitor follows (it learns of registrations asynchronously).
    std::size_t followedInstances() const;

    static std::string checkKey(const std::string &service);
    static std::string historyPrefix(const std::string &service, const std::string &instanceId);
    static std::optional<RecordedTransition> decodeTransition(const store::KeyValue &kv);
    static std::string encodeCheck(const ServiceCheck &check);
    static std::optional<ServiceCheck> decodeCheck(const std::string &value);

private:
    struct Tracked {
        registry::InstanceHealth health;
        // What the running check was built from; empty when there is none.
        std::string fingerprint;
        // The running check's CheckDefinition::generation: callbacks of a replaced check carry an
        // older one and are ignored.
        std::uint64_t generation = 0;
        std::string kind;
        std::string target;
        // Sequence numbers stored: the event stream's, plus this replica's writes in flight.
        std::set<std::uint64_t> history;
        std::uint64_t nextSequence = 1;
        std::chrono::system_clock::time_point lastTransition;
        bool registered = false;
        // The instance's last own report (ttl checks), fed again to a check that restarts.
        std::optional<ProbeResult> lastReport;
        std::chrono::steady_clock::time_point lastReportAt;
        // Another replica owns the instance (options.owns): `health` mirrors its record.
        bool followsOwner = false;
    };

    static std::string trackedKey(const std::string &service, const std::string &instanceId) {
        return service + "/" + instanceId;
    }
    void onInstancesChanged(const std::vector<registry::InstanceChange> &changes);
    // Feeds `result` to the instance's check if it runs here; NOT_FOUND when it does not.
    Status reportHere(const std::string &key, const ProbeResult &result);
    // A report another replica relayed (kReportsPrefix), applied if the check runs here.
    void applyRelayedReportLocked(const store::KeyValue &kv);
    // The store's events under /health/, on its writer thread (see Store::subscribe): the one
    // path by which checks, panic thresholds and history reach this monitor, local writes too.
    void applyEvents(const std::vector<store::Event> &events);
    // m_mutex held.
    void applyHistoryLocked(const store::KeyValue &kv, bool present);
    bool ownsLocked(const std::string &key) const { return !m_options.owns || m_options.owns(key); }
    // m_mutex held.
    void reconcileLocked(const std::string &service, const std::string &instanceId,
                         const std::optional<registry::Instance> &instance);
    void reconcileServiceLocked(const std::string &service);
    void refreshOutlierInstancesLocked(const std::string &service);
    // Publishes `tracked.health` with a history entry for the transition from `from`.
    void publishLocked(const std::string &service, const std::string &instanceId, Tracked &tracked,
                       registry::HealthStatus from);
    void onCheckEvent(const std::string &checkId, const HealthEvent &event);
    void onDeregisterDue(const std::string &checkId, std::uint64_t generation);

    store::Store &m_store;           // Not owned.
    registry::Registry &m_registry;  // Not owned.
    boost::asio::io_context &m_io;   // Not owned.
    const ProberRegistry &m_probers; // Not owned.
    ClockPtr m_clock;
    HealthMonitorOptions m_options;
    boost::asio::strand<boost::asio::io_context::executor_type> m_strand;
    OutlierDetector m_outliers;

    // Guards everything below; taken before the registry's own locks.
    mutable std::mutex m_mutex;
    std::map<std::string, StoredCheck> m_checks; // by service
    std::map<std::string, Tracked> m_tracked;    // by "service/instance"
    std::shared_ptr<HealthMetrics> m_metrics;    // Null until exportMetrics().
    std::set<std::string> m_ejected;             // tracked keys currently ejected
    // Services whose instance set changed since the outlier detector was last told.
    std::set<std::string> m_outliersStale;
    std::chrono::system_clock::time_point m_lastHistoryPrune;
    std::uint64_t m_nextGeneration = 1;
    // The revision the monitor's view of /health/ is at; older events are already in it.
    store::Revision m_revision = 0;
    // Declared last: destroyed first, while the state its callbacks use still exists.
    std::unique_ptr<HealthScheduler> m_scheduler;
    // Reset first in the destructor: no event arrives once the monitor starts going away.
    store::EventSubscription m_subscription;
};

} // namespace aegis::health
