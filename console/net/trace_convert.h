#pragma once

// Conversions of aegis.v1.TraceService's messages (and the OTLP spans GetTrace carries) into the
// console's trace value types. Internal to net/; the tests call them directly.

#include "net/trace_types.h"

#include <aegis/v1/tracing.pb.h>

namespace aegis::console {

// 32 (16) lowercase hex digits of an OTLP trace (span) id; empty for an empty field.
QString idToHex(const std::string &bytes);

TraceSummary fromProto(const v1::TraceSummary &summary);
void toProto(const TraceSearch &search, v1::SearchTracesRequest *request);
TraceSearchResult fromProto(const v1::SearchTracesResponse &response);
// Copies the columnar arrays in bulk (no per-span allocation); `traceId` is the summary's.
TraceTimeline fromProto(const v1::TraceTimeline &timeline, const QString &traceId);
// Every span of `data`, each with its resource's attributes and its scope, in the order received.
QList<SpanDetail> fromProto(const opentelemetry::proto::trace::v1::TracesData &data);
TraceDetail fromProto(const v1::GetTraceResponse &response);
// An OTLP attribute value as text: strings as they are, numbers and booleans as written, bytes
// as hex, arrays and key-value lists as JSON.
QString attributeValueText(const opentelemetry::proto::common::v1::AnyValue &value);
QList<TraceServiceInfo> fromProto(const v1::ListTraceServicesResponse &response);
QList<TraceOperationInfo> fromProto(const v1::ListOperationsResponse &response);
QList<TraceAttributeKey> fromProto(const v1::ListAttributeKeysResponse &response);
ServiceGraph fromProto(const v1::GetServiceGraphResponse &response);
TraceComparison fromProto(const v1::CompareTracesResponse &response);
TracingStatus fromProto(const v1::GetTracingStatusResponse &response);

} // namespace aegis::console
