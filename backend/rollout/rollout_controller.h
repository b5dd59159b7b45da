#pragma once

#include "common/clock.h"
#include "metrics/query_backend.h"
#include "rollout/alert_source.h"
#include "rollout/audit_sink.h"
#include "rollout/extension_registry.h"
#include "rollout/instance_source.h"
#include "rollout/rollout.h"
#include "rollout/rollout_actions.h"
#include "store/store.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace prometheus {
class Registry;
}

namespace aegis::rollout {

class RolloutMetrics;

struct RolloutControllerOptions {
    // How often time-based conditions are looked at (gate windows, pauses, bake, deadlines). Only
    // the wake-up is a real timer: every condition compares times read from the injected clock.
    std::chrono::milliseconds tickInterval{100};
    // A failing router call is retried this often.
    std::chrono::milliseconds routerRetryInterval{1000};
    // Switching gives up (and rolls back) after this many failed router calls in a row.
    int routerAttempts = 3;
    // Aborting keeps retrying the router this long before the rollout is FAILED.
    std::chrono::milliseconds abortPatience{30'000};
    // Log lines kept per rollout; later ones are dropped with one notice.
    std::size_t logLinesPerRollout = 1000;
};

// Who asks, for the transition's reason and the audit record.
struct Actor {
    std::string name;
    // Operations committed with the action's first write (the API's audit record).
    std::vector<store::Operation> alsoWrite;
};

struct RolloutQuery {
    // Empty: every service.
    std::string service;
    bool activeOnly = false;
    std::size_t pageSize = 50;
    std::string pageToken;
};

struct RolloutPage {
    std::vector<Rollout> rollouts;
    std::string nextPageToken;
    store::Revision revision = 0;
};

// Runs rollouts: a persisted state machine per rollout (Pending → Provisioning → Verifying →
// AwaitingApproval → Switching → Baking → Finalizing → Succeeded, or Aborting → RolledBack, or
// Failed), driving deploy drivers and traffic routers found by name in the ExtensionRegistry.
//
// Every transition is one transaction (the rollout record, its release, an audit record), and the
// controller acts only on what is durable, so a daemon killed at any point resumes each rollout
// from its record: steps are idempotent (provision adopts, routers re-apply) and a rollout that
// was aborting finishes rolling back. A split is applied only when every colour it gives traffic
// has a routable instance, so traffic never points at nothing.
//
// A spec's analysis (rollout_analysis.h) is measured through `queries`, asynchronously: a
// failed check or canary comparison rolls back, an inconclusive one pauses for the operator.
// At each canary step in effect (weight < 100) and through the bake, a firing alert from
// `alerts` for the service (and the new colour, when the alert carries one) rolls back too.
//
// All state lives on one strand; the public calls are thread-safe and complete through callbacks
// once their change is durable. Time is read from `clock` only (deadlines, pauses, retries).
class RolloutController {
public:
    // `queries` may be null (metrics are off): a spec with analysis is then refused. `alerts`
    // may be null (alerting is off): no alert gates a rollout then.
    RolloutController(store::Store &store, const InstanceSource &instances,
                      metrics::QueryBackend *queries, const AlertSource *alerts, AuditSink &audit,
                      ExtensionRegistry &extensions, boost::asio::io_context &io, ClockPtr clock,
                      RolloutControllerOptions options = {});
    ~RolloutController();

    // Reads releases and rollouts, then (once the io_context runs) adopts every recorded
    // deployment through its driver, resumes active rollouts and ticks. Requests made before it
    // are refused with UNAVAILABLE. Call it first; call it again after stop() when this replica
    // leads again: it forgets what it knew and resumes every rollout from the store exactly as a
    // daemon's start does (then the io_context must be running, and not from its threads).
    Status start();
    // Registers the controller's metrics (rollout_metrics.h) in `registry`. Call once, before
    // start().
    void exportMetrics(prometheus::Registry &registry);
    // Stops acting (timers), leaving deployments running; requests are refused with UNAVAILABLE
    // and `reason` until start(). Answers of drivers and routers to calls of the stopped term are
    // ignored. Blocks until the strand is idle; not from the io threads.
    void stop(std::string reason = "the daemon is shutting down");

