#pragma once

#include "net/call_result.h"
#include "net/trace_types.h"

#include <QByteArray>

class QObject;

namespace aegis::console {

class Session;

// TraceService for the console: trace search, one trace (its timeline, and spans in full),
// what completion offers (services, operations, attribute keys and values), the service graph,
// the comparison of two traces and the tracing status. One method per RPC; each delivers its one
// result to `done` on `context`'s thread (see Session::submit). A tag query the daemon refuses is
// INVALID_ARGUMENT with the position in the message ("tag_query: 1:14: ..."); an unknown trace is
// NOT_FOUND; a daemon whose span store is off (tracing.store: false) answers FAILED_PRECONDITION.
class TracesApi {
public:
    explicit TracesApi(Session *session)
        : m_session(session) {}

    // Traces with a span matching every condition of `search`, newest first.
    void search(const TraceSearch &search, QObject *context, ResultHandler<TraceSearchResult> done);
    // Trace `traceId` (32 hex digits): its summary and timeline, and in `spans` every span in
    // full when `full`, else the spans named in `spanIds` (16 hex digits each, at most 1000).
    // A full trace may be far larger than other answers: it is fetched on the session's bulk
    // channel, with the bulk deadline.
    void getTrace(const QString &traceId, bool full, const QStringList &spanIds, QObject *context,
                  ResultHandler<TraceDetail> done);
    // Trace `traceId` in full as an OTLP JSON document (TracesData, indented; any OTLP tool
    // reads it), fetched like getTrace with `full` and encoded off the GUI thread.
    void exportOtlpJson(const QString &traceId, QObject *context, ResultHandler<QByteArray> done);
    // Services that reported spans between `start` and `end` (invalid: the last 24 hours).
    void listServices(const QDateTime &start, const QDateTime &end, QObject *context,
                      ResultHandler<QList<TraceServiceInfo>> done);
    void listOperations(const QString &service, const QDateTime &start, const QDateTime &end,
                        QObject *context, ResultHandler<QList<TraceOperationInfo>> done);
    // Attribute keys (of `service`; empty: of all) starting with `prefix`, at most `limit` (0: the
    // daemon's default, 200).
    void listAttributeKeys(const QString &service, const QString &prefix, int limit,
                           QObject *context, ResultHandler<QList<TraceAttributeKey>> done);
    // The most frequent values of attribute `key` starting with `prefix`.
    void listAttributeValues(const QString &key, const QString &service, const QString &prefix,
                             int limit, QObject *context, ResultHandler<QStringList> done);
    // The calls between services in the `windowMs` before `end` (invalid: now; 0: 15 minutes),
    // with nodes split by version and colour when `byRelease`.
    void serviceGraph(const QDateTime &end, qint64 windowMs, bool byRelease, QObject *context,
                      ResultHandler<ServiceGraph> done);
    void compare(const QString &leftTraceId, const QString &rightTraceId, QObject *context,
                 ResultHandler<TraceComparison> done);
    void status(QObject *context, ResultHandler<TracingStatus> done);

private:
    Session *m_session; // Not owned.
};

} // namespace aegis::console
