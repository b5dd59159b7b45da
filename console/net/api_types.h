#pragma once

#include <QDateTime>
#include <QList>
#include <QMap>
#include <QMetaType>
#include <QPair>
#include <QString>

#include <client/connection.h>

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

    // "service/id": unique across the fleet.
    QString key() const { return service + QLatin1Char('/') + id; }
    QString label(const QString &name) const { return labels.value(name); }
};

// A copy of aegis.v1.Service, without its labels.
struct ServiceInfo {
    QString name;
    QString description;
    qint64 instanceCount = 0;
};

// A copy of aegis.v1.InstanceEvent.
struct InstanceChange {
    enum class Type { Added, Updated, Removed };
    Type type = Type::Updated;
    // The instance's new state; for Removed, its last.
    ServiceInstance instance;
    // "deregistered", "lease_expired", "operator" or empty.
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
