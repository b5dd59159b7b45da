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

// How the console reaches a daemon and what it learns of it: settings, errors, connection state,
// status, the caller.
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
    // Where in the text the call submitted the daemon found the problem, "LINE:COLUMN" (1-based),
    // from the trailer "aegis-query-position"; empty when it named no position.
    QString position = {};

    QString codeName() const;
    // Whether the daemon could not be reached at all (as opposed to refusing the call).
    bool isUnreachable() const;
    // "UNAVAILABLE: failed to connect ..." shortened to something a person can read in a banner.
    QString describe() const;
};

enum class ConnectionState { Disconnected, Connecting, Connected, Unreachable };

// A copy of GetStatusResponse plus what the client measured.
// The aegisd replicas on one store and, for etcd, its members (GetStatus' control_plane).
struct ControlPlane {
    struct Replica {
        QString id;
        QString address;
        bool leader = false;
        bool healthy = false;
        QString version;
        QDateTime since;
    };
    struct StoreMember {
        QString name;
        QStringList clientUrls;
        bool healthy = false;
        QString problem;
        bool leader = false;
        qint64 dbSizeBytes = 0;
    };
    // "single", "etcd"; empty when the daemon did not say (an older aegisd).
    QString mode;
    QString replicaId;
    QString leaderId;
    bool writable = true;
    QString writeProblem;
    // Leader first.
    QList<Replica> replicas;
    QList<StoreMember> storeMembers;
};

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
    ControlPlane controlPlane;
    // Round trip of the GetStatus call that produced this, measured on the worker thread.
    int roundTripMs = 0;
    QDateTime receivedAt;
    // The host:port of the daemon that answered: with several replicas in the address list, the
    // one the console is connected to.
    QString answeredBy;
};

// The identity behind the console's token (WhoAmI).
struct CallerIdentity {
    QString name;
    // aegis.v1.Role: 1 viewer, 2 operator, 3 admin, 4 service; 0 when the daemon did not say.
    int role = 0;

    bool isViewer() const { return role == 1; }
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

} // namespace aegis::console

Q_DECLARE_METATYPE(aegis::console::CallError)
Q_DECLARE_METATYPE(aegis::console::ConnectionState)
Q_DECLARE_METATYPE(aegis::console::DaemonStatus)
Q_DECLARE_METATYPE(aegis::console::CallerIdentity)
Q_DECLARE_METATYPE(aegis::console::ExtensionCatalog)
