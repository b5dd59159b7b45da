#pragma once

// Builds OTLP export requests for tests: resources, scopes and spans with the fields the span
// store keeps, written out as an SDK would send them.

#include "tracing/trace_ids.h"

#include "opentelemetry/proto/collector/trace/v1/trace_service.pb.h"

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace aegis::testing {

namespace otlp = opentelemetry::proto;

inline std::string traceBytes(std::uint8_t seed) {
    std::string bytes(16, '\0');
    for (std::size_t i = 0; i < bytes.size(); ++i) {
        bytes[i] = static_cast<char>(seed + i * 7 + 1);
    }
    return bytes;
}

inline std::string spanBytes(std::uint64_t value) {
    std::string bytes(8, '\0');
    for (int i = 7; i >= 0; --i) {
        bytes[static_cast<std::size_t>(i)] = static_cast<char>(value & 0xFF);
        value >>= 8;
    }
    return bytes;
}

inline void setString(otlp::common::v1::KeyValue *attribute, const std::string &key,
                      const std::string &value) {
    attribute->set_key(key);
    attribute->mutable_value()->set_string_value(value);
}

using Attributes = std::vector<std::pair<std::string, std::string>>;

// A resource with these string attributes (service.name, service.version, aegis.colour, ...).
inline otlp::trace::v1::ResourceSpans *
addResource(otlp::collector::trace::v1::ExportTraceServiceRequest &request,
            const Attributes &attributes) {
    auto *resourceSpans = request.add_resource_spans();
    for (const auto &[key, value] : attributes) {
        setString(resourceSpans->mutable_resource()->add_attributes(), key, value);
    }
    resourceSpans->set_schema_url("https://opentelemetry.io/schemas/1.21.0");
    return resourceSpans;
}

inline otlp::trace::v1::ScopeSpans *addScope(otlp::trace::v1::ResourceSpans *resourceSpans,
                                             const std::string &name) {
    auto *scopeSpans = resourceSpans->add_scope_spans();
    scopeSpans->mutable_scope()->set_name(name);
    scopeSpans->mutable_scope()->set_version("1.0.0");
    return scopeSpans;
}

struct SpanSpec {
    std::string trace;        // 16 bytes
    std::uint64_t id = 0;     // span id
    std::uint64_t parent = 0; // 0: root
    std::string name;
    otlp::trace::v1::Span::SpanKind kind = otlp::trace::v1::Span::SPAN_KIND_INTERNAL;
    std::uint64_t startNanos = 0;
    std::uint64_t durationNanos = 0;
    bool error = false;
    Attributes attributes;
};

inline otlp::trace::v1::Span *addSpan(otlp::trace::v1::ScopeSpans *scopeSpans,
                                      const SpanSpec &spec) {
    auto *span = scopeSpans->add_spans();
    span->set_trace_id(spec.trace);
    span->set_span_id(spanBytes(spec.id));
    if (spec.parent != 0) {
        span->set_parent_span_id(spanBytes(spec.parent));
    }
    span->set_name(spec.name);
    span->set_kind(spec.kind);
    span->set_start_time_unix_nano(spec.startNanos);
    span->set_end_time_unix_nano(spec.startNanos + spec.durationNanos);
    for (const auto &[key, value] : spec.attributes) {
        setString(span->add_attributes(), key, value);
    }
    if (spec.error) {
        span->mutable_status()->set_code(otlp::trace::v1::Status::STATUS_CODE_ERROR);
        span->mutable_status()->set_message("failed");
    }
    return span;
}

} // namespace aegis::testing
