#pragma once

#include <QDateTime>
#include <QList>
#include <QMap>
#include <QMetaType>
#include <QPair>
#include <QString>
#include <QStringList>

#include <client/connection.h>
#include <common/extension_description.h>

#include <optional>

namespace aegis::console {

// How the console reaches a daemon. Built from a connection profile (or the command line); the
// token itself is resolved before it gets here (from the keyring, or left empty with `tokenFile`
// set so the file is read each time a channel is built).
struct ConnectionSettings {
    QString address;
    QString token;
    QString tokenFile;
    QString caFile;
    QString certFile;
    QString keyFile;
    QString tlsServerName;

    bool usesTls() const { return !caFile.isEmpty(); }
    client::ConnectionOptions toOptions() const;
};

// The outcome of a failed call: the canonical gRPC code and the server's (or channel's) message.
struct CallError {
    int code = 0;
    QString message;

    QString codeName() const;
    // Whether the daemon could not be reached at all (as opposed to refusing the call).
    bool isUnreachable() const;
    // "UNAVAILABLE: failed to connect ..." shortened to something a person can read in a banner.
    QString describe() const;
};

enum class ConnectionState { Disconnected, Connecting, Connected, Unreachable };

QString connectionStateName(ConnectionState state);

// A copy of GetStatusResponse plus what the client measured.
struct DaemonStatus {
    QString version;
    QDateTime startTime;
    qint64 uptimeMs = 0;
    qint64 revision = 0;
    qint64 compactRevision = 0;
    QString storeKind;
    QString logLevel;
    // Sorted by kind.
    QList<QPair<QString, qint64>> resourceCounts;
    // Round trip of the GetStatus call that produced this, measured on the worker thread.
    int roundTripMs = 0;
    QDateTime receivedAt;
};

// A copy of aegis.v1.AuditRecord.
struct AuditEntry {
    QString id;
    QDateTime time;
    QString actor;
    int role = 0;
    QString peer;
    QString method;
    QString resource;
    QString summary;
    int code = 0;
    QString error;
    qint64 revision = 0;

    bool succeeded() const { return code == 0; }
};

enum class AuditOutcome { Any, Succeeded, Failed };

// The filters of the audit page; mirrors aegis.v1.AuditFilter.
struct AuditQuery {
    QString actor;
    QString method;
    QString resourcePrefix;
    AuditOutcome outcome = AuditOutcome::Any;
    // [from, to); an invalid QDateTime leaves that side open.
    QDateTime from;
    QDateTime to;

    // The same test the daemon applies, so records can be checked locally too.
    bool matches(const AuditEntry &entry) const;
    bool isEmpty() const;
    friend bool operator==(const AuditQuery &, const AuditQuery &) = default;
};

struct AuditRecordPage {
    QList<AuditEntry> records;
    QString nextPageToken;
    // The revision the page was served at; a watch started at revision + 1 misses nothing.
    qint64 revision = 0;
};

// Mirrors aegis.v1.InstanceState; the numeric values are the protocol's.
enum class InstanceState { Unspecified = 0, Serving = 1, Draining = 2, Maintenance = 3 };

// "serving", "draining", "maintenance" (lower case, as operators type them).
QString instanceStateName(InstanceState state);

// Mirrors aegis.v1.HealthStatus; the numeric values are the protocol's.
enum class HealthStatus { Unknown = 0, Passing = 1, Warning = 2, Critical = 3 };

// "unknown", "passing", "warning", "critical".
QString healthStatusName(HealthStatus status);

// A copy of aegis.v1.InstanceHealth.
struct InstanceHealth {
    HealthStatus status = HealthStatus::Unknown;
    bool flapping = false;
    bool ejected = false;
    QDateTime ejectedUntil;
    // "3 consecutive failing results: HTTP 503", ...
    QString reason;
    // What the probe behind the last change saw: "HTTP 503", "connect: Connection refused".
    QString output;
    QDateTime changedAt;
    // The instance has an active or ttl check; without one the status stays unknown.
    bool checked = false;

