#pragma once

#include "net/call_result.h"
#include "net/metrics_types.h"
#include "net/watch.h"

class QObject;

namespace aegis::console {

class Session;

using QueryWatchCallbacks = WatchCallbacks<const QueryTail & /*tail*/>;

// MetricsService for the console: PromQL through the daemon's metrics backend. Each call
// delivers its one result to `done` on `context`'s thread (see Session::submit). A query the
// backend rejects is INVALID_ARGUMENT, with CallError::position naming where ("LINE:COLUMN")
// when the backend said; metrics turned off is FAILED_PRECONDITION; a backend that does not
// answer is UNAVAILABLE with its URL and the reason.
class MetricsApi {
public:
    explicit MetricsApi(Session *session)
        : m_session(session) {}

    // Evaluates `query` at `time` (invalid: now).
    void query(const QString &query, const QDateTime &time, QObject *context,
               ResultHandler<InstantQueryResult> done);
    void queryRange(const RangeQuery &query, QObject *context,
                    ResultHandler<RangeQueryResult> done);
    // The label sets of the series matching `matchers` between `start` and `end` (invalid: the
    // daemon's default, the last hour).
    void series(const QStringList &matchers, const QDateTime &start, const QDateTime &end,
                int limit, QObject *context, ResultHandler<SeriesList> done);
    // Label names, sorted, of the series matching `matchers` (empty: every series).
    void labelNames(const QStringList &matchers, QObject *context, ResultHandler<QStringList> done);
    // The values of label `name`, sorted ("__name__": the metric names).
    void labelValues(const QString &name, const QStringList &matchers, int limit, QObject *context,
                     ResultHandler<LabelValueList> done);
    // The backend's state and what it scrapes (of `service`; empty: everything).
    void targets(const QString &service, QObject *context, ResultHandler<MetricsTargets> done);

    // Follows the tail of a range query. The first message (and the first after the stream or
    // the backend came back) is a snapshot of the whole window; the rest only append. The stream
    // reconnects by itself; onLive reports it. A query the backend rejects, metrics turned off
    // or a refused caller end the watch: onLive(false, why) and nothing more.
    WatchPtr watchQuery(const QueryWatchOptions &options, QObject *context,
                        QueryWatchCallbacks callbacks);

private:
    Session *m_session; // Not owned.
};

} // namespace aegis::console