    // Starts a rollout: validated (spec, driver, router), FAILED_PRECONDITION when the service
    // has an active one. `done` gets the new rollout once durable.
    void startRollout(RolloutSpec spec, Actor actor, std::function<void(StatusOr<Rollout>)> done);
    // Acts on a rollout; FAILED_PRECONDITION with the action policy's reason (rollout_actions.h)
    // when the action does not apply. A repeated pause or abort is accepted and changes nothing.
    void act(const std::string &id, Action action, std::string reason, Actor actor,
             std::function<void(StatusOr<Rollout>)> done);

    // Reads (from the store, so they reflect everything durable). `at` receives the store
    // revision the answer was read at.
    StatusOr<Rollout> get(const std::string &id, store::Revision *at = nullptr) const;
    StatusOr<RolloutPage> list(const RolloutQuery &query) const;
    StatusOr<std::pair<std::vector<Release>, store::Revision>> releases() const;
    // The actions an operator can take on `rollout` now, judged against its service's release as
    // stored (`release`, or read when null) and the clock.
    StatusOr<std::vector<ActionAvailability>>
    availableActions(const Rollout &rollout, const Release *release = nullptr) const;
    StatusOr<std::pair<std::vector<LogLine>, bool>> log(const std::string &id,
                                                        std::int64_t afterSequence,
                                                        std::size_t limit,
                                                        store::Revision *at = nullptr) const;

    // Records a deployment's new driver state (a driver restarted one of its processes).
    void driverStateChanged(const std::string &service, Color color, DriverState state);

    // Runs one evaluation of every active rollout now (tests with a manual clock).
    void tick();

private:
    struct Active;
    struct ReleaseState;

    void onTick();
    void scheduleTick();
    // Starts the ticker when it stopped for want of services.
    void ensureTicking();
    // Sets the gauge of rollouts in progress from m_services.
    void countInProgress();
    // Fills m_services from the store (start()).
    Status load();
    // Evaluates one service's rollout and release; starts at most one asynchronous step.
    void reconcile(const std::string &service);
    void reconcileRollout(ReleaseState &state, Active &active);
    void reconcileRelease(ReleaseState &state);

    void provision(ReleaseState &state, Active &active);
    void holdTraffic(ReleaseState &state, Active &active);
    void verify(ReleaseState &state, Active &active);
    void switchTraffic(ReleaseState &state, Active &active);
    void bake(ReleaseState &state, Active &active);
    void finalize(ReleaseState &state, Active &active);
    void rollBack(ReleaseState &state, Active &active);

    // Moves the rollout to `phase` (persisted with `changes` applied to copies of the rollout and
    // its release, then adopted in memory).
    using Mutation = std::function<void(Rollout &, Release &)>;
    // A change to the service's active rollout (which it may create) and release, applied to
    // copies when the write's turn comes; false: nothing to write.
    using Change = std::function<bool(std::optional<Rollout> &, Release &)>;
    void transition(ReleaseState &state, Phase phase, std::string reason, Mutation changes = {},
                    std::vector<store::Operation> alsoWrite = {},
                    std::function<void(Status)> done = {});
    // Persists changes to the rollout and release without a change of phase.
    void persist(ReleaseState &state, Mutation changes, std::vector<store::Operation> alsoWrite,
                 std::function<void(Status)> done);
    // Queues a write; the service's writes commit one at a time, in order, and the in-memory
    // state adopts each once durable.
    void enqueue(ReleaseState &state, Change change, std::vector<store::Operation> alsoWrite = {},
                 std::function<void(Status)> done = {});
    void runWrites(ReleaseState &state);
    void committed(const std::string &service, std::optional<Rollout> rollout, Release release,
                   bool phaseChanged, bool audited, bool releaseWritten,
                   StatusOr<store::TransactionResult> result, std::function<void(Status)> done);
    // Records a split a router applied for a step that is no longer current.
    void recordTraffic(ReleaseState &state, const std::string &id, TrafficSplit split);
    void applySplit(ReleaseState &state, TrafficSplit split, std::function<void(Status)> done);
    // In a router's answer to the split that attempt `generation` applied: the service's state
    // when that attempt is still the active one (router no longer busy); otherwise null, after
    // recording a split that did apply and reconciling the service.
    ReleaseState *routerAnswered(const std::string &service, const std::string &id,
                                 TrafficSplit split, std::uint64_t generation,
                                 const Status &status);
    // Applies `split` as a step of the active rollout: the router is busy meanwhile; a result
    // arriving after an abort moved the rollout on is recorded and reconciled; a failure is retried
    // after routerRetryInterval and aborts the rollout after routerAttempts (`failing` says what
    // was attempted, for that message). `applied` runs once the split is in effect.
    void applyRolloutSplit(ReleaseState &state, Active &active, TrafficSplit split,
                           std::string failing,
                           std::function<void(ReleaseState &, Active &)> applied);
    void appendLog(const std::string &rolloutId, std::string line);

