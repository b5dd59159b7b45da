#pragma once

#include "net/audit_types.h"
#include "net/call_result.h"
#include "net/watch.h"

class QObject;

namespace aegis::console {

class Session;

using AuditWatchCallbacks =
    WatchCallbacks<const QList<AuditEntry> & /*records*/, qint64 /*revision*/>;

// AuditService for the console. Each call delivers its one result to `done` on `context`'s
// thread (see Session::submit); the watch posts to its context until the returned Watch is
// destroyed.
class AuditApi {
public:
    explicit AuditApi(Session *session)
        : m_session(session) {}

    // One page of audit records, newest first.
    void listRecords(const AuditQuery &query, const QString &pageToken, int pageSize,
                     QObject *context, ResultHandler<AuditRecordPage> done);
    // Streams audit records matching `query` from `startRevision` (0 = from now).
    WatchPtr watchRecords(const AuditQuery &query, qint64 startRevision, QObject *context,
                          AuditWatchCallbacks callbacks);

private:
    Session *m_session; // Not owned.
};

} // namespace aegis::console