    friend bool operator==(const InstanceHealth &, const InstanceHealth &) = default;
};

// The one word the console shows for an instance's health. Ejection and flapping outrank the
// status: an ejected instance is out of rotation whatever its check says, and a flapping check's
// status is the one it had when flapping began, so "flapping" is the truer word.
enum class HealthBadge { Unknown, Passing, Warning, Critical, Flapping, Ejected };

HealthBadge healthBadge(HealthStatus status, bool flapping, bool ejected);
inline HealthBadge healthBadge(const InstanceHealth &health) {
    return healthBadge(health.status, health.flapping, health.ejected);
}
// "unknown", "passing", "warning", "critical", "flapping", "ejected".
QString healthBadgeName(HealthBadge badge);
// Critical or ejected: what the daemon counts as unroutable (Service.unroutable_count).
inline bool isUnroutableHealth(const InstanceHealth &health) {
    return health.status == HealthStatus::Critical || health.ejected;
}

// A copy of aegis.v1.Instance.
struct ServiceInstance {
    QString service;
    QString id;
    QString address;
    QMap<QString, QString> labels;
    QMap<QString, QString> metadata;
    int weight = 100;
    InstanceState state = InstanceState::Unspecified;
    qint64 leaseId = 0;
    qint64 leaseTtlSeconds = 0;
    QDateTime registerTime;
    qint64 createRevision = 0;
    qint64 modRevision = 0;
    InstanceHealth health;
    // Whether discovery hands the instance to callers (healthy enough, or its service in panic).
    bool routable = true;

    // "service/id": unique across the fleet.
    QString key() const { return service + QLatin1Char('/') + id; }
    QString label(const QString &name) const { return labels.value(name); }

    friend bool operator==(const ServiceInstance &, const ServiceInstance &) = default;
};

// A copy of aegis.v1.Service, without its labels.
struct ServiceInfo {
    QString name;
    QString description;
    qint64 instanceCount = 0;
    // Instances that are critical or ejected.
    qint64 unroutableCount = 0;
    // More than the panic threshold is unroutable, so discovery hands out every instance.
    bool panic = false;
};

// A copy of aegis.v1.InstanceEvent.
struct InstanceChange {
    enum class Type { Added, Updated, Removed };
    Type type = Type::Updated;
    // The instance's new state; for Removed, its last.
    ServiceInstance instance;
    // "deregistered", "lease_expired", "operator", "health_critical", "health" or empty.
    QString reason;
    qint64 revision = 0;
};

struct ServicePage {
    QList<ServiceInfo> services;
    QString nextPageToken;
    qint64 revision = 0;
};

struct InstancePage {
    QList<ServiceInstance> instances;
    QString nextPageToken;
    // The revision the page was served at; a watch started at revision + 1 misses nothing.
    qint64 revision = 0;
};

// A copy of aegis.v1.HealthCheck: how a service's instances are probed. Options are the kind's
// ("path", "status", "body_contains", "header.<Name>" for http; "service" for grpc; "ttl" for
// ttl). Fields the console does not edit (jitter, flap damping, initial status) are carried
// through unchanged, so saving an edited check keeps them.
struct HealthCheckSpec {
    // "http", "tcp", "grpc" or "ttl".
    QString kind = QStringLiteral("http");
    // 0 probes the port of the instance's address.
    int port = 0;
    QMap<QString, QString> options;
    qint64 intervalMs = 10000;
    qint64 timeoutMs = 2000;
    int rise = 2;
    int fall = 3;
    HealthStatus initialStatus = HealthStatus::Unknown;
    // 0: never.
    qint64 deregisterAfterMs = 0;
    std::optional<qint64> jitterMs;
    std::optional<int> flapMaxTransitions;
    qint64 flapWindowMs = 0;
    // Share (0..1) of unroutable instances above which discovery hands out all; unset: 0.5.
    std::optional<double> panicThreshold;

