#pragma once

#include "common/status.h"
#include "tracing/trace_ids.h"

#include "opentelemetry/proto/collector/trace/v1/trace_service.pb.h"

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace aegis::tracing {

// Spans the ingest accepted (valid, within limits, sampled in), grouped by resource and scope
// exactly as the exporter sent them. Shared read-only between every destination.
struct SpanBatch {
    opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest request;
    std::size_t spanCount = 0;
    // When the ingest accepted it (wall clock, Unix nanoseconds).
    std::int64_t receivedUnixNano = 0;
};
using SpanBatchPtr = std::shared_ptr<const SpanBatch>;

// The number of spans in an export request.
std::size_t
countSpans(const opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest &request);

// Where accepted spans go: the span store, a forwarder to an external collector.
class SpanSink {
public:
    virtual ~SpanSink() = default;
    // Takes the batch. `done` is called exactly once, on any thread, when the sink holds the batch
    // as it promises: the store once the batch's transaction is durable (an error: nothing of it
    // was stored), a forwarder once the batch is queued (it never fails the ingest; what it cannot
    // deliver it counts). Must not block the caller.
    virtual void accept(SpanBatchPtr batch, std::function<void(Status)> done) = 0;
};

// One forwarding destination as GetTracingStatus reports it.
struct ForwardingStatus {
    std::string endpoint;
    bool connected = false;
    std::uint64_t spansSent = 0;
    std::uint64_t spansDropped = 0;
    std::string lastError;
};

// The ingest's side of GetTracingStatus.
struct IngestStatus {
    // The bound OTLP/gRPC address ("" when off) and the OTLP/HTTP path ("" when off).
    std::string otlpGrpcAddress;
    std::string otlpHttpPath;
    std::uint64_t spansReceived = 0;
    std::uint64_t spansRejected = 0;
    std::uint64_t spansSampledOut = 0;
    // The sampling policy in force as YAML, and its config item's version (0: the defaults).
    std::string samplingPolicy;
    std::int64_t samplingPolicyVersion = 0;
    std::vector<ForwardingStatus> forwarding;
};

// What the tail sampler needs from the span store. With tail rules every accepted span is stored
// first (so an acknowledged batch survives a restart) and the sampler later deletes the traces no
// rule keeps.
struct TailCandidate {
    TraceId traceId{};
    // From the earliest start to the latest end of the trace's stored spans.
    std::int64_t durationNanos = 0;
    bool hasError = false;
    // Services of the trace's spans.
    std::vector<std::string> services;
    // The root span's service ("" when the root is not stored).
    std::string rootService;
};

class TailSamplingStore {
public:
    virtual ~TailSamplingStore() = default;
    // Traces whose most recently stored span was received in [from, to) (wall clock), in no order.
    virtual StatusOr<std::vector<TailCandidate>>
    tracesLastReceivedBetween(std::int64_t fromUnixNano, std::int64_t toUnixNano) = 0;
    // Deletes every span of these traces; durable when it returns OK.
    virtual Status deleteTraces(const std::vector<TraceId> &traces) = 0;
};

} // namespace aegis::tracing
