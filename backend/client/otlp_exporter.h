#pragma once

#include "client/tracer.h"
#include "common/status.h"

#include "opentelemetry/proto/collector/trace/v1/trace_service.grpc.pb.h"
#include "opentelemetry/proto/resource/v1/resource.pb.h"

#include <grpcpp/channel.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

namespace aegis::client {

struct OtlpExporterOptions {
    // OTLP/gRPC target: "http://host:port" (plaintext), "https://host:port" (TLS), or "host:port"
    // (TLS unless `insecure`).
    std::string endpoint = "http://localhost:4317";
    bool insecure = false;
    // PEM file of the CA trusted for TLS; empty: the system's.
    std::string certificateFile;
    // TLS without checking the server's certificate. Only for a loopback connection to a server
    // known by other means (aegisd exporting its own spans to itself).
    bool skipServerVerification = false;
    // Sent with every export as gRPC metadata (keys lowercase), e.g. {"authorization", "Bearer
    // ..."}.
    std::map<std::string, std::string> headers;
    // The batch span processor (OTEL_BSP_*): spans waiting beyond maxQueueSize are dropped and
    // counted; a batch goes out every scheduleDelay or as soon as maxExportBatchSize are waiting;
    // each export (with its retries) ends within exportTimeout.
    int maxQueueSize = 2048;
    int maxExportBatchSize = 512;
    std::chrono::milliseconds scheduleDelay{5000};
    std::chrono::milliseconds exportTimeout{30000};
    // The deadline of one Export call (OTEL_EXPORTER_OTLP_TIMEOUT), within exportTimeout.
    std::chrono::milliseconds callTimeout{10000};
    // Written once per export request for all its spans.
    opentelemetry::proto::resource::v1::Resource resource;
    std::string scopeName = "aegis";
    std::string scopeVersion;
};

// INVALID_ARGUMENT naming the option (a bad endpoint, sizes not positive, a batch larger than
// the queue).
Status validateExporterOptions(const OtlpExporterOptions &options);

// The batching OTLP/gRPC span exporter: ended spans wait in a bounded queue and one thread sends
// them to opentelemetry.proto.collector.trace.v1.TraceService/Export in batches. A transient
// failure (UNAVAILABLE, DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED, ...) is retried with exponential
// backoff within exportTimeout, then the batch is dropped and counted as failed; memory stays
// bounded by maxQueueSize spans plus one batch whatever the receiver does. Spans a receiver
// rejects in a partial success are counted, never retried.
//
// Thread-safe. The destructor shuts down (flushing what is queued, within exportTimeout).
class BatchSpanExporter final : public SpanProcessor {
public:
    struct Stats {
        std::int64_t queued = 0;   // waiting now
        std::int64_t exported = 0; // accepted by the receiver
        std::int64_t dropped = 0;  // the queue was full (or the exporter shut down)
        std::int64_t failed = 0;   // their export failed for good
        std::int64_t rejected = 0; // refused in a partial success
    };

    static StatusOr<std::shared_ptr<BatchSpanExporter>> create(OtlpExporterOptions options);
    // Over an existing channel (tests, or a caller with its own credentials).
    static StatusOr<std::shared_ptr<BatchSpanExporter>>
    create(std::shared_ptr<grpc::Channel> channel, OtlpExporterOptions options);
    ~BatchSpanExporter() override;

    void onEnd(opentelemetry::proto::trace::v1::Span span) override;
    bool forceFlush(std::chrono::milliseconds timeout) override;
    void shutdown(std::chrono::milliseconds timeout) override;

    Stats stats() const;
    // The channel's target, "host:port".
    const std::string &target() const { return m_target; }

private:
    BatchSpanExporter(std::shared_ptr<grpc::Channel> channel, OtlpExporterOptions options,
                      std::string target);
    void run();
    // Sends one batch, retrying transient failures until `deadline`.
    void exportBatch(std::deque<opentelemetry::proto::trace::v1::Span> batch,
                     std::chrono::steady_clock::time_point deadline);

    const OtlpExporterOptions m_options;
    const std::string m_target;
    const std::shared_ptr<grpc::Channel> m_channel;
    const std::unique_ptr<opentelemetry::proto::collector::trace::v1::TraceService::Stub> m_stub;

    mutable std::mutex m_mutex;
    std::condition_variable m_wake;
    std::condition_variable m_progress;
    std::deque<opentelemetry::proto::trace::v1::Span> m_queue;
    Stats m_stats;
    // Spans accepted into the queue, and those whose export has ended either way: a flush waits
    // for the second to reach what the first was when it began.
    std::int64_t m_accepted = 0;
    std::int64_t m_settled = 0;
    std::int64_t m_flushTarget = 0;
    bool m_stopping = false;
    std::chrono::steady_clock::time_point m_shutdownDeadline;
    std::unique_ptr<grpc::ClientContext> m_inFlight; // to cancel at the shutdown deadline

    std::thread m_thread; // last
};

using BatchSpanExporterPtr = std::shared_ptr<BatchSpanExporter>;

} // namespace aegis::client
