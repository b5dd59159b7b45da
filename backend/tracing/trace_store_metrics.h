#pragma once

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <chrono>
#include <cstdint>

namespace aegis::tracing {

// The span store's figures on aegisd's /metrics (TraceStore::exportMetrics()):
//   aegis_tracing_store_commit_duration_seconds   one ingest transaction, start to durable
//   aegis_tracing_store_commit_spans              spans written by one ingest transaction
//   aegis_tracing_store_spans_written_total       spans written durably
//   aegis_tracing_store_commit_failures_total     ingest transactions that could not be written
//   aegis_tracing_store_deleted_traces_total{reason="age|size|sampling"}
//   aegis_tracing_store_spans, aegis_tracing_store_traces, aegis_tracing_store_bytes
//   aegis_tracing_store_index_runs                runs of the attribute index
// Called by the store's writer thread only.
class TraceStoreMetrics {
public:
    explicit TraceStoreMetrics(prometheus::Registry &registry);

    void committed(std::size_t spans, std::chrono::steady_clock::duration elapsed);
    void failed();
    void deleted(const char *reason, std::uint64_t traces);
    void stored(std::uint64_t spans, std::uint64_t traces, std::uint64_t bytes, std::size_t runs);

private:
    prometheus::Histogram &m_duration;
    prometheus::Histogram &m_batch;
    prometheus::Counter &m_spans;
    prometheus::Counter &m_failures;
    prometheus::Family<prometheus::Counter> &m_deleted;
    prometheus::Gauge &m_storedSpans;
    prometheus::Gauge &m_storedTraces;
    prometheus::Gauge &m_bytes;
    prometheus::Gauge &m_runs;
};

} // namespace aegis::tracing
