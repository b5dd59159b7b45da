#pragma once

#include "net/connection_types.h"

#include <QDateTime>
#include <QList>
#include <QMap>
#include <QMetaType>
#include <QPair>
#include <QString>
#include <QStringList>

#include <optional>

// Services, instances and their health as the registry reports them (RegistryService).
namespace aegis::console {

// Mirrors aegis.v1.InstanceState; the numeric values are the protocol's.
enum class InstanceState { Unspecified = 0, Serving = 1, Draining = 2, Maintenance = 3 };

// Mirrors aegis.v1.HealthStatus; the numeric values are the protocol's.
enum class HealthStatus { Unknown = 0, Passing = 1, Warning = 2, Critical = 3 };

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

} // namespace aegis::console

Q_DECLARE_METATYPE(aegis::console::InstanceState)
Q_DECLARE_METATYPE(aegis::console::ServiceInstance)
Q_DECLARE_METATYPE(aegis::console::ServiceInfo)
Q_DECLARE_METATYPE(aegis::console::InstanceChange)
Q_DECLARE_METATYPE(aegis::console::ServicePage)
Q_DECLARE_METATYPE(aegis::console::InstancePage)
Q_DECLARE_METATYPE(aegis::console::HealthStatus)
Q_DECLARE_METATYPE(aegis::console::HealthBadge)
Q_DECLARE_METATYPE(aegis::console::InstanceHealth)
