#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace aegis::tracing {

// What one OTLP export may carry. A request over max_request_bytes is refused whole
// (RESOURCE_EXHAUSTED / HTTP 413); one with more spans than maxSpansPerRequest is refused whole
// (INVALID_ARGUMENT / 400); a span over the attribute limits is refused alone and counted in the
// answer's partial_success with a message naming the span, the limit and the value.
struct IngestLimits {
    // [tracing.limits.max_request_bytes]
    std::int64_t maxRequestBytes = 8 * 1024 * 1024;
    // [tracing.limits.max_spans_per_request]
    std::int64_t maxSpansPerRequest = 20000;
    // [tracing.limits.max_attributes] Per span, event, link and resource.
    std::int64_t maxAttributes = 128;
    // [tracing.limits.max_attribute_bytes] A key's or a string/bytes value's length.
    std::int64_t maxAttributeBytes = 8192;
    // [tracing.limits.max_events] [tracing.limits.max_links] Per span.
    std::int64_t maxEvents = 1000;
    std::int64_t maxLinks = 1000;
    // [tracing.limits.max_in_flight_bytes] Decoded exports taken and not yet answered, over both
    // receivers; beyond it an export is answered "busy" (UNAVAILABLE / HTTP 503, retryable).
    std::int64_t maxInFlightBytes = 256LL * 1024 * 1024;
};

// The tracing.* options of aegisd (resources/aegisd.yaml documents each with its default).
struct TracingSettings {
    // [tracing.enabled] Whether aegisd receives spans at all (no OTLP listener, no /v1/traces).
    bool enabled = true;
    // [tracing.otlp_listen] host:port of the OTLP/gRPC receiver; port 0 picks one; "" turns it
    // off (OTLP/HTTP on the HTTP endpoint stays).
    std::string otlpListen = "127.0.0.1:4317";
    // [tracing.otlp_http] Whether the HTTP endpoint accepts OTLP/HTTP protobuf on /v1/traces.
    bool otlpHttp = true;
    // [tracing.bearer_token_file] When set, an export must carry "authorization: Bearer
    // <contents>" (gRPC metadata or HTTP header); UNAUTHENTICATED / 401 otherwise.
    std::filesystem::path bearerTokenFile;
    IngestLimits limits;

    // [tracing.store] Whether spans are kept in <data_dir>/traces.db (TraceService reads it).
    bool store = true;
    // [tracing.retention.max_age] Spans older than this are deleted.
    std::chrono::milliseconds retentionMaxAge{std::chrono::hours(72)};
    // [tracing.retention.max_bytes] The store's file is kept under this size by deleting the
    // oldest traces first.
    std::int64_t retentionMaxBytes = std::int64_t{2} * 1024 * 1024 * 1024;
    // [tracing.batch.max_delay] An accepted export waits at most this long for others to share
    // its transaction; it is acknowledged only once that transaction is durable.
    std::chrono::milliseconds batchMaxDelay{5};

    // [tracing.forward.endpoints] OTLP/gRPC collectors (host:port) every accepted span is also
    // sent to, e.g. Jaeger, Tempo or an OpenTelemetry Collector. With tracing.store false they
    // are the only destination.
    std::vector<std::string> forwardEndpoints;
    // [tracing.forward.ca_file] Use TLS, trusting this PEM CA; unset: plaintext.
    std::filesystem::path forwardCaFile;
    // [tracing.forward.bearer_token_file] Sent as "authorization: Bearer <contents>".
    std::filesystem::path forwardBearerTokenFile;
    // [tracing.forward.queue_spans] Spans held per destination while it is slow or down; the
    // oldest are dropped (and counted) beyond it.
    std::int64_t forwardQueueSpans = 100000;
    // [tracing.forward.queue_bytes] Encoded request bytes held per destination, so large spans
    // cannot pin unbounded memory; the oldest are dropped (and counted) beyond it.
    std::int64_t forwardQueueBytes = 256LL * 1024 * 1024;

    // [tracing.self.sample_ratio] aegisd traces this share of its own RPCs (0: off).
    double selfSampleRatio = 0.0;
};

} // namespace aegis::tracing
