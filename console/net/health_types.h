#pragma once

#include "net/registry_types.h"

#include <QDateTime>
#include <QList>
#include <QMap>
#include <QMetaType>
#include <QPair>
#include <QString>
#include <QStringList>

#include <optional>

// Health check configuration, live detail and history (HealthService).
namespace aegis::console {

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

} // namespace aegis::console

Q_DECLARE_METATYPE(aegis::console::HealthCheckSpec)
Q_DECLARE_METATYPE(aegis::console::HealthCheckRevision)
Q_DECLARE_METATYPE(aegis::console::InstanceHealthReport)
Q_DECLARE_METATYPE(aegis::console::HealthTransition)
Q_DECLARE_METATYPE(aegis::console::HealthHistoryPage)
