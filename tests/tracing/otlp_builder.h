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

inline constexpr std::uint64_t kMs = 1'000'000;

// checkout (blue, 1.4.0) calls payments (2.0.0, green) over HTTP and an uninstrumented database;
// the payment fails in trace 2.
otlp::collector::trace::v1::ExportTraceServiceRequest
checkoutTrace(std::uint8_t seed, std::uint64_t start, bool paymentFails) {
    otlp::collector::trace::v1::ExportTraceServiceRequest request;
    const std::string trace = traceBytes(seed);
    const std::uint64_t base = std::uint64_t{seed} << 16;
    auto *checkout = addResource(request, {{"service.name", "checkout"},
                                           {"service.version", "1.4.0"},
                                           {"aegis.colour", "blue"},
                                           {"region", "eu-west-1"}});
    auto *http = addScope(checkout, "io.opentelemetry.http");
    auto *root = addSpan(http, {trace,
                                base + 1,
                                0,
                                "POST /checkout",
                                otlp::trace::v1::Span::SPAN_KIND_SERVER,
                                start,
                                120 * kMs,
                                paymentFails,
                                {{"http.route", "/checkout"}, {"customer.tier", "gold"}}});
    root->add_events()->set_name("validated");
    root->mutable_events(0)->set_time_unix_nano(start + kMs);
    addSpan(http, {trace,
                   base + 2,
                   base + 1,
                   "POST /pay",
                   otlp::trace::v1::Span::SPAN_KIND_CLIENT,
                   start + 10 * kMs,
                   80 * kMs,
                   paymentFails,
                   {{"http.method", "POST"}}});
    auto *db = addScope(checkout, "io.opentelemetry.sql");
    auto *query = addSpan(db, {trace,
                               base + 3,
                               base + 1,
                               "SELECT orders",
                               otlp::trace::v1::Span::SPAN_KIND_CLIENT,
                               start + 95 * kMs,
                               20 * kMs,
                               false,
                               {{"peer.service", "orders-db"}, {"db.system", "postgresql"}}});
    auto *count = query->add_attributes();
    count->set_key("db.rows");
    count->mutable_value()->set_int_value(42);
    auto *link = query->add_links();
    link->set_trace_id(traceBytes(200));
    link->set_span_id(spanBytes(7));

    auto *payments = addResource(
        request, {{"service.name", "payments"}, {"service.version", "2.0.0"}, {"color", "green"}});
    auto *grpc = addScope(payments, "io.opentelemetry.grpc");
    addSpan(grpc, {trace,
                   base + 4,
                   base + 2,
                   "Pay",
                   otlp::trace::v1::Span::SPAN_KIND_SERVER,
                   start + 15 * kMs,
                   70 * kMs,
                   paymentFails,
                   {{"payment.method", paymentFails ? "card" : "invoice"},
                    {"http.response.status_code", paymentFails ? "502" : "200"}}});
    return request;
}

} // namespace aegis::testing