    friend bool operator==(const HealthCheckSpec &, const HealthCheckSpec &) = default;
};

// A service's check with the revision it was last changed at (GetHealthCheck and
// UpdateHealthCheck answer with both).
struct HealthCheckRevision {
    QString service;
    HealthCheckSpec check;
    qint64 modRevision = 0;
};

// A copy of aegis.v1.CheckDetail: the live state of one instance's check.
struct CheckDetail {
    QString kind;
    // "host:port" probed.
    QString target;
    HealthStatus status = HealthStatus::Unknown;
    QString lastOutput;
    int consecutivePassing = 0;
    int consecutiveFailing = 0;
    qint64 probeCount = 0;
    int consecutiveCallFailures = 0;
    int ejectionCount = 0;
};

// A copy of GetInstanceHealthResponse.
struct InstanceHealthReport {
    QString service;
    QString instanceId;
    InstanceHealth health;
    bool routable = true;
    // Absent when the instance has no check.
    std::optional<CheckDetail> check;
};

// A copy of aegis.v1.HealthTransition.
struct HealthTransition {
    QString service;
    QString instanceId;
    HealthStatus from = HealthStatus::Unknown;
    HealthStatus to = HealthStatus::Unknown;
    bool flapping = false;
    bool ejected = false;
    QString reason;
    QString output;
    QDateTime time;
    qint64 revision = 0;

    HealthBadge badge() const { return healthBadge(to, flapping, ejected); }
};

struct HealthHistoryPage {
    QString service;
    QString instanceId;
    // Newest first.
    QList<HealthTransition> transitions;
    QString nextPageToken;
    qint64 revision = 0;
};

// Mirrors aegis.v1.ConfigFormat; the numeric values are the protocol's (and config::Format's).
enum class ConfigFormat { Unspecified = 0, Text = 1, Json = 2, Yaml = 3, Properties = 4 };

// "text", "json", "yaml", "properties" (as the daemon and aegisctl name them).
QString configFormatName(ConfigFormat format);

// A copy of aegis.v1.ConfigItemRef: namespace, group and key.
struct ConfigItemRef {
    QString ns;
    QString group;
    QString key;

    bool isValid() const { return !ns.isEmpty() && !group.isEmpty() && !key.isEmpty(); }
    // "prod/checkout/db.yaml".
    QString path() const { return ns + QLatin1Char('/') + group + QLatin1Char('/') + key; }
    friend bool operator==(const ConfigItemRef &, const ConfigItemRef &) = default;
};

// A copy of aegis.v1.GrayRelease: one targeting of selector, instance ids or percent is set.
struct ConfigGrayRelease {
    qint64 version = 0;
    QString selector;
    QStringList instanceIds;
    int percent = 0;
    QString author;
    QDateTime startTime;
    QString contentSha256;

    // "selector zone=a", "3 instance(s)", "10 % of instances".
    QString targetDescription() const;
    friend bool operator==(const ConfigGrayRelease &, const ConfigGrayRelease &) = default;
};

// A copy of aegis.v1.ConfigItem. `content` is empty when it was not asked for (ListConfigItems
// without include_content) and "********" when `masked` (a secret, for a viewer).
struct ConfigItem {
    ConfigItemRef ref;
    ConfigFormat format = ConfigFormat::Unspecified;
    QString content;
    bool hasContent = false;
    QMap<QString, QString> labels;
    QString description;
    bool secret = false;
    QString schema;
    qint64 version = 0;
    QString contentSha256;
    QString author;
    QString comment;
    QDateTime updateTime;
    qint64 createRevision = 0;
    qint64 modRevision = 0;
    std::optional<ConfigGrayRelease> gray;
    bool masked = false;

    friend bool operator==(const ConfigItem &, const ConfigItem &) = default;
};

// A copy of aegis.v1.NamespaceSettings.
struct ConfigNamespace {
    QString name;
    bool requireApproval = false;
    QString description;
    qint64 itemCount = 0;

