#include "net/metrics_api.h"

#include "net/facade_support.h"

#include <aegis/v1/metrics.grpc.pb.h>

namespace aegis::console {
namespace {

MetricLabels fromProto(const google::protobuf::RepeatedPtrField<v1::Label> &labels) {
    MetricLabels result;
    for (const auto &label : labels) {
        result.insert(QString::fromStdString(label.name()), QString::fromStdString(label.value()));
    }
    return result;
}

MetricSeries fromProto(const v1::Series &series) {
    MetricSeries result;
    result.labels = fromProto(series.labels());
    result.timestampsMs =
        QList<qint64>(series.timestamps_ms().begin(), series.timestamps_ms().end());
    result.values = QList<double>(series.values().begin(), series.values().end());
    // The contract pairs them one to one; a short array must not make a reader index past it.
    const qsizetype points = std::min(result.timestampsMs.size(), result.values.size());
    result.timestampsMs.resize(points);
    result.values.resize(points);
    return result;
}

QList<MetricSeries> fromProto(const google::protobuf::RepeatedPtrField<v1::Series> &series) {
    QList<MetricSeries> result;
    result.reserve(series.size());
    for (const auto &one : series) {
        result.append(fromProto(one));
    }
    return result;
}

QStringList fromProto(const google::protobuf::RepeatedPtrField<std::string> &strings) {
    QStringList result;
    result.reserve(strings.size());
    for (const auto &text : strings) {
        result.append(QString::fromStdString(text));
    }
    return result;
}

void toProto(const QStringList &strings, google::protobuf::RepeatedPtrField<std::string> *out) {
    for (const QString &text : strings) {
        out->Add(text.toStdString());
    }
}

MetricsBackendStatus fromProto(const v1::MetricsBackendStatus &status) {
    MetricsBackendStatus result;
    result.mode = static_cast<MetricsBackendMode>(status.mode());
    result.state = static_cast<MetricsBackendState>(status.state());
    result.url = QString::fromStdString(status.url());
    result.detail = QString::fromStdString(status.detail());
    result.restarts = status.restarts();
    result.since = fromTimestamp(status.since());
    result.scrapeIntervalMs = status.scrape_interval_ms();
    return result;
}

MetricsTarget fromProto(const v1::Target &target) {
    MetricsTarget result;
    result.labels = fromProto(target.labels());
    result.scrapeUrl = QString::fromStdString(target.scrape_url());
    result.scrapePool = QString::fromStdString(target.scrape_pool());
    result.health = static_cast<TargetHealth>(target.health());
    result.lastError = QString::fromStdString(target.last_error());
    result.lastScrape = fromTimestamp(target.last_scrape());
    result.lastScrapeDurationUs = target.last_scrape_duration_us();
    return result;
}

QueryTail fromProto(const v1::WatchQueryResponse &response) {
    QueryTail result;
    result.snapshot = response.snapshot();
    result.series = fromProto(response.series());
    result.stepMs = response.step_ms();
    result.evaluatedAt = fromTimestamp(response.evaluated_at());
    result.backendError = QString::fromStdString(response.backend_error());
    return result;
}

} // namespace

void MetricsApi::query(const QString &query, const QDateTime &time, QObject *context,
                       ResultHandler<InstantQueryResult> done) {
    v1::QueryRequest request;
    request.set_query(query.toStdString());
    if (time.isValid()) {
        toTimestamp(time, request.mutable_time());
    }
    callUnary(
        *m_session, std::move(request), &v1::MetricsService::Stub::Query,
        [](const v1::QueryResponse &response) {
            InstantQueryResult result;
            result.type = static_cast<QueryResultType>(response.result_type());
            result.series = fromProto(response.series());
            result.stringValue = QString::fromStdString(response.string_value());
            result.warnings = fromProto(response.warnings());
            result.revision = response.header().revision();
            return result;
        },
        context, std::move(done));
}

void MetricsApi::queryRange(const RangeQuery &query, QObject *context,
                            ResultHandler<RangeQueryResult> done) {
    v1::QueryRangeRequest request;
    request.set_query(query.query.toStdString());
    toTimestamp(query.start, request.mutable_start());
    if (query.end.isValid()) {
        toTimestamp(query.end, request.mutable_end());
    }
    request.set_step_ms(query.stepMs);
    request.set_max_points(query.maxPoints);
    callUnary(
        *m_session, std::move(request), &v1::MetricsService::Stub::QueryRange,
        [](const v1::QueryRangeResponse &response) {
            RangeQueryResult result;
            result.type = static_cast<QueryResultType>(response.result_type());
            result.series = fromProto(response.series());
            result.stepMs = response.step_ms();
            result.warnings = fromProto(response.warnings());
            return result;
        },
        context, std::move(done));
}

void MetricsApi::series(const QStringList &matchers, const QDateTime &start, const QDateTime &end,
                        int limit, QObject *context, ResultHandler<SeriesList> done) {
    v1::SeriesRequest request;
    toProto(matchers, request.mutable_matchers());
    if (start.isValid()) {
        toTimestamp(start, request.mutable_start());
    }
    if (end.isValid()) {
        toTimestamp(end, request.mutable_end());
    }
    request.set_limit(limit);
    callUnary(
        *m_session, std::move(request), &v1::MetricsService::Stub::Series,
        [](const v1::SeriesResponse &response) {
            SeriesList result;
            for (const auto &series : response.series()) {
                result.series.append(fromProto(series.labels()));
            }
            result.truncated = response.truncated();
            return result;
        },
        context, std::move(done));
}

void MetricsApi::labelNames(const QStringList &matchers, QObject *context,
                            ResultHandler<QStringList> done) {
    v1::LabelNamesRequest request;
    toProto(matchers, request.mutable_matchers());
    callUnary(
        *m_session, std::move(request), &v1::MetricsService::Stub::LabelNames,
        [](const v1::LabelNamesResponse &response) { return fromProto(response.names()); }, context,
        std::move(done));
}

void MetricsApi::labelValues(const QString &name, const QStringList &matchers, int limit,
                             QObject *context, ResultHandler<LabelValueList> done) {
    v1::LabelValuesRequest request;
    request.set_name(name.toStdString());
    toProto(matchers, request.mutable_matchers());
    request.set_limit(limit);
    callUnary(
        *m_session, std::move(request), &v1::MetricsService::Stub::LabelValues,
        [](const v1::LabelValuesResponse &response) {
            return LabelValueList{fromProto(response.values()), response.truncated()};
        },
        context, std::move(done));
}

void MetricsApi::targets(const QString &service, QObject *context,
                         ResultHandler<MetricsTargets> done) {
    v1::TargetsRequest request;
    request.set_service(service.toStdString());
    callUnary(
        *m_session, std::move(request), &v1::MetricsService::Stub::Targets,
        [](const v1::TargetsResponse &response) {
            MetricsTargets result;
            result.backend = fromProto(response.backend());
            for (const auto &target : response.targets()) {
                result.targets.append(fromProto(target));
            }
            return result;
        },
        context, std::move(done));
}

WatchPtr MetricsApi::watchQuery(const QueryWatchOptions &options, QObject *context,
                                QueryWatchCallbacks callbacks) {
    v1::WatchQueryRequest request;
    request.set_query(options.query.toStdString());
    request.set_window_ms(options.windowMs);
    request.set_step_ms(options.stepMs);
    request.set_interval_ms(options.intervalMs);
    request.set_max_points(options.maxPoints);
    // The stream has no revisions: every (re)opening starts with a snapshot of the window, so
    // resuming is opening again.
    return startWatch(
        *m_session, context, 0, callbacks,
        [request,
         onEvents = callbacks.onEvents](const Watch::Post &post) -> ResumableWatch::Session {
            return [post, request, onEvents](WatchCall &call, qint64 /*start*/,
                                             const ResumableWatch::Received &received) {
                auto stub = v1::MetricsService::NewStub(call.channel);
                auto reader = stub->WatchQuery(&call.context, request);
                v1::WatchQueryResponse response;
                while (reader->Read(&response)) {
                    received(0);
                    if (onEvents) {
                        post([onEvents, tail = fromProto(response)] { onEvents(tail); });
                    }
                }
                return reader->Finish();
            };
        },
        // A rejected query, metrics turned off or a refused caller do not change by retrying.
        [](int code) {
            return code != grpc::StatusCode::INVALID_ARGUMENT &&
                   code != grpc::StatusCode::FAILED_PRECONDITION &&
                   code != grpc::StatusCode::PERMISSION_DENIED &&
                   code != grpc::StatusCode::UNAUTHENTICATED &&
                   code != grpc::StatusCode::UNIMPLEMENTED;
        });
}

} // namespace aegis::console
