#pragma once

#include "common/backoff.h"
#include "tracing/span_sink.h"
#include "tracing/tracing_metrics.h"

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

namespace aegis::tracing {

struct OtlpForwarderOptions {
    // host:port of the OTLP/gRPC collector.
    std::string endpoint;
    // PEM CA to trust: TLS when set, plaintext otherwise.
    std::string caPem;
    // Sent as "authorization: Bearer <token>" when set.
    std::string bearerToken;
    // Spans held while the collector is slow or down; beyond it the oldest batches are dropped.
    std::int64_t queueSpans = 100000;
    // Encoded request bytes held, so large spans cannot pin unbounded memory; beyond it too the
    // oldest batches are dropped.
    std::int64_t queueBytes = 256LL * 1024 * 1024;
    BackoffOptions backoff{std::chrono::milliseconds(200), std::chrono::seconds(10), 2.0, 0.2};
    // Deadline of each Export call.
    std::chrono::milliseconds callTimeout{std::chrono::seconds(5)};
    // Null: no metrics.
    std::shared_ptr<TracingMetrics> metrics;
};

// Sends every accepted batch to an external OTLP/gRPC collector (Jaeger, Tempo, an OpenTelemetry
// Collector, another aegisd). accept() only queues (done is OK at once: forwarding never fails
// or slows the ingest). One sender thread exports the queue in order; a retryable failure
// (UNAVAILABLE, DEADLINE_EXCEEDED, ... as the OTLP specification lists them) is retried with
// exponential backoff, anything else drops the batch and counts it, as do spans the collector
// reports rejected in partial_success. Thread-safe.
class OtlpForwarder final : public SpanSink {
public:
    explicit OtlpForwarder(OtlpForwarderOptions options);
    ~OtlpForwarder() override;

    void accept(SpanBatchPtr batch, std::function<void(Status)> done) override;

    // Delivers what is queued until `deadline` while the collector takes it, then stops the
    // sender; what is left (all of it once a send fails) is counted dropped.
    void stop(std::chrono::steady_clock::time_point deadline);

    ForwardingStatus status() const;

private:
    class Sender;
    void run();
    // Under m_mutex.
    void drop(std::size_t spans);

    const OtlpForwarderOptions m_options;
    TracingMetrics::Forwarder m_counters;
    std::unique_ptr<Sender> m_sender;

    mutable std::mutex m_mutex;
    std::condition_variable m_wake;
    std::deque<SpanBatchPtr> m_queue;
    std::int64_t m_queuedSpans = 0;
    std::int64_t m_queuedBytes = 0;
    bool m_stopping = false;
    std::chrono::steady_clock::time_point m_stopDeadline =
        std::chrono::steady_clock::time_point::max();
    ForwardingStatus m_status;
    std::thread m_thread;
};

} // namespace aegis::tracing