    friend bool operator==(const ConfigNamespace &, const ConfigNamespace &) = default;
};

struct ConfigNamespaceList {
    QList<ConfigNamespace> namespaces;
    qint64 revision = 0;
};

struct ConfigItemPage {
    QString ns;
    QList<ConfigItem> items;
    QString nextPageToken;
    qint64 revision = 0;
};

// Mirrors aegis.v1.ConfigVersionKind.
enum class ConfigVersionKind { Unspecified = 0, Publish, Rollback, Gray, Promotion, Import };

// "publish", "rollback", "gray", "promotion", "import".
QString configVersionKindName(ConfigVersionKind kind);

// A copy of aegis.v1.ConfigVersion (content only when asked for).
struct ConfigVersion {
    qint64 version = 0;
    ConfigVersionKind kind = ConfigVersionKind::Unspecified;
    ConfigFormat format = ConfigFormat::Unspecified;
    QString content;
    QString contentSha256;
    QString author;
    QString comment;
    QDateTime time;
    qint64 revision = 0;
    // A rollback's restored version, a promotion's gray version; 0 otherwise.
    qint64 restores = 0;
    bool masked = false;
};

struct ConfigVersionPage {
    ConfigItemRef ref;
    // Newest first.
    QList<ConfigVersion> versions;
    QString nextPageToken;
    qint64 revision = 0;
};

// One version with the item it belongs to (GetConfigVersion's answer).
struct ConfigVersionDetail {
    ConfigItemRef ref;
    ConfigVersion version;
};

// A copy of DiffConfigVersionsResponse with what was asked.
struct ConfigVersionDiff {
    ConfigItemRef ref;
    qint64 fromVersion = 0;
    qint64 toVersion = 0;
    // "--- v6 / +++ v7 / @@ ..." ; empty when the versions are equal.
    QString unifiedDiff;
    int addedLines = 0;
    int removedLines = 0;
};

// Mirrors aegis.v1.ProposalState.
enum class ProposalState { Unspecified = 0, Pending, Approved, Rejected };

// One item's change inside a proposal (aegis.v1.ConfigChange without the attributes).
struct ConfigProposedChange {
    ConfigItemRef ref;
    ConfigFormat format = ConfigFormat::Unspecified;
    QString content;
    qint64 baseVersion = 0;
};

// A copy of aegis.v1.Proposal.
struct ConfigProposal {
    QString id;
    QString ns;
    QList<ConfigProposedChange> changes;
    QString comment;
    QString proposer;
    ProposalState state = ProposalState::Unspecified;
    QString decidedBy;
    QDateTime createTime;
    QDateTime decideTime;
};

struct ConfigProposalList {
    QString ns;
    QList<ConfigProposal> proposals;
    qint64 revision = 0;
};

// What a publish-like call (publish, rollback, gray start / promote / cancel, approval) left:
// the items as they are now, or, in a namespace that requires approval, the proposal it became.
struct ConfigPublishResult {
    QList<ConfigItem> items;
    std::optional<ConfigProposal> proposal;
    qint64 revision = 0;
};

// A copy of aegis.v1.AppliedInstance.
struct ConfigAppliedInstance {
    QString service;
    QString instanceId;
    qint64 version = 0;
    QString error;
    QDateTime time;

    friend bool operator==(const ConfigAppliedInstance &, const ConfigAppliedInstance &) = default;
};

// A copy of GetAppliedStatusResponse.
struct ConfigAppliedStatus {
    ConfigItemRef ref;
    qint64 publishedVersion = 0;
    qint64 grayVersion = 0;
    QList<ConfigAppliedInstance> instances;
    // "9 of 10 on v7; checkout-3 still on v6".
    QString summary;
};

// A copy of aegis.v1.ConfigEvent.
struct ConfigChangeEvent {
    enum class Type { Put, Delete };
    Type type = Type::Put;
    ConfigItemRef ref;
    ConfigFormat format = ConfigFormat::Unspecified;
    QString content;
    qint64 version = 0;
    QString contentSha256;
    bool gray = false;
    qint64 revision = 0;
};

// The identity behind the console's token (WhoAmI).
struct CallerIdentity {
    QString name;
    // aegis.v1.Role: 1 viewer, 2 operator, 3 admin, 4 service; 0 when the daemon did not say.
    int role = 0;

