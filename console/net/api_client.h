#pragma once

#include "client/backoff.h"
#include "net/api_types.h"

#include <QObject>
#include <QThreadPool>
#include <QTimer>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <variant>

namespace grpc {
class ClientContext;
class Channel;
class Status;
} // namespace grpc

namespace aegis::console {

class AuditWatch;
class ChannelHub;
class ResumableWatch;

struct ApiClientOptions {
    // How often GetStatus is called while connected (status, revision and round-trip time).
    std::chrono::milliseconds statusInterval{2000};
    // Deadline of every unary call.
    std::chrono::milliseconds callTimeout{5000};
    // Deadline of a watch stream; it is renewed transparently when it passes.
    std::chrono::milliseconds streamDeadline{std::chrono::minutes(5)};
    // Delays between reconnect attempts (status probes and streams alike).
    client::BackoffOptions reconnect{.initial = std::chrono::milliseconds(500),
                                     .max = std::chrono::milliseconds(15000)};
};

// The console's only door to aegisd. Lives on the GUI thread; every gRPC call runs on a worker
// thread (a small pool for unary calls, one thread per stream) with a deadline, and its result is
// copied into value types and delivered through this object's signals on the GUI thread.
//
// After connectTo() it probes GetStatus every statusInterval while connected and, when the daemon
// is unreachable, at exponentially growing, jittered intervals until it answers again. Results of
// calls made for an earlier connection are dropped. shutdown() (also run by the destructor) cancels
// every call and stream and joins all threads; it does not block on the network.
class ApiClient final : public QObject {
    Q_OBJECT
public:
    explicit ApiClient(ApiClientOptions options = {}, QObject *parent = nullptr);
    ~ApiClient() override;

    void connectTo(const ConnectionSettings &settings);
    void shutdown();

    const ConnectionSettings &settings() const { return m_settings; }
    ConnectionState state() const { return m_state; }
    // Why the daemon is unreachable; empty otherwise.
    QString stateReason() const { return m_stateReason; }
    const std::optional<DaemonStatus> &lastStatus() const { return m_lastStatus; }
    // When the next reconnect attempt is due, while unreachable.
    std::chrono::milliseconds retryDelay() const { return m_retryDelay; }

    // Probes GetStatus now (unless a probe is in flight).
    void refreshStatus();

    // Lists one page of audit records, newest first; answered by auditPageReceived or
    // auditPageFailed with the returned id.
    quint64 listAuditRecords(const AuditQuery &query, const QString &pageToken, int pageSize = 100);

    // Streams audit records matching `query` from `startRevision` (0 = from now) through
    // auditRecordsArrived, replacing any previous watch.
    void watchAuditRecords(const AuditQuery &query, qint64 startRevision);
    void stopAuditWatch();
    bool isAuditWatchLive() const { return m_watchLive; }

    // Lists one page of services by name; answered by servicesPageReceived or registryCallFailed.
    quint64 listServices(const QString &pageToken, int pageSize = 500);
    // Lists one page of every service's instances, unroutable ones (critical, ejected) included,
    // each with its health; answered by instancesPageReceived or registryCallFailed.
    quint64 listInstances(const QString &pageToken, int pageSize = 500);
    // The operator actions; answered by instanceActionSucceeded or registryCallFailed. The daemon
    // audits both, and the change itself arrives through the instance watch.
    quint64 setInstanceState(const QString &service, const QString &instanceId,
                             InstanceState state);
    quint64 deregisterInstance(const QString &service, const QString &instanceId);

    // Streams every service's instance changes from `startRevision` (0 = from now) through
    // instanceChangesArrived, replacing any previous instance watch. Unroutable instances are
    // included: a change of health arrives as an update carrying the new health.
    void watchInstances(qint64 startRevision);
    void stopInstanceWatch();
    bool isInstanceWatchLive() const { return m_instanceWatchLive; }

