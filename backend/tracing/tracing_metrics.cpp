#include "tracing/tracing_metrics.h"

namespace aegis::tracing {

TracingMetrics::TracingMetrics(prometheus::Registry &registry)
    : m_exports(prometheus::BuildCounter()
                    .Name("aegis_tracing_exports_total")
                    .Help("OTLP trace exports answered, by protocol and gRPC status code.")
                    .Register(registry))
    , m_duration(prometheus::BuildHistogram()
                     .Name("aegis_tracing_export_duration_seconds")
                     .Help("Time from an OTLP export's receipt to its answer (spans durable).")
                     .Register(registry))
    , m_received(prometheus::BuildCounter()
                     .Name("aegis_tracing_spans_received_total")
                     .Help("Spans in the OTLP exports received, by protocol.")
                     .Register(registry))
    , m_rejected(prometheus::BuildCounter()
                     .Name("aegis_tracing_spans_rejected_total")
                     .Help("Spans refused: invalid, over a limit, or in a refused export.")
                     .Register(registry)
                     .Add({}))
    , m_sampledOut(prometheus::BuildCounter()
                       .Name("aegis_tracing_spans_sampled_out_total")
                       .Help("Valid spans head sampling did not keep.")
                       .Register(registry)
                       .Add({}))
    , m_tail(prometheus::BuildCounter()
                 .Name("aegis_tracing_tail_traces_total")
                 .Help("Traces the tail sampler decided, by decision.")
                 .Register(registry))
    , m_tailKept(m_tail.Add({{"decision", "kept"}}))
    , m_tailDeleted(m_tail.Add({{"decision", "deleted"}}))
    , m_forwardSent(prometheus::BuildCounter()
                        .Name("aegis_tracing_forward_spans_sent_total")
                        .Help("Spans delivered to an external OTLP collector.")
                        .Register(registry))
    , m_forwardDropped(prometheus::BuildCounter()
                           .Name("aegis_tracing_forward_spans_dropped_total")
                           .Help("Spans not delivered to an external OTLP collector (queue full "
                                 "or refused by it).")
                           .Register(registry))
    , m_forwardQueued(prometheus::BuildGauge()
                          .Name("aegis_tracing_forward_queue_spans")
                          .Help("Spans waiting to be sent to an external OTLP collector.")
                          .Register(registry)) {}

void TracingMetrics::exported(const std::string &protocol, const std::string &code,
                              std::chrono::microseconds duration) {
    m_exports.Add({{"protocol", protocol}, {"code", code}}).Increment();
    m_duration
        .Add({{"protocol", protocol}},
             prometheus::Histogram::BucketBoundaries{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
                                                     0.25, 0.5, 1, 2.5})
        .Observe(std::chrono::duration<double>(duration).count());
}

void TracingMetrics::received(const std::string &protocol, std::uint64_t spans) {
    m_received.Add({{"protocol", protocol}}).Increment(static_cast<double>(spans));
}

void TracingMetrics::rejected(std::uint64_t spans) {
    m_rejected.Increment(static_cast<double>(spans));
}

void TracingMetrics::sampledOut(std::uint64_t spans) {
    m_sampledOut.Increment(static_cast<double>(spans));
}

void TracingMetrics::tailDecided(std::uint64_t kept, std::uint64_t deleted) {
    m_tailKept.Increment(static_cast<double>(kept));
    m_tailDeleted.Increment(static_cast<double>(deleted));
}

TracingMetrics::Forwarder TracingMetrics::forwarder(const std::string &endpoint) {
    return {&m_forwardSent.Add({{"endpoint", endpoint}}),
            &m_forwardDropped.Add({{"endpoint", endpoint}}),
            &m_forwardQueued.Add({{"endpoint", endpoint}})};
}

} // namespace aegis::tracing