    bool isViewer() const { return role == 1; }
};

// Mirrors aegis.v1.RolloutStrategy; the numeric values are the protocol's.
enum class RolloutStrategy { Unspecified = 0, BlueGreen = 1, Canary = 2 };

// "blue-green", "canary".
QString rolloutStrategyName(RolloutStrategy strategy);

// Mirrors aegis.v1.RolloutPhase; the numeric values are the protocol's.
enum class RolloutPhase {
    Unspecified = 0,
    Pending = 1,
    Provisioning = 2,
    Verifying = 3,
    AwaitingApproval = 4,
    Switching = 5,
    Baking = 6,
    Finalizing = 7,
    Succeeded = 8,
    Aborting = 9,
    RolledBack = 10,
    Failed = 11,
};

// "pending", "provisioning", ..., "awaiting approval", "rolled back", "failed".
QString rolloutPhaseName(RolloutPhase phase);
// Succeeded, rolled back or failed: nothing more happens unless an operator acts.
constexpr bool isFinishedPhase(RolloutPhase phase) {
    return phase == RolloutPhase::Succeeded || phase == RolloutPhase::RolledBack ||
           phase == RolloutPhase::Failed;
}

// The operator actions on a rollout (RolloutService's custom verbs).
enum class RolloutAction { Promote, Pause, Resume, Abort, Retry, Undo };

// "Promote", "Pause", ... as the buttons say it.
QString rolloutActionName(RolloutAction action);

// A copy of aegis.v1.AvailableAction: whether the daemon accepts the action now, and if not, why.
struct AvailableAction {
    RolloutAction action = RolloutAction::Promote;
    bool enabled = false;
    QString disabledReason;
    friend bool operator==(const AvailableAction &, const AvailableAction &) = default;
};

// A copy of aegis.v1.TrafficSplit: percentages that add up to 100.
struct TrafficSplit {
    int blue = 0;
    int green = 0;

    // The share of `colour` ("blue" or "green"; 0 for anything else).
    int share(const QString &colour) const;
    friend bool operator==(const TrafficSplit &, const TrafficSplit &) = default;
};

// A copy of aegis.v1.CanaryStep.
struct CanaryStep {
    int weight = 100;
    qint64 pauseMs = 0;
    bool untilPromoted = false;

    friend bool operator==(const CanaryStep &, const CanaryStep &) = default;
};

// A copy of aegis.v1.RolloutSpec; unset optional fields leave the daemon's default.
struct RolloutSpec {
    QString service;
    QString version;
    // 0: as many as the live colour has.
    int replicas = 0;
    RolloutStrategy strategy = RolloutStrategy::BlueGreen;
    QList<CanaryStep> steps;
    // Empty: the service's last release's (else "process" / "registry").
    QString driver;
    QMap<QString, QString> driverParams;
    QString router;
    QMap<QString, QString> routerParams;
    std::optional<qint64> healthyForMs;
    bool requireApproval = false;
    qint64 bakeTimeMs = 0;
    std::optional<qint64> scaleDownDelayMs;
    std::optional<qint64> progressDeadlineMs;
    QString description;

    // The steps the daemon walks, which current_step indexes: the given ones, with a step of
    // 100 appended when the last is lower; one step of 100 when none are given (as the
    // controller's RolloutSpec::effectiveSteps()).
    QList<CanaryStep> effectiveSteps() const;
    friend bool operator==(const RolloutSpec &, const RolloutSpec &) = default;
};

// A copy of aegis.v1.RolloutTransition.
struct RolloutTransition {
    RolloutPhase phase = RolloutPhase::Unspecified;
    QDateTime time;
    QString reason;