    // A service's check configuration; answered by healthCheckReceived or healthCallFailed
    // (NOT_FOUND when the service has none).
    quint64 getHealthCheck(const QString &service);
    // Sets a service's check. `expectedRevision` 0 writes unconditionally, -1 requires that there
    // is no check yet, otherwise it must be the mod_revision the edit started from (else
    // ABORTED). Answered by healthCheckUpdated or healthCallFailed.
    quint64 updateHealthCheck(const QString &service, const HealthCheckSpec &check,
                              qint64 expectedRevision);
    // One instance's health with the live detail of its check; answered by
    // instanceHealthReceived or healthCallFailed.
    quint64 getInstanceHealth(const QString &service, const QString &instanceId);
    // One page of an instance's recorded transitions, newest first; answered by
    // healthHistoryPageReceived or healthCallFailed.
    quint64 listHealthHistory(const QString &service, const QString &instanceId,
                              const QString &pageToken, int pageSize = 200);

    // Who the console's token belongs to, and its role; answered by identityReceived or
    // identityFailed.
    quint64 whoAmI();
    // The daemon's drivers, routers and probers; answered by extensionsReceived (or
    // extensionsFailed), and kept as extensions() until the connection changes.
    quint64 listExtensions();
    const std::optional<ExtensionCatalog> &extensions() const { return m_extensions; }

    // Config center. Every call below is answered by its own signal or by configCallFailed with
    // the returned id. Secrets arrive masked for viewers (the daemon masks them).
    quint64 listConfigNamespaces();
    // One page of a namespace's items (every group), by group then key; content on request.
    quint64 listConfigItems(const QString &ns, const QString &pageToken, bool includeContent,
                            int pageSize = 500);
    quint64 getConfigItem(const ConfigItemRef &ref);
    // Publishes `content` as the item's next version, conditioned on `baseVersion` (the version
    // the edit started from; 0 creates the item, which then needs `format`). ABORTED when someone
    // published meanwhile. Answered by configPublished (with a proposal instead of the item in a
    // namespace that requires approval).
    quint64 publishConfig(const ConfigItemRef &ref, ConfigFormat format, const QString &content,
                          qint64 baseVersion, const QString &comment);
    // Newest first; answered by configVersionsReceived.
    quint64 listConfigVersions(const ConfigItemRef &ref, bool includeContent,
                               const QString &pageToken = {}, int pageSize = 100);
    // The daemon's unified diff of two versions; answered by configDiffReceived.
    quint64 diffConfigVersions(const ConfigItemRef &ref, qint64 fromVersion, qint64 toVersion,
                               int contextLines = 3);
    // Publishes version `toVersion`'s content again, conditioned on `baseVersion`; answered by
    // configPublished.
    quint64 rollbackConfig(const ConfigItemRef &ref, qint64 toVersion, qint64 baseVersion,
                           const QString &comment);
    // Gray release of `content` to the instances `target` names (exactly one of its selector,
    // instance ids or percent); answered by configPublished.
    quint64 startGrayRelease(const ConfigItemRef &ref, const QString &content, qint64 baseVersion,
                             const ConfigGrayRelease &target, const QString &comment);
    quint64 promoteGrayRelease(const ConfigItemRef &ref, const QString &comment);
    quint64 cancelGrayRelease(const ConfigItemRef &ref);
    // Which instances run which version; answered by configAppliedStatusReceived.
    quint64 getAppliedStatus(const ConfigItemRef &ref);

    // Streams the published content of every item of `ns` from `startRevision` (0: from now,
    // after a first snapshot of every item) through configEventsArrived, replacing any previous
    // config watch.
    void watchConfig(const QString &ns, qint64 startRevision);
    void stopConfigWatch();
    bool isConfigWatchLive() const { return m_configWatchLive; }
    QString configWatchNamespace() const { return m_configWatchNamespace; }

    // Rollouts. Every call below is answered by its own signal or by rolloutCallFailed with the
    // returned id.
    // Starts a rollout of `spec.service`; answered by rolloutStarted. FAILED_PRECONDITION when
    // the service has an active rollout, INVALID_ARGUMENT naming the field for a bad spec.
    quint64 startRollout(const RolloutSpec &spec);
    // One page of rollouts, newest first, of `service` (empty: every service's); answered by
    // rolloutsPageReceived.
    quint64 listRollouts(const QString &service, bool activeOnly, const QString &pageToken = {},
                         int pageSize = 50);
    // Every released service with its live colour, split and active rollout; answered by
    // releasesReceived.
    quint64 listReleases();
    // A rollout's log lines after `afterSequence`, oldest first; answered by rolloutLogReceived.
    quint64 listRolloutLog(const QString &rolloutId, qint64 afterSequence, int pageSize = 500);
    // Promote, pause, resume, abort, retry or undo `id`, with `reason` recorded; answered by
    // rolloutActionSucceeded with the rollout once the action is durable (the traffic may still
    // be moving: the watch shows it). FAILED_PRECONDITION when it does not apply to the phase.
    quint64 actOnRollout(RolloutAction action, const QString &id, const QString &reason = {});

