#pragma once

// Spans for the console's trace tests, sent to a real aegisd's OTLP/gRPC receiver: a checkout
// that calls payments and inventory, as three services report it.

#include "net/trace_convert.h"

#include "opentelemetry/proto/collector/trace/v1/trace_service.grpc.pb.h"

#include <grpcpp/create_channel.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace aegis::testing {

using aegis::console::idToHex;

inline std::string idBytes(std::uint64_t high, std::uint64_t low, int size) {
    std::string bytes(std::size_t(size), '\0');
    for (int i = 0; i < 8 && i < size; ++i) {
        bytes[std::size_t(size - 1 - i)] = char((low >> (8 * i)) & 0xff);
    }
    for (int i = 0; i < 8 && size == 16; ++i) {
        bytes[std::size_t(7 - i)] = char((high >> (8 * i)) & 0xff);
    }
    return bytes;
}

inline QString traceHex(std::uint64_t trace) {
    return idToHex(idBytes(0xc0ffee, trace, 16));
}

// One span of trace `trace` as a service reports it.
inline opentelemetry::proto::trace::v1::Span
span(std::uint64_t trace, std::uint64_t id, std::uint64_t parent, const std::string &name,
     opentelemetry::proto::trace::v1::Span::SpanKind kind, std::uint64_t startNanos,
     std::uint64_t durationNanos, bool error = false) {
    opentelemetry::proto::trace::v1::Span out;
    out.set_trace_id(idBytes(0xc0ffee, trace, 16));
    out.set_span_id(idBytes(0, id, 8));
    if (parent != 0) {
        out.set_parent_span_id(idBytes(0, parent, 8));
    }
    out.set_name(name);
    out.set_kind(kind);
    out.set_start_time_unix_nano(startNanos);
    out.set_end_time_unix_nano(startNanos + durationNanos);
    if (error) {
        out.mutable_status()->set_code(opentelemetry::proto::trace::v1::Status::STATUS_CODE_ERROR);
        out.mutable_status()->set_message("card declined");
    }
    return out;
}

inline void addAttribute(opentelemetry::proto::trace::v1::Span &span, const std::string &key,
                         const std::string &value) {
    auto *attribute = span.add_attributes();
    attribute->set_key(key);
    attribute->mutable_value()->set_string_value(value);
}

inline void
addResource(opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest &request,
            const std::string &service, const std::string &version, const std::string &colour,
            std::vector<opentelemetry::proto::trace::v1::Span> spans) {
    auto *resource = request.add_resource_spans();
    for (const auto &[key, value] : {std::pair<std::string, std::string>{"service.name", service},
                                     {"service.version", version},
                                     {"aegis.colour", colour}}) {
        auto *attribute = resource->mutable_resource()->add_attributes();
        attribute->set_key(key);
        attribute->mutable_value()->set_string_value(value);
    }
    auto *scope = resource->add_scope_spans();
    scope->mutable_scope()->set_name("tst_console_traces_api");
    for (auto &one : spans) {
        *scope->add_spans() = std::move(one);
    }
}

// A checkout: checkout's server span calls payments and inventory (client spans), whose server
// spans answer; payments fails when `failing`.
inline opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest
checkoutTrace(std::uint64_t trace, std::uint64_t start, bool failing) {
    using Kind = opentelemetry::proto::trace::v1::Span;
    const std::uint64_t ms = 1000000;
    const std::uint64_t base = trace * 100;
    auto root =
        span(trace, base + 1, 0, "POST /orders", Kind::SPAN_KIND_SERVER, start, 180 * ms, failing);
    addAttribute(root, "http.route", "/orders");
    addAttribute(root, "region", "eu-west-1");
    auto callPayments = span(trace, base + 2, base + 1, "charge", Kind::SPAN_KIND_CLIENT,
                             start + 10 * ms, (failing ? 150 : 60) * ms, failing);
    auto callInventory =
        span(trace, base + 3, base + 1, "reserve", Kind::SPAN_KIND_CLIENT, start + 5 * ms, 30 * ms);
    auto payments = span(trace, base + 4, base + 2, "charge", Kind::SPAN_KIND_SERVER,
                         start + 12 * ms, (failing ? 140 : 50) * ms, failing);
    addAttribute(payments, "payment.method", "card");
    auto inventory =
        span(trace, base + 5, base + 3, "reserve", Kind::SPAN_KIND_SERVER, start + 7 * ms, 25 * ms);
    opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest request;
    addResource(request, "checkout", "1.5.0", "green", {root, callPayments, callInventory});
    addResource(request, "payments", "0.9.7", "blue", {payments});
    addResource(request, "inventory", "2.0.3", "blue", {inventory});
    return request;
}

inline grpc::Status
exportSpans(const std::string &address,
            const opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest &request) {
    grpc::ChannelArguments arguments;
    arguments.SetMaxSendMessageSize(64 * 1024 * 1024);
    auto channel =
        grpc::CreateCustomChannel(address, grpc::InsecureChannelCredentials(), arguments);
    auto stub = opentelemetry::proto::collector::trace::v1::TraceService::NewStub(channel);
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    opentelemetry::proto::collector::trace::v1::ExportTraceServiceResponse response;
    return stub->Export(&context, request, &response);
}

} // namespace aegis::testing