    friend bool operator==(const RolloutTransition &, const RolloutTransition &) = default;
};

// A copy of aegis.v1.Rollout.
struct Rollout {
    // "<service>-<n>".
    QString id;
    RolloutSpec spec;
    RolloutPhase phase = RolloutPhase::Unspecified;
    bool paused = false;
    QString message;
    // "" for a service's first rollout.
    QString stableColor;
    QString stableVersion;
    QString newColor;
    TrafficSplit traffic;
    int currentStep = 0;
    // While switching: the current step's weight is in effect (its pause runs).
    bool stepApplied = false;
    int healthyInstances = 0;
    int registeredInstances = 0;
    int attempt = 1;
    QString createdBy;
    QDateTime createTime;
    QDateTime phaseTime;
    QDateTime finishTime;
    // Oldest first.
    QList<RolloutTransition> transitions;
    QDateTime undoUntil;
    qint64 createRevision = 0;
    qint64 modRevision = 0;
    // As the daemon judged them when it answered (empty from a daemon that does not say).
    QList<AvailableAction> availableActions;

    bool isActive() const { return phase != RolloutPhase::Unspecified && !isFinishedPhase(phase); }
    // n of "<service>-<n>" (0 when the id does not end in a number): orders a service's rollouts.
    int number() const;
    friend bool operator==(const Rollout &, const Rollout &) = default;
};

// A copy of aegis.v1.ColorDeployment.
struct ColorDeployment {
    QString color;
    QString version;
    int replicas = 0;
    QString driver;
    QString rolloutId;

    friend bool operator==(const ColorDeployment &, const ColorDeployment &) = default;
};

// A copy of aegis.v1.Release: a service as rollouts left it.
struct Release {
    QString service;
    // "" before the first rollout succeeded.
    QString liveColor;
    QString liveVersion;
    TrafficSplit traffic;
    QList<ColorDeployment> deployments;
    QString activeRolloutId;
    QString lastRolloutId;
    QString driver;
    QMap<QString, QString> driverParams;
    QString router;
    QMap<QString, QString> routerParams;
    qint64 modRevision = 0;

    // What runs on `color`, if anything.
    std::optional<ColorDeployment> deployment(const QString &color) const;
    friend bool operator==(const Release &, const Release &) = default;
};

// A copy of aegis.v1.RolloutLogLine.
struct RolloutLogLine {
    QString rolloutId;
    qint64 sequence = 0;
    QDateTime time;
    QString line;

    friend bool operator==(const RolloutLogLine &, const RolloutLogLine &) = default;
};

struct RolloutPage {
    // Empty: every service's.
    QString service;
    // Newest first.
    QList<Rollout> rollouts;
    QString nextPageToken;
    qint64 revision = 0;
};

struct ReleaseList {
    QList<Release> releases;
    // The revision the list was served at; a watch started at revision + 1 misses nothing.
    qint64 revision = 0;
};

struct RolloutLogPage {
    QString rolloutId;
    // Oldest first.
    QList<RolloutLogLine> lines;
    // Lines after the last one returned exist.
    bool more = false;
    qint64 revision = 0;
};

// A copy of aegis.v1.RolloutEvent: exactly one of the three is set.
struct RolloutEvent {
    qint64 revision = 0;
    std::optional<Rollout> rollout;
    std::optional<Release> release;
    std::optional<RolloutLogLine> logLine;
};

// What the daemon's deploy drivers, traffic routers and health probers say about themselves
// (ListExtensions): the names a spec may use and the parameters each takes. The same for the
// life of a connection.
struct ExtensionCatalog {
    QList<ExtensionDescription> extensions;
    // What a spec that names no driver or router gets; empty when the daemon has none.
    QString defaultDriver;
    QString defaultRouter;

