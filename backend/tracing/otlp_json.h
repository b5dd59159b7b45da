#pragma once

#include "common/status.h"
#include "opentelemetry/proto/trace/v1/trace.pb.h"

#include <string>
#include <string_view>

namespace aegis::tracing {

// OTLP JSON: the OTLP specification's "JSON Protobuf Encoding" of trace data. It is protobuf's
// JSON mapping with lowerCamelCase keys, 64-bit integers as decimal strings and bytes as base64,
// except that trace and span ids (of spans and links) are hex and enums are integers. A
// TracesData document is also an ExportTraceServiceRequest, so an exported file can be POSTed to
// any OTLP/HTTP /v1/traces endpoint with Content-Type application/json, or opened by any OTLP tool.
// No gRPC, SQLite or Qt: aegisctl and the console's "export as OTLP JSON" share it.

enum class OtlpJsonLayout { Compact, Indented };

// Writes `traces` as OTLP JSON. Ids are lowercase hex; an id that is not 16 or 8 bytes long
// (never stored: the ingest refuses those) is written as its hex if that has an even number of
// bytes and as protobuf's base64 otherwise.
std::string toOtlpJson(const opentelemetry::proto::trace::v1::TracesData &traces,
                       OtlpJsonLayout layout = OtlpJsonLayout::Compact);

// Reads OTLP JSON, as the specification asks of a receiver: ids in hex of either case, enums
// as integers (or their names), 64-bit integers as strings or numbers, unknown fields ignored.
// Ids in base64 (what a plain protobuf JSON encoder writes) are accepted too. INVALID_ARGUMENT
// names what is wrong and where ("resourceSpans[0].scopeSpans[1].spans[4].spanId: ...").
StatusOr<opentelemetry::proto::trace::v1::TracesData> fromOtlpJson(std::string_view json);

} // namespace aegis::tracing
