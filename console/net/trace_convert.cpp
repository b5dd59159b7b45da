#include "net/trace_convert.h"

#include "net/proto_convert.h"

#include <QByteArray>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTimeZone>

#include <algorithm>

namespace aegis::console {
namespace {

namespace otlp = opentelemetry::proto;

qint64 durationNanos(const google::protobuf::Duration &duration) {
    return duration.seconds() * 1000000000 + duration.nanos();
}

void toDuration(qint64 nanos, google::protobuf::Duration *duration) {
    duration->set_seconds(nanos / 1000000000);
    duration->set_nanos(static_cast<int>(nanos % 1000000000));
}

template <typename T, typename Repeated>
std::vector<T> copyColumn(const Repeated &column) {
    return std::vector<T>(column.begin(), column.end());
}

QJsonValue attributeValueJson(const otlp::common::v1::AnyValue &value) {
    using Value = otlp::common::v1::AnyValue;
    switch (value.value_case()) {
    case Value::kStringValue:
        return fromStd(value.string_value());
    case Value::kBoolValue:
        return value.bool_value();
    case Value::kIntValue:
        return static_cast<qint64>(value.int_value());
    case Value::kDoubleValue:
        return value.double_value();
    case Value::kBytesValue:
        return QString::fromLatin1(QByteArray::fromStdString(value.bytes_value()).toHex());
    case Value::kArrayValue: {
        QJsonArray array;
        for (const auto &element : value.array_value().values()) {
            array.append(attributeValueJson(element));
        }
        return array;
    }
    case Value::kKvlistValue: {
        QJsonObject object;
        for (const auto &entry : value.kvlist_value().values()) {
            object.insert(fromStd(entry.key()), attributeValueJson(entry.value()));
        }
        return object;
    }
    case Value::VALUE_NOT_SET:
        break;
    }
    return QJsonValue::Null;
}

QList<SpanAttribute>
fromProto(const google::protobuf::RepeatedPtrField<otlp::common::v1::KeyValue> &attributes) {
    QList<SpanAttribute> result;
    result.reserve(attributes.size());
    for (const auto &attribute : attributes) {
        result.append({fromStd(attribute.key()), attributeValueText(attribute.value())});
    }
    return result;
}

QDateTime fromUnixNano(std::uint64_t nanos) {
    return nanos == 0 ? QDateTime()
                      : QDateTime::fromMSecsSinceEpoch(static_cast<qint64>(nanos / 1000000),
                                                       QTimeZone::utc());
}

QString statusCodeName(otlp::trace::v1::Status::StatusCode code) {
    switch (code) {
    case otlp::trace::v1::Status::STATUS_CODE_OK:
        return QStringLiteral("ok");
    case otlp::trace::v1::Status::STATUS_CODE_ERROR:
        return QStringLiteral("error");
    default:
        return QStringLiteral("unset");
    }
}

SpanKind fromProto(otlp::trace::v1::Span::SpanKind kind) {
    const int value = static_cast<int>(kind);
    return value >= 0 && value <= static_cast<int>(SpanKind::Consumer)
               ? static_cast<SpanKind>(value)
               : SpanKind::Unspecified;
}

SpanDetail fromProto(const otlp::trace::v1::Span &span, const QList<SpanAttribute> &resource,
                     const otlp::common::v1::InstrumentationScope &scope) {
    SpanDetail result;
    result.traceId = idToHex(span.trace_id());
    result.spanId = idToHex(span.span_id());
    result.parentSpanId = idToHex(span.parent_span_id());
    result.name = fromStd(span.name());
    result.kind = fromProto(span.kind());
    result.startUnixNano = static_cast<std::int64_t>(span.start_time_unix_nano());
    result.endUnixNano = static_cast<std::int64_t>(span.end_time_unix_nano());
    result.statusCode = statusCodeName(span.status().code());
    result.statusMessage = fromStd(span.status().message());
    result.attributes = fromProto(span.attributes());
    result.events.reserve(span.events_size());
    for (const auto &event : span.events()) {
        result.events.append({fromUnixNano(event.time_unix_nano()),
                              static_cast<std::int64_t>(event.time_unix_nano()),
                              fromStd(event.name()), fromProto(event.attributes())});
    }
    result.links.reserve(span.links_size());
    for (const auto &link : span.links()) {
        result.links.append(
            {idToHex(link.trace_id()), idToHex(link.span_id()), fromProto(link.attributes())});
    }
    result.resource = resource;
    result.scopeName = fromStd(scope.name());
    result.scopeVersion = fromStd(scope.version());
    result.droppedAttributes = static_cast<int>(span.dropped_attributes_count());
    result.droppedEvents = static_cast<int>(span.dropped_events_count());
    result.droppedLinks = static_cast<int>(span.dropped_links_count());
    return result;
}

} // namespace

QString idToHex(const std::string &bytes) {
    return QString::fromLatin1(
        QByteArray::fromRawData(bytes.data(), static_cast<qsizetype>(bytes.size())).toHex());
}

QString attributeValueText(const otlp::common::v1::AnyValue &value) {
    const QJsonValue json = attributeValueJson(value);
    if (json.isArray()) {
        return QString::fromUtf8(QJsonDocument(json.toArray()).toJson(QJsonDocument::Compact));
    }
    if (json.isObject()) {
        return QString::fromUtf8(QJsonDocument(json.toObject()).toJson(QJsonDocument::Compact));
    }
    switch (value.value_case()) {
    case otlp::common::v1::AnyValue::kBoolValue:
        return value.bool_value() ? QStringLiteral("true") : QStringLiteral("false");
    case otlp::common::v1::AnyValue::kIntValue:
        return QString::number(value.int_value());
    case otlp::common::v1::AnyValue::kDoubleValue:
        return QString::number(value.double_value(), 'g', 17);
    default:
        return json.toString();
    }
}

TraceSummary fromProto(const v1::TraceSummary &summary) {
    TraceSummary result;
    result.traceId = idToHex(summary.trace_id());
    result.rootService = fromStd(summary.root_service());
    result.rootOperation = fromStd(summary.root_operation());
    result.startTime = fromTimestamp(summary.start_time());
    result.durationNanos = durationNanos(summary.duration());
    result.spanCount = static_cast<int>(summary.span_count());
    result.errorCount = static_cast<int>(summary.error_count());
    result.services.reserve(summary.services_size());
    for (const auto &service : summary.services()) {
        result.services.append({fromStd(service.service()), static_cast<int>(service.span_count()),
                                static_cast<int>(service.error_count())});
    }
    result.hasRoot = summary.has_root();
    return result;
}

void toProto(const TraceSearch &search, v1::SearchTracesRequest *request) {
    request->set_service(search.service.toStdString());
    request->set_operation(search.operation.toStdString());
    if (search.start.isValid()) {
        toTimestamp(search.start, request->mutable_start_time());
    }
    if (search.end.isValid()) {
        toTimestamp(search.end, request->mutable_end_time());
    }
    if (search.minDurationNanos >= 0) {
        toDuration(search.minDurationNanos, request->mutable_min_duration());
    }
    if (search.maxDurationNanos >= 0) {
        toDuration(search.maxDurationNanos, request->mutable_max_duration());
    }
    request->set_tag_query(search.tagQuery.toStdString());
    request->set_limit(static_cast<std::uint32_t>(std::max(search.limit, 0)));
}

TraceSearchResult fromProto(const v1::SearchTracesResponse &response) {
    TraceSearchResult result;
    result.traces.reserve(response.traces_size());
    for (const auto &trace : response.traces()) {
        result.traces.append(fromProto(trace));
    }
    result.truncated = response.truncated();
    return result;
}

TraceTimeline fromProto(const v1::TraceTimeline &timeline, const QString &traceId) {
    TraceTimeline result;
    result.traceId = traceId;
    result.startUnixNano = static_cast<std::int64_t>(timeline.start_unix_nano());
    result.strings.reserve(timeline.strings_size());
    for (const auto &text : timeline.strings()) {
        result.strings.append(fromStd(text));
    }
    if (result.strings.isEmpty()) {
        result.strings.append(QString());
    }
    result.spanIds = copyColumn<std::uint64_t>(timeline.span_ids());
    result.parentSpanIds = copyColumn<std::uint64_t>(timeline.parent_span_ids());
    result.services = copyColumn<std::uint32_t>(timeline.services());
    result.operations = copyColumn<std::uint32_t>(timeline.operations());
    result.startOffsetsNanos = copyColumn<std::uint64_t>(timeline.start_offsets_nanos());
    result.durationsNanos = copyColumn<std::uint64_t>(timeline.durations_nanos());
    result.flags = copyColumn<std::uint32_t>(timeline.flags());
    result.versions = copyColumn<std::uint32_t>(timeline.versions());
    result.colours = copyColumn<std::uint32_t>(timeline.colours());
    // Every column has one entry per span; a short column (a daemon that omits an empty one)
    // is padded, and string indexes out of range point at "", so a view never reads past either.
    const std::size_t count = result.spanIds.size();
    for (auto *column :
         {&result.parentSpanIds, &result.startOffsetsNanos, &result.durationsNanos}) {
        column->resize(count, 0);
    }
    const auto strings = static_cast<std::uint32_t>(result.strings.size());
    for (auto *column :
         {&result.services, &result.operations, &result.flags, &result.versions, &result.colours}) {
        column->resize(count, 0);
    }
    for (auto *column : {&result.services, &result.operations, &result.versions, &result.colours}) {
        for (std::uint32_t &index : *column) {
            if (index >= strings) {
                index = 0;
            }
        }
    }
    return result;
}

QList<SpanDetail> fromProto(const otlp::trace::v1::TracesData &data) {
    QList<SpanDetail> result;
    for (const auto &resourceSpans : data.resource_spans()) {
        const QList<SpanAttribute> resource = fromProto(resourceSpans.resource().attributes());
        for (const auto &scopeSpans : resourceSpans.scope_spans()) {
            for (const auto &span : scopeSpans.spans()) {
                result.append(fromProto(span, resource, scopeSpans.scope()));
            }
        }
    }
    return result;
}

TraceDetail fromProto(const v1::GetTraceResponse &response) {
    TraceDetail result;
    result.summary = fromProto(response.summary());
    result.timeline = fromProto(response.timeline(), result.summary.traceId);
    result.spans = fromProto(response.spans());
    return result;
}

QList<TraceServiceInfo> fromProto(const v1::ListTraceServicesResponse &response) {
    QList<TraceServiceInfo> result;
    result.reserve(response.services_size());
    for (const auto &service : response.services()) {
        TraceServiceInfo info;
        info.name = fromStd(service.name());
        info.spanCount = static_cast<qint64>(service.span_count());
        info.operationCount = static_cast<int>(service.operation_count());
        for (const auto &version : service.versions()) {
            info.versions.append(fromStd(version));
        }
        for (const auto &colour : service.colours()) {
            info.colours.append(fromStd(colour));
        }
        result.append(info);
    }
    return result;
}

QList<TraceOperationInfo> fromProto(const v1::ListOperationsResponse &response) {
    QList<TraceOperationInfo> result;
    result.reserve(response.operations_size());
    for (const auto &operation : response.operations()) {
        result.append({fromStd(operation.name()), fromProto(operation.kind()),
                       static_cast<qint64>(operation.span_count())});
    }
    return result;
}

QList<TraceAttributeKey> fromProto(const v1::ListAttributeKeysResponse &response) {
    QList<TraceAttributeKey> result;
    result.reserve(response.keys_size());
    for (const auto &key : response.keys()) {
        result.append({fromStd(key.key()), key.resource()});
    }
    return result;
}

ServiceGraph fromProto(const v1::GetServiceGraphResponse &response) {
    ServiceGraph result;
    result.nodes.reserve(response.nodes_size());
    for (const auto &node : response.nodes()) {
        result.nodes.append({fromStd(node.service()), fromStd(node.version()),
                             fromStd(node.colour()), node.request_rate(), node.error_ratio()});
    }
    const int nodes = static_cast<int>(result.nodes.size());
    result.edges.reserve(response.edges_size());
    for (const auto &edge : response.edges()) {
        const int caller = static_cast<int>(edge.caller());
        const int callee = static_cast<int>(edge.callee());
        // An edge naming no node cannot be drawn; the rest of the graph still can.
        if (caller >= nodes || callee >= nodes) {
            continue;
        }
        result.edges.append({caller, callee, edge.call_rate(), edge.error_ratio(),
                             durationNanos(edge.p50()), durationNanos(edge.p99()),
                             static_cast<qint64>(edge.calls())});
    }
    result.start = fromTimestamp(response.start_time());
    result.end = fromTimestamp(response.end_time());
    return result;
}

TraceComparison fromProto(const v1::CompareTracesResponse &response) {
    TraceComparison result;
    result.left = fromProto(response.left());
    result.right = fromProto(response.right());
    result.paths.reserve(response.paths_size());
    for (const auto &path : response.paths()) {
        TracePathComparison entry;
        entry.path = fromStd(path.path());
        entry.depth = static_cast<int>(path.depth());
        entry.leftCount = static_cast<int>(path.left_count());
        entry.rightCount = static_cast<int>(path.right_count());
        entry.leftDurationNanos = durationNanos(path.left_duration());
        entry.rightDurationNanos = durationNanos(path.right_duration());
        entry.leftErrors = static_cast<int>(path.left_errors());
        entry.rightErrors = static_cast<int>(path.right_errors());
        result.paths.append(entry);
    }
    return result;
}

TracingStatus fromProto(const v1::GetTracingStatusResponse &response) {
    TracingStatus result;
    result.storeEnabled = response.store_enabled();
    result.otlpGrpcAddress = fromStd(response.otlp_grpc_address());
    result.otlpHttpPath = fromStd(response.otlp_http_path());
    result.spansReceived = static_cast<qint64>(response.spans_received());
    result.spansRejected = static_cast<qint64>(response.spans_rejected());
    result.spansSampledOut = static_cast<qint64>(response.spans_sampled_out());
    result.spansStored = static_cast<qint64>(response.spans_stored());
    result.tracesStored = static_cast<qint64>(response.traces_stored());
    result.storeBytes = static_cast<qint64>(response.store_bytes());
    result.retentionAgeMs = durationNanos(response.retention_age()) / 1000000;
    result.retentionBytes = static_cast<qint64>(response.retention_bytes());
    result.oldestSpan = fromTimestamp(response.oldest_span());
    result.samplingPolicy = fromStd(response.sampling_policy());
    result.samplingPolicyVersion = response.sampling_policy_version();
    for (const auto &forwarding : response.forwarding()) {
        result.forwarding.append({fromStd(forwarding.endpoint()), forwarding.connected(),
                                  static_cast<qint64>(forwarding.spans_sent()),
                                  static_cast<qint64>(forwarding.spans_dropped()),
                                  fromStd(forwarding.last_error())});
    }
    return result;
}

} // namespace aegis::console