    // Those of `kind`, in the daemon's order (by name).
    QList<ExtensionDescription> ofKind(ExtensionKind kind) const;
    // Null when the daemon offers no such extension.
    const ExtensionDescription *find(ExtensionKind kind, const QString &name) const;
};

QString roleName(int role);
// "/aegis.v1.AuthService/CreateToken" -> "AuthService.CreateToken".
QString shortMethodName(const QString &method);

} // namespace aegis::console

Q_DECLARE_METATYPE(aegis::console::CallError)
Q_DECLARE_METATYPE(aegis::console::ConnectionState)
Q_DECLARE_METATYPE(aegis::console::DaemonStatus)
Q_DECLARE_METATYPE(aegis::console::AuditEntry)
Q_DECLARE_METATYPE(aegis::console::AuditRecordPage)
Q_DECLARE_METATYPE(aegis::console::AuditQuery)
Q_DECLARE_METATYPE(aegis::console::InstanceState)
Q_DECLARE_METATYPE(aegis::console::ServiceInstance)
Q_DECLARE_METATYPE(aegis::console::ServiceInfo)
Q_DECLARE_METATYPE(aegis::console::InstanceChange)
Q_DECLARE_METATYPE(aegis::console::ServicePage)
Q_DECLARE_METATYPE(aegis::console::InstancePage)
Q_DECLARE_METATYPE(aegis::console::HealthStatus)
Q_DECLARE_METATYPE(aegis::console::HealthBadge)
Q_DECLARE_METATYPE(aegis::console::InstanceHealth)
Q_DECLARE_METATYPE(aegis::console::HealthCheckSpec)
Q_DECLARE_METATYPE(aegis::console::HealthCheckRevision)
Q_DECLARE_METATYPE(aegis::console::InstanceHealthReport)
Q_DECLARE_METATYPE(aegis::console::HealthTransition)
Q_DECLARE_METATYPE(aegis::console::HealthHistoryPage)
Q_DECLARE_METATYPE(aegis::console::ConfigFormat)
Q_DECLARE_METATYPE(aegis::console::ConfigItemRef)
Q_DECLARE_METATYPE(aegis::console::ConfigItem)
Q_DECLARE_METATYPE(aegis::console::ConfigNamespaceList)
Q_DECLARE_METATYPE(aegis::console::ConfigItemPage)
Q_DECLARE_METATYPE(aegis::console::ConfigVersion)
Q_DECLARE_METATYPE(aegis::console::ConfigVersionPage)
Q_DECLARE_METATYPE(aegis::console::ConfigVersionDetail)
Q_DECLARE_METATYPE(aegis::console::ConfigVersionDiff)
Q_DECLARE_METATYPE(aegis::console::ConfigProposalList)
Q_DECLARE_METATYPE(aegis::console::ConfigPublishResult)
Q_DECLARE_METATYPE(aegis::console::ConfigAppliedStatus)
Q_DECLARE_METATYPE(aegis::console::ConfigChangeEvent)
Q_DECLARE_METATYPE(aegis::console::CallerIdentity)
Q_DECLARE_METATYPE(aegis::console::RolloutPhase)
Q_DECLARE_METATYPE(aegis::console::RolloutAction)
Q_DECLARE_METATYPE(aegis::console::TrafficSplit)
Q_DECLARE_METATYPE(aegis::console::RolloutSpec)
Q_DECLARE_METATYPE(aegis::console::Rollout)
Q_DECLARE_METATYPE(aegis::console::Release)
Q_DECLARE_METATYPE(aegis::console::RolloutLogLine)
Q_DECLARE_METATYPE(aegis::console::RolloutPage)
Q_DECLARE_METATYPE(aegis::console::ReleaseList)
Q_DECLARE_METATYPE(aegis::console::RolloutLogPage)
Q_DECLARE_METATYPE(aegis::console::RolloutEvent)
Q_DECLARE_METATYPE(aegis::console::ExtensionCatalog)
