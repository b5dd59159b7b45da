#pragma once

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <chrono>
#include <cstdint>
#include <string>

namespace aegis::tracing {

// The ingest's figures on aegisd's /metrics (OtlpIngest::exportMetrics()):
//   aegis_tracing_exports_total{protocol,code}      OTLP exports answered (grpc|http; the gRPC
//                                                   code name)
//   aegis_tracing_export_duration_seconds{protocol} from receipt to the answer (the store's
//                                                   batch durable)
//   aegis_tracing_spans_received_total{protocol}    spans in the exports received
//   aegis_tracing_spans_rejected_total              spans refused (invalid, over a limit, or
//                                                   their whole export refused)
//   aegis_tracing_spans_sampled_out_total           spans head sampling dropped
//   aegis_tracing_tail_traces_total{decision}       traces the tail sampler kept or deleted
//   aegis_tracing_forward_spans_sent_total{endpoint}     spans a forwarder delivered
//   aegis_tracing_forward_spans_dropped_total{endpoint}  spans a forwarder dropped (queue full,
//                                                        refused by the collector)
//   aegis_tracing_forward_queue_spans{endpoint}     spans waiting in a forwarder's queue
// Thread-safe.
class TracingMetrics {
public:
    explicit TracingMetrics(prometheus::Registry &registry);

    void exported(const std::string &protocol, const std::string &code,
                  std::chrono::microseconds duration);
    void received(const std::string &protocol, std::uint64_t spans);
    void rejected(std::uint64_t spans);
    void sampledOut(std::uint64_t spans);
    void tailDecided(std::uint64_t kept, std::uint64_t deleted);

    // A forwarder's counters, registered once per endpoint.
    struct Forwarder {
        prometheus::Counter *sent = nullptr;
        prometheus::Counter *dropped = nullptr;
        prometheus::Gauge *queued = nullptr;
    };
    Forwarder forwarder(const std::string &endpoint);

private:
    prometheus::Family<prometheus::Counter> &m_exports;
    prometheus::Family<prometheus::Histogram> &m_duration;
    prometheus::Family<prometheus::Counter> &m_received;
    prometheus::Counter &m_rejected;
    prometheus::Counter &m_sampledOut;
    prometheus::Family<prometheus::Counter> &m_tail;
    prometheus::Counter &m_tailKept;
    prometheus::Counter &m_tailDeleted;
    prometheus::Family<prometheus::Counter> &m_forwardSent;
    prometheus::Family<prometheus::Counter> &m_forwardDropped;
    prometheus::Family<prometheus::Gauge> &m_forwardQueued;
};

} // namespace aegis::tracing
