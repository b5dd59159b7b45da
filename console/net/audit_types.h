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

// Audit records and the audit page's query (AuditService).
namespace aegis::console {

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

} // namespace aegis::console

Q_DECLARE_METATYPE(aegis::console::AuditEntry)
Q_DECLARE_METATYPE(aegis::console::AuditRecordPage)
Q_DECLARE_METATYPE(aegis::console::AuditQuery)
