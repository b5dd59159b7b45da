#pragma once

#include <QDateTime>
#include <QList>
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
