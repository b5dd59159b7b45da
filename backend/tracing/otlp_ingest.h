#pragma once

#include "common/clock.h"
#include "common/status.h"
#include "tracing/sampling_policy.h"
#include "tracing/span_sink.h"
#include "tracing/tracing_settings.h"

#include "opentelemetry/proto/collector/trace/v1/trace_service.pb.h"

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace prometheus {
class Registry;
}

namespace aegis::tracing {

class TracingMetrics;

// How an export arrived, for the metrics.
enum class OtlpProtocol { Grpc, Http };

// The answer to one export. OK: `response` is the ExportTraceServiceResponse (with
// partial_success set when spans were rejected). Otherwise the code says what the OTLP
// specification says it should: INVALID_ARGUMENT (bad data, too many spans: not retryable),
// RESOURCE_EXHAUSTED (over the size limit, no RetryInfo: not retryable), UNAUTHENTICATED,
// UNAVAILABLE (the store could not take it, or tracing.limits.max_in_flight_bytes of exports are
// in flight: retryable).
struct ExportResult {
    Status status;
    opentelemetry::proto::collector::trace::v1::ExportTraceServiceResponse response;
};
using ExportDone = std::function<void(ExportResult)>;

struct OtlpIngestOptions {
    IngestLimits limits;
    // Exports must carry "authorization: Bearer <token>" ("": no check).
    std::string bearerToken;
    // Where accepted spans go: every batch to each of them (see also addSink()). Not owned;
    // they outlive the ingest.
    std::vector<SpanSink *> sinks;
    ClockPtr clock = std::make_shared<SystemClock>();
    // Whether a tail sampler decides later on what the store holds. Then, while the policy has
    // tail rules, every span is accepted and head ratios are applied by the tail sampler; without
    // one (tracing.store false) head sampling always applies here.
    bool tailSampled = false;
};

// The OTLP ingest pipeline shared by the gRPC receiver and /v1/traces: authorisation, the
// request limits (the whole export refused), per-span validation and limits (the span refused
// alone, reported in partial_success), head sampling by the policy in force, and the hand-off of
// the accepted spans to every SpanSink. An export is answered once every sink's `done` came
// (the store's: durable). Thread-safe; never blocks the caller.
class OtlpIngest {
public:
    explicit OtlpIngest(OtlpIngestOptions options);
    ~OtlpIngest();
    OtlpIngest(const OtlpIngest &) = delete;
    OtlpIngest &operator=(const OtlpIngest &) = delete;

    // Registers the aegis_tracing_* ingest metrics. Call once, before the first export.
    void exportMetrics(prometheus::Registry &registry);
    std::shared_ptr<TracingMetrics> metrics() const { return m_metrics; }
    // Adds a destination. Call before the first export.
    void addSink(SpanSink &sink) { m_sinks.push_back(&sink); }

    // OK, or UNAUTHENTICATED naming what is missing. `authorization` is the header's value.
    Status authorize(std::string_view authorization) const;

    // Decodes a serialized ExportTraceServiceRequest (already decompressed) and ingests it.
    // `done` runs exactly once, on any thread (possibly inside this call).
    void exportSerialized(std::string_view serialized, OtlpProtocol protocol, ExportDone done);
    void
    exportRequest(opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest request,
                  std::size_t bytes, OtlpProtocol protocol, ExportDone done);
    // Answers an export whose body did not decode (INVALID_ARGUMENT), counting it.
    void refuseUndecodable(OtlpProtocol protocol, ExportDone done);

    // The sampling policy in force (the item's version and content; version 0: defaults).
    void setPolicy(SamplingPolicyPtr policy, std::int64_t version, std::string yaml);
    SamplingPolicyPtr policy() const;

    // What GetTracingStatus reports of the ingest; addresses as set below, forwarding left empty.
    IngestStatus status() const;
    void setAddresses(std::string otlpGrpcAddress, std::string otlpHttpPath);

    const IngestLimits &limits() const { return m_options.limits; }

private:
    // The first reason `span` (or its resource) breaks the limits or the format, "" if none.
    std::string check(const opentelemetry::proto::trace::v1::Span &span) const;
    void finish(OtlpProtocol protocol, std::chrono::steady_clock::time_point started,
                const ExportResult &result, const ExportDone &done) const;

    const OtlpIngestOptions m_options;
    std::vector<SpanSink *> m_sinks; // Not owned.
    std::shared_ptr<TracingMetrics> m_metrics;
    std::atomic<std::uint64_t> m_received{0};
    std::atomic<std::uint64_t> m_rejected{0};
    std::atomic<std::uint64_t> m_sampledOut{0};
    // Bytes of the exports taken and not yet answered.
    std::atomic<std::int64_t> m_inFlightBytes{0};
    mutable std::mutex m_mutex;
    SamplingPolicyPtr m_policy;
    std::int64_t m_policyVersion = 0;
    std::string m_policyYaml;
    std::string m_grpcAddress;
    std::string m_httpPath;
};

} // namespace aegis::tracing
