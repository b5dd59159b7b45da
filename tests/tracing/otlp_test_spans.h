#pragma once

#include "opentelemetry/proto/collector/trace/v1/trace_service.pb.h"

#include <cstdint>
#include <string>

namespace aegis::testing {

namespace otlp = opentelemetry::proto;

// A valid span: trace id from `trace` (16 bytes), span id from `span` (8 bytes), 1 ms long.
inline otlp::trace::v1::Span makeSpan(std::uint64_t trace, std::uint64_t span,
                                      std::string name = "GET /checkout") {
    otlp::trace::v1::Span out;
    std::string traceId(16, '\0');
    std::string spanId(8, '\0');
    for (int i = 0; i < 8; ++i) {
        traceId[static_cast<std::size_t>(15 - i)] = static_cast<char>((trace >> (8 * i)) & 0xff);
        traceId[static_cast<std::size_t>(7 - i)] = static_cast<char>(0xa0 + i);
        spanId[static_cast<std::size_t>(7 - i)] = static_cast<char>((span >> (8 * i)) & 0xff);
    }
    out.set_trace_id(traceId);
    out.set_span_id(spanId);
    out.set_name(std::move(name));
    out.set_kind(otlp::trace::v1::Span::SPAN_KIND_SERVER);
    out.set_start_time_unix_nano(1'700'000'000'000'000'000ULL);
    out.set_end_time_unix_nano(1'700'000'000'001'000'000ULL);
    auto *attribute = out.add_attributes();
    attribute->set_key("http.method");
    attribute->mutable_value()->set_string_value("GET");
    return out;
}

// An export of one resource (service.name `service`) and one scope holding `spans`.
inline otlp::collector::trace::v1::ExportTraceServiceRequest
makeExport(const std::string &service, std::initializer_list<otlp::trace::v1::Span> spans) {
    otlp::collector::trace::v1::ExportTraceServiceRequest request;
    auto *resource = request.add_resource_spans();
    auto *name = resource->mutable_resource()->add_attributes();
    name->set_key("service.name");
    name->mutable_value()->set_string_value(service);
    auto *scope = resource->add_scope_spans();
    scope->mutable_scope()->set_name("aegis-test");
    for (const auto &span : spans) {
        *scope->add_spans() = span;
    }
    return request;
}

} // namespace aegis::testing
