#pragma once

#include <QDateTime>
#include <QList>
#include <QMap>
#include <QMetaType>
#include <QPair>
#include <QString>

#include <client/connection.h>

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
