#pragma once

#include "common/clock.h"
#include "store/sqlite_reader_pool.h"
#include "tracing/span_sink.h"
#include "tracing/trace_query_types.h"
#include "tracing/tracing_settings.h"

#include <atomic>
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <future>
#include <memory>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <variant>

struct sqlite3;

namespace prometheus {
class Registry;
}

namespace aegis::tracing {

class TraceStoreMetrics;
namespace detail {
struct ReadCaches;
}

struct TraceStoreOptions {
    std::filesystem::path path;
    // An accepted batch waits at most this long for others to share its transaction.
    std::chrono::milliseconds batchMaxDelay{5};
    // A transaction takes at most about this many spans; more wait for the next one.
    std::size_t maxSpansPerTransaction = 50000;
    // Batches accepted but not yet written are at most about this many spans and encoded bytes;
    // beyond, accept() refuses with UNAVAILABLE (the exporter retries) instead of queueing in
    // memory without bound. 0 spans: 4 transactions' worth.
    std::size_t maxQueuedSpans = 0;
    std::size_t maxQueuedBytes = std::size_t{64} * 1024 * 1024;
    // trace() refuses a trace in full (TraceRequest::full) above this many spans.
    std::size_t maxFullTraceSpans = 200000;
    // serviceGraph() reads at most this many spans of its window and marks the graph truncated.
    std::size_t maxServiceGraphSpans = 2000000;
    // compare() refuses a trace above this many spans.
    std::size_t maxComparedSpans = 200000;
    std::chrono::milliseconds retentionMaxAge{std::chrono::hours(72)};
    std::int64_t retentionMaxBytes = std::int64_t{2} * 1024 * 1024 * 1024;
    // Read-only connections the queries use; a query waits for a free one.
    std::size_t readers = 4;
    ClockPtr clock = std::make_shared<SystemClock>();

    static TraceStoreOptions fromSettings(std::filesystem::path path,
                                          const TracingSettings &settings);
};

// The span store: <data_dir>/traces.db, a SQLite file of its own in WAL mode with
// synchronous=FULL like the main store, so an acknowledged batch survives a crash.
//
// Writes: one writer thread takes every batch accepted within batchMaxDelay of the first and
// writes them in one transaction (one fsync), then calls each batch's `done`. Each span is kept
// as its OTLP encoding (its resource and scope stored once and shared), with the columns the
// queries need (trace, ids, service, operation, kind and status flags, start, duration) and
// indexes by trace, by service and time, by time and by duration class. The attribute index
// posts each trace under the hashes of its distinct attributes (tag_index.h) once per
// transaction, as one sorted run appended at the end of the index; small runs are merged into
// larger ones as they accumulate, so a write touches few pages and a lookup probes few runs.
// Retention (age, then size, oldest traces first) runs on the writer in short transactions
// between ingest transactions.
//
// Reads: every query runs on a reader connection of its own (WAL: readers never wait for the
// writer) and may take as long as its work; callers run queries off their RPC threads.
// Thread-safe.
class TraceStore final : public SpanSink, public TailSamplingStore {
public:
    static constexpr int kSchemaVersion = 1;

    // Opens or creates the file; errors name it.
    static StatusOr<std::unique_ptr<TraceStore>> open(TraceStoreOptions options);
    ~TraceStore() override;

    // SpanSink: `done` once the batch's transaction is durable (or failed: nothing of it stored).
    void accept(SpanBatchPtr batch, std::function<void(Status)> done) override;

    // TailSamplingStore.
    StatusOr<std::vector<TailCandidate>>
    tracesLastReceivedBetween(std::int64_t fromUnixNano, std::int64_t toUnixNano) override;
    Status deleteTraces(const std::vector<TraceId> &traces) override;

    // Queries (tracing.proto's TraceService says what each answers). NOT_FOUND for an unknown
    // trace; the caller validates the requests.
    StatusOr<TraceSearchResult> search(const TraceSearch &search) const;
    StatusOr<TraceDetail> trace(const TraceRequest &request) const;
    StatusOr<std::vector<TraceServiceInfo>> services(std::int64_t fromUnixNano,
                                                     std::int64_t toUnixNano) const;
    StatusOr<std::vector<OperationInfo>> operations(const std::string &service,
                                                    std::int64_t fromUnixNano,
                                                    std::int64_t toUnixNano) const;
    StatusOr<std::vector<AttributeKeyInfo>>
    attributeKeys(const std::string &service, const std::string &prefix, std::size_t limit) const;
    StatusOr<std::vector<std::string>> attributeValues(const std::string &key,
                                                       const std::string &service,
                                                       const std::string &prefix,
                                                       std::size_t limit) const;
    StatusOr<ServiceGraph> serviceGraph(std::int64_t fromUnixNano, std::int64_t toUnixNano,
                                        bool byRelease) const;
    StatusOr<TraceComparison> compare(const TraceId &left, const TraceId &right) const;
    SpanStoreStatus status() const;

    // Deletes what retention no longer allows (older than max_age, then the oldest traces while
    // the file's used pages exceed max_bytes), in short transactions on the writer between
    // ingest transactions; returns when done. Blocks the caller, not the ingest.
    Status enforceRetention();
    // The same without waiting (the daemon's timer); does nothing while a pass is queued.
    void requestRetention();

    // Ends the writer once everything accepted so far is written; later batches are refused.
    void close();

    // Registers the aegis_tracing_store_* metrics. Call once, before the first batch.
    void exportMetrics(prometheus::Registry &registry);

    const std::filesystem::path &path() const { return m_options.path; }

private:
    struct IngestJob {
        SpanBatchPtr batch;
        std::function<void(Status)> done;
        std::chrono::steady_clock::time_point queued;
        std::size_t bytes = 0;
    };
    struct DeleteJob {
        std::vector<TraceId> traces;
        std::shared_ptr<std::promise<Status>> done;
    };
    struct RetentionJob {
        std::shared_ptr<std::promise<Status>> done;
    };
    using Job = std::variant<IngestJob, DeleteJob, RetentionJob>;
    class Writer;
    class Reader;
    class ReaderLease;

    explicit TraceStore(TraceStoreOptions options);
    Status initialise();
    void writerLoop();
    // Makes the writer's counts visible to status() and the metrics; before any `done`.
    void publishCounts();
    Status submit(Job job);

    TraceStoreOptions m_options;
    std::unique_ptr<Writer> m_writer; // Used by the writer thread only after initialise().
    sqlite3 *m_writerDb = nullptr;    // Owned; the writer's connection.

    store::SqliteReaderPool m_readers;
    std::unique_ptr<detail::ReadCaches> m_caches; // What readers decoded once: strings, resources.

    std::mutex m_queueMutex;
    std::condition_variable m_queueChanged;
    std::deque<Job> m_queue;
    std::size_t m_queuedSpans = 0;
    std::size_t m_queuedBytes = 0;
    bool m_retentionQueued = false; // A pass without a waiter is queued or running.
    bool m_closing = false;
    std::thread m_writerThread;

    // Counts the writer keeps for status(); exact as of the last commit.
    std::atomic<std::uint64_t> m_spansStored{0};
    std::atomic<std::uint64_t> m_tracesStored{0};
    std::atomic<std::uint64_t> m_bytes{0};

    std::shared_ptr<TraceStoreMetrics> m_metrics; // Null until exportMetrics().
};

} // namespace aegis::tracing