    // Analysis (rollout_analysis_steps.cpp). Starts the measurements of `stage` (one of the
    // AnalysisStage kinds: "verification", "step 2", "bake") that are due; true when nothing in
    // the analysis holds the stage any longer (checks with a count done, a conclusive comparison).
    bool analyse(ReleaseState &state, Active &active, AnalysisStage kind, const std::string &stage,
                 int weight);
    // Whether the analysis holds a stage of this kind at all (then a step without a pause waits).
    static bool analysisHolds(const Rollout &rollout, AnalysisStage kind, int weight);
    void measure(Active &active, const AnalysisCheck &check);
    void recordMeasurement(const std::string &service, std::uint64_t generation,
                           const std::string &stage, std::size_t firstRun, const std::string &check,
                           const std::string &query, StatusOr<metrics::QueryResult> result);
    void compare(Active &active);
    struct ComparisonSamples;
    void recordComparison(const std::string &service, std::uint64_t generation,
                          const std::string &stage, std::shared_ptr<ComparisonSamples> samples);

    // Why a firing alert fails the stage ("alert HighErrorRatio{service=\"shop\"} is firing"),
    // or empty when none does (rollout_analysis_steps.cpp).
    std::string firingAlert(const Rollout &rollout) const;

    // The new version's instances as the instance source has them.
    struct NewInstances {
        int registered = 0;
        int healthy = 0;
        // The first new instance critical or ejected, if any.
        std::string failing;
        std::string failingWhy;
    };
    NewInstances newInstances(const Active &active) const;
    std::vector<RouteEndpoint> endpoints(const std::string &service, Color color) const;
    Status checkReachable(const std::string &service, TrafficSplit split) const;
    // The audit record of the controller moving `rollout` (already in its new phase) from `from`.
    store::Operation auditFor(const Rollout &rollout, Phase from, const std::string &reason);

    store::Store &m_store;
    const InstanceSource &m_instances; // Not owned.
    metrics::QueryBackend *m_queries;  // Not owned; null when metrics are off.
    const AlertSource *m_alerts;       // Not owned; null when alerting is off.
    AuditSink &m_audit;                // Not owned.
    ExtensionRegistry &m_extensions;
    boost::asio::io_context &m_io;
    ClockPtr m_clock;
    const RolloutControllerOptions m_options;
    boost::asio::strand<boost::asio::io_context::executor_type> m_strand;
    boost::asio::steady_timer m_ticker;
    // A tick is scheduled (strand only). With no service to reconcile the ticker stops, so an
    // idle daemon does not wake for it; the first service starts it again.
    bool m_ticking = false;

    std::shared_ptr<RolloutMetrics> m_metrics; // Null until exportMetrics(); strand only after.
    // Strand only.
    std::map<std::string, std::unique_ptr<ReleaseState>> m_services;
    // True until start() and after stop(); read by requests, which are refused with m_refusal.
    std::atomic<bool> m_stopped{true};
    std::string m_refusal = "this replica does not run rollouts now: the leader does; retry on "
                            "another replica (aegisctl status shows which one leads)";
    bool m_started = false;
    // Counts start()s: callbacks of calls made in an earlier term find the state replaced and
    // are dropped.
    std::uint64_t m_term = 0;
    // Source of Active::generation.
    std::uint64_t m_generations = 0;
    std::map<std::string, std::int64_t> m_logSequence; // next log line per rollout
};

} // namespace aegis::rollout
