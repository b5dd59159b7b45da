#include "tracing/trace_store_metrics.h"

namespace aegis::tracing {

TraceStoreMetrics::TraceStoreMetrics(prometheus::Registry &registry)
    : m_duration(prometheus::BuildHistogram()
                     .Name("aegis_tracing_store_commit_duration_seconds")
                     .Help("Time of one ingest transaction of the span store, from its start to "
                           "durable.")
                     .Register(registry)
                     .Add({}, prometheus::Histogram::BucketBoundaries{0.0005, 0.001, 0.0025, 0.005,
                                                                      0.01, 0.025, 0.05, 0.1, 0.25,
                                                                      0.5, 1, 2.5}))
    , m_batch(prometheus::BuildHistogram()
                  .Name("aegis_tracing_store_commit_spans")
                  .Help("Spans written by one ingest transaction of the span store.")
                  .Register(registry)
                  .Add({}, prometheus::Histogram::BucketBoundaries{1, 10, 100, 1000, 5000, 10000,
                                                                   25000, 50000}))
    , m_spans(prometheus::BuildCounter()
                  .Name("aegis_tracing_store_spans_written_total")
                  .Help("Spans the span store wrote durably.")
                  .Register(registry)
                  .Add({}))
    , m_failures(prometheus::BuildCounter()
                     .Name("aegis_tracing_store_commit_failures_total")
                     .Help("Ingest transactions the span store could not write (their batches "
                           "were refused).")
                     .Register(registry)
                     .Add({}))
    , m_deleted(prometheus::BuildCounter()
                    .Name("aegis_tracing_store_deleted_traces_total")
                    .Help("Traces deleted by retention (age, size) or by tail sampling.")
                    .Register(registry))
    , m_storedSpans(prometheus::BuildGauge()
                        .Name("aegis_tracing_store_spans")
                        .Help("Spans in the span store.")
                        .Register(registry)
                        .Add({}))
    , m_storedTraces(prometheus::BuildGauge()
                         .Name("aegis_tracing_store_traces")
                         .Help("Traces in the span store.")
                         .Register(registry)
                         .Add({}))
    , m_bytes(prometheus::BuildGauge()
                  .Name("aegis_tracing_store_bytes")
                  .Help("Bytes of traces.db in use (the size retention.max_bytes bounds).")
                  .Register(registry)
                  .Add({}))
    , m_runs(prometheus::BuildGauge()
                 .Name("aegis_tracing_store_index_runs")
                 .Help("Runs of the span store's attribute index (merged as they accumulate).")
                 .Register(registry)
                 .Add({})) {
    for (const char *reason : {"age", "size", "sampling"}) {
        m_deleted.Add({{"reason", reason}});
    }
}

void TraceStoreMetrics::committed(std::size_t spans, std::chrono::steady_clock::duration elapsed) {
    m_duration.Observe(std::chrono::duration<double>(elapsed).count());
    m_batch.Observe(static_cast<double>(spans));
    m_spans.Increment(static_cast<double>(spans));
}

void TraceStoreMetrics::failed() {
    m_failures.Increment();
}

void TraceStoreMetrics::deleted(const char *reason, std::uint64_t traces) {
    m_deleted.Add({{"reason", reason}}).Increment(static_cast<double>(traces));
}

void TraceStoreMetrics::stored(std::uint64_t spans, std::uint64_t traces, std::uint64_t bytes,
                               std::size_t runs) {
    m_storedSpans.Set(static_cast<double>(spans));
    m_storedTraces.Set(static_cast<double>(traces));
    m_bytes.Set(static_cast<double>(bytes));
    m_runs.Set(static_cast<double>(runs));
}

} // namespace aegis::tracing