    // Streams changes of rollouts and releases and new log lines of `service` (empty: every
    // service) from `startRevision` (0: from now) through rolloutEventsArrived, replacing any
    // previous rollout watch.
    void watchRollouts(const QString &service, qint64 startRevision);
    void stopRolloutWatch();
    bool isRolloutWatchLive() const { return m_rolloutWatchLive; }

signals:
    // connectTo() was called: everything shown so far belongs to the previous daemon.
    void connectionChanged(const aegis::console::ConnectionSettings &settings);
    void stateChanged(aegis::console::ConnectionState state, const QString &reason);
    void statusReceived(const aegis::console::DaemonStatus &status);
    void auditPageReceived(quint64 requestId, const aegis::console::AuditRecordPage &page);
    void auditPageFailed(quint64 requestId, const aegis::console::CallError &error);
    void auditRecordsArrived(const QList<aegis::console::AuditEntry> &records, qint64 revision);
    void auditWatchLiveChanged(bool live, const QString &reason);
    // The watch fell behind the compacted history; re-list, then watch again.
    void auditWatchResyncNeeded(qint64 compactRevision);
    void servicesPageReceived(quint64 requestId, const aegis::console::ServicePage &page);
    void instancesPageReceived(quint64 requestId, const aegis::console::InstancePage &page);
    void instanceActionSucceeded(quint64 requestId);
    void registryCallFailed(quint64 requestId, const aegis::console::CallError &error);
    // Changes in revision order; `revision` is the last one's.
    void instanceChangesArrived(const QList<aegis::console::InstanceChange> &changes,
                                qint64 revision);
    void instanceWatchLiveChanged(bool live, const QString &reason);
    // The instance watch fell behind the compacted history; re-list, then watch again.
    void instanceWatchResyncNeeded(qint64 compactRevision);
    void healthCheckReceived(quint64 requestId, const aegis::console::HealthCheckRevision &check);
    void healthCheckUpdated(quint64 requestId, const aegis::console::HealthCheckRevision &check);
    void instanceHealthReceived(quint64 requestId,
                                const aegis::console::InstanceHealthReport &report);
    void healthHistoryPageReceived(quint64 requestId,
                                   const aegis::console::HealthHistoryPage &page);
    void healthCallFailed(quint64 requestId, const aegis::console::CallError &error);

    void identityReceived(quint64 requestId, const aegis::console::CallerIdentity &identity);
    void identityFailed(quint64 requestId, const aegis::console::CallError &error);
    void extensionsReceived(quint64 requestId, const aegis::console::ExtensionCatalog &catalog);
    void extensionsFailed(quint64 requestId, const aegis::console::CallError &error);
    void configNamespacesReceived(quint64 requestId,
                                  const aegis::console::ConfigNamespaceList &namespaces);
    void configItemsReceived(quint64 requestId, const aegis::console::ConfigItemPage &page);
    void configItemReceived(quint64 requestId, const aegis::console::ConfigItem &item);
    void configPublished(quint64 requestId, const aegis::console::ConfigPublishResult &result);
    void configVersionsReceived(quint64 requestId, const aegis::console::ConfigVersionPage &page);
    void configDiffReceived(quint64 requestId, const aegis::console::ConfigVersionDiff &diff);
    void configAppliedStatusReceived(quint64 requestId,
                                     const aegis::console::ConfigAppliedStatus &status);
    void configCallFailed(quint64 requestId, const aegis::console::CallError &error);
    // Changes of the watched namespace in revision order; `snapshot`: the events are every item
    // of the namespace as it is now (the first message of a watch from now).
    void configEventsArrived(const QString &ns,
                             const QList<aegis::console::ConfigChangeEvent> &events,
                             qint64 revision, bool snapshot);
    void configWatchLiveChanged(bool live, const QString &reason);
    // The config watch fell behind the compacted history; watch again from now.
    void configWatchResyncNeeded(qint64 compactRevision);

