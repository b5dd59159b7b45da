#include "net/traces_api.h"

#include "net/facade_support.h"
#include "net/trace_convert.h"

#include "tracing/otlp_json.h"

#include <aegis/v1/tracing.grpc.pb.h>

namespace aegis::console {
namespace {

// responseFromProto's lookup happens where facade_support.h defines it, before the trace
// conversions are declared.
constexpr auto traceFromProto = [](const auto &response) { return fromProto(response); };

// Sets the request's start_time and end_time to the valid ones of `start` and `end`; an invalid
// one stays unset (the daemon's default), since merely asking for the field would set it.
template <typename Request>
void setTimeRange(Request &request, const QDateTime &start, const QDateTime &end) {
    if (start.isValid()) {
        toTimestamp(start, request.mutable_start_time());
    }
    if (end.isValid()) {
        toTimestamp(end, request.mutable_end_time());
    }
}

} // namespace

void TracesApi::search(const TraceSearch &search, QObject *context,
                       ResultHandler<TraceSearchResult> done) {
    v1::SearchTracesRequest request;
    toProto(search, &request);
    callUnary(*m_session, std::move(request), &v1::TraceService::Stub::SearchTraces, traceFromProto,
              context, std::move(done));
}

void TracesApi::getTrace(const QString &traceId, bool full, const QStringList &spanIds,
                         QObject *context, ResultHandler<TraceDetail> done) {
    v1::GetTraceRequest request;
    request.set_trace_id(traceId.toStdString());
    request.set_view(full ? v1::TRACE_VIEW_FULL : v1::TRACE_VIEW_TIMELINE);
    for (const QString &spanId : spanIds) {
        request.add_span_ids(spanId.toStdString());
    }
    callUnary(*m_session, std::move(request), &v1::TraceService::Stub::GetTrace, traceFromProto,
              context, std::move(done), full ? ChannelKind::Bulk : ChannelKind::Standard);
}

void TracesApi::exportOtlpJson(const QString &traceId, QObject *context,
                               ResultHandler<QByteArray> done) {
    v1::GetTraceRequest request;
    request.set_trace_id(traceId.toStdString());
    request.set_view(v1::TRACE_VIEW_FULL);
    callUnary(
        *m_session, std::move(request), &v1::TraceService::Stub::GetTrace,
        [](const v1::GetTraceResponse &response) {
            return QByteArray::fromStdString(
                tracing::toOtlpJson(response.spans(), tracing::OtlpJsonLayout::Indented));
        },
        context, std::move(done), ChannelKind::Bulk);
}

void TracesApi::listServices(const QDateTime &start, const QDateTime &end, QObject *context,
                             ResultHandler<QList<TraceServiceInfo>> done) {
    v1::ListTraceServicesRequest request;
    setTimeRange(request, start, end);
    callUnary(*m_session, std::move(request), &v1::TraceService::Stub::ListServices, traceFromProto,
              context, std::move(done));
}

void TracesApi::listOperations(const QString &service, const QDateTime &start, const QDateTime &end,
                               QObject *context, ResultHandler<QList<TraceOperationInfo>> done) {
    v1::ListOperationsRequest request;
    request.set_service(service.toStdString());
    setTimeRange(request, start, end);
    callUnary(*m_session, std::move(request), &v1::TraceService::Stub::ListOperations,
              traceFromProto, context, std::move(done));
}

void TracesApi::listAttributeKeys(const QString &service, const QString &prefix, int limit,
                                  QObject *context, ResultHandler<QList<TraceAttributeKey>> done) {
    v1::ListAttributeKeysRequest request;
    request.set_service(service.toStdString());
    request.set_prefix(prefix.toStdString());
    request.set_limit(static_cast<std::uint32_t>(std::max(limit, 0)));
    callUnary(*m_session, std::move(request), &v1::TraceService::Stub::ListAttributeKeys,
              traceFromProto, context, std::move(done));
}

void TracesApi::listAttributeValues(const QString &key, const QString &service,
                                    const QString &prefix, int limit, QObject *context,
                                    ResultHandler<QStringList> done) {
    v1::ListAttributeValuesRequest request;
    request.set_key(key.toStdString());
    request.set_service(service.toStdString());
    request.set_prefix(prefix.toStdString());
    request.set_limit(static_cast<std::uint32_t>(std::max(limit, 0)));
    callUnary(
        *m_session, std::move(request), &v1::TraceService::Stub::ListAttributeValues,
        [](const v1::ListAttributeValuesResponse &response) {
            QStringList values;
            values.reserve(response.values_size());
            for (const auto &value : response.values()) {
                values.append(fromStd(value));
            }
            return values;
        },
        context, std::move(done));
}

void TracesApi::serviceGraph(const QDateTime &end, qint64 windowMs, bool byRelease,
                             QObject *context, ResultHandler<ServiceGraph> done) {
    v1::GetServiceGraphRequest request;
    if (end.isValid()) {
        toTimestamp(end, request.mutable_end_time());
    }
    if (windowMs > 0) {
        request.mutable_window()->set_seconds(windowMs / 1000);
        request.mutable_window()->set_nanos(static_cast<int>(windowMs % 1000) * 1000000);
    }
    request.set_by_release(byRelease);
    callUnary(*m_session, std::move(request), &v1::TraceService::Stub::GetServiceGraph,
              traceFromProto, context, std::move(done));
}

void TracesApi::compare(const QString &leftTraceId, const QString &rightTraceId, QObject *context,
                        ResultHandler<TraceComparison> done) {
    v1::CompareTracesRequest request;
    request.set_left_trace_id(leftTraceId.toStdString());
    request.set_right_trace_id(rightTraceId.toStdString());
    callUnary(*m_session, std::move(request), &v1::TraceService::Stub::CompareTraces,
              traceFromProto, context, std::move(done));
}

void TracesApi::status(QObject *context, ResultHandler<TracingStatus> done) {
    callUnary(*m_session, v1::GetTracingStatusRequest(), &v1::TraceService::Stub::GetTracingStatus,
              traceFromProto, context, std::move(done));
}

} // namespace aegis::console