    void rolloutStarted(quint64 requestId, const aegis::console::Rollout &rollout);
    void rolloutsPageReceived(quint64 requestId, const aegis::console::RolloutPage &page);
    void releasesReceived(quint64 requestId, const aegis::console::ReleaseList &releases);
    void rolloutLogReceived(quint64 requestId, const aegis::console::RolloutLogPage &page);
    void rolloutActionSucceeded(quint64 requestId, const aegis::console::Rollout &rollout);
    void rolloutCallFailed(quint64 requestId, const aegis::console::CallError &error);
    // Changes in revision order; `revision` is the last one's.
    void rolloutEventsArrived(const QList<aegis::console::RolloutEvent> &events, qint64 revision);
    void rolloutWatchLiveChanged(bool live, const QString &reason);
    // The rollout watch fell behind the compacted history; re-list, then watch again.
    void rolloutWatchResyncNeeded(qint64 compactRevision);

private:
    template <typename T>
    using Outcome = std::variant<T, CallError>;

    // Runs `work` on the pool with a tracked, deadline-bound context, then `deliver` on this
    // object's thread unless the connection changed or the client shut down meanwhile.
    template <typename T>
    void
    submit(std::function<Outcome<T>(const std::shared_ptr<grpc::Channel> &, grpc::ClientContext &)>
               work,
           std::function<void(Outcome<T> &)> deliver);

    // A unary RPC of a generated stub, e.g. &v1::RegistryService::Stub::ListServices.
    template <typename Stub, typename Request, typename Response>
    using UnaryRpc = grpc::Status (Stub::*)(grpc::ClientContext *, const Request &, Response *);
    using FailedSignal = void (ApiClient::*)(quint64 requestId, const CallError &error);

    // Calls `rpc` with `request` on a fresh stub through submit() and returns the request id. On
    // the worker thread a response becomes a value through `convert` and a failed status a
    // CallError; on this object's thread the id and the value go to the signal `received`, or the
    // id and the error to `failed`.
    template <typename Stub, typename Request, typename Response, typename Convert,
              typename Received>
    quint64 callUnary(Request request, UnaryRpc<Stub, Request, Response> rpc, Convert convert,
                      Received received, FailedSignal failed);
    template <typename T>
    void emitOutcome(quint64 requestId, const Outcome<T> &outcome,
                     void (ApiClient::*received)(quint64, const T &), FailedSignal failed);
    // For an RPC whose response carries nothing: `succeeded` gets the id alone.
    void emitOutcome(quint64 requestId, const Outcome<bool> &outcome,
                     void (ApiClient::*succeeded)(quint64), FailedSignal failed);

    void probe();
    void onProbeResult(Outcome<DaemonStatus> &result);
    void setState(ConnectionState state, const QString &reason);
    // Runs `apply` on this object's thread later, unless `counter` moved past `generation`
    // meanwhile (the watch it came from was replaced or stopped).
    void postForWatch(const quint64 &counter, quint64 generation, std::function<void()> apply);

    ApiClientOptions m_options;
    std::shared_ptr<ChannelHub> m_hub;
    QThreadPool m_pool;
    QTimer m_probeTimer;
    client::ExponentialBackoff m_backoff;
    ConnectionSettings m_settings;
    ConnectionState m_state = ConnectionState::Disconnected;
    QString m_stateReason;
    std::optional<DaemonStatus> m_lastStatus;
    std::optional<ExtensionCatalog> m_extensions;
    std::chrono::milliseconds m_retryDelay{0};
    quint64 m_generation = 0;
    quint64 m_nextRequestId = 1;
    bool m_probeInFlight = false;
    bool m_shutDown = false;

    std::unique_ptr<AuditWatch> m_watch;
    quint64 m_watchGeneration = 0;
    bool m_watchLive = false;

    std::unique_ptr<ResumableWatch> m_instanceWatch;
    quint64 m_instanceWatchGeneration = 0;
    bool m_instanceWatchLive = false;

    std::unique_ptr<ResumableWatch> m_configWatch;
    quint64 m_configWatchGeneration = 0;
    bool m_configWatchLive = false;
    QString m_configWatchNamespace;

    std::unique_ptr<ResumableWatch> m_rolloutWatch;
    quint64 m_rolloutWatchGeneration = 0;
    bool m_rolloutWatchLive = false;
};

} // namespace aegis::console
