#include "store/store_metrics.h"

#include <algorithm>

namespace aegis::store {

StoreMetrics::StoreMetrics(prometheus::Registry &registry)
    : m_duration(
          prometheus::BuildHistogram()
              .Name("aegis_store_commit_duration_seconds")
              .Help("Time of one group commit of the store, from its start to durable.")
              .Register(registry)
              .Add({}, prometheus::Histogram::BucketBoundaries{0.0001, 0.00025, 0.0005, 0.001,
                                                               0.0025, 0.005, 0.01, 0.025, 0.05,
                                                               0.1, 0.25, 0.5, 1, 2.5, 5}))
    , m_batch(prometheus::BuildHistogram()
                  .Name("aegis_store_commit_batch_transactions")
                  .Help("Transactions written by one group commit of the store.")
                  .Register(registry)
                  .Add({}, prometheus::Histogram::BucketBoundaries{1, 2, 4, 8, 16, 32, 64, 128, 256,
                                                                   512, 1024}))
    , m_transactions(prometheus::BuildCounter()
                         .Name("aegis_store_transactions_total")
                         .Help("Store transactions committed.")
                         .Register(registry)
                         .Add({}))
    , m_failures(prometheus::BuildCounter()
                     .Name("aegis_store_commit_failures_total")
                     .Help("Group commits the store could not write (disk full, I/O errors).")
                     .Register(registry)
                     .Add({}))
    , m_revision(prometheus::BuildGauge()
                     .Name("aegis_store_revision")
                     .Help("The store's current revision.")
                     .Register(registry)
                     .Add({}))
    , m_compactRevision(prometheus::BuildGauge()
                            .Name("aegis_store_compact_revision")
                            .Help("The revision up to which the store's event log is compacted.")
                            .Register(registry)
                            .Add({}))
    , m_walPages(prometheus::BuildGauge()
                     .Name("aegis_store_wal_pages")
                     .Help("Pages in the store's write-ahead log after its last commit.")
                     .Register(registry)
                     .Add({}))
    , m_checkpoints(prometheus::BuildCounter()
                        .Name("aegis_store_wal_checkpoints_total")
                        .Help("Checkpoints of the store's write-ahead log into its file, by who "
                              "ran them (the writer only at the log's limit).")
                        .Register(registry))
    , m_backgroundCheckpoints(m_checkpoints.Add({{"by", "background"}}))
    , m_writerCheckpoints(m_checkpoints.Add({{"by", "writer"}})) {}

void StoreMetrics::committed(std::size_t transactions,
                             std::chrono::steady_clock::duration elapsed) {
    m_duration.Observe(std::chrono::duration<double>(elapsed).count());
    m_batch.Observe(static_cast<double>(transactions));
    m_transactions.Increment(static_cast<double>(transactions));
}

void StoreMetrics::failed() {
    m_failures.Increment();
}

void StoreMetrics::walPages(int pages) {
    m_walPages.Set(pages);
}

void StoreMetrics::checkpointed(Checkpointer by) {
    (by == Checkpointer::Background ? m_backgroundCheckpoints : m_writerCheckpoints).Increment();
}

void StoreMetrics::revisions(Revision current, Revision compacted) {
    m_revision.Set(static_cast<double>(current));
    m_compactRevision.Set(static_cast<double>(compacted));
}

WatchMetrics::WatchMetrics(prometheus::Registry &registry)
    : m_watchers(prometheus::BuildGauge()
                     .Name("aegis_watch_watchers")
                     .Help("Store watchers open: every watch RPC and every module's watch.")
                     .Register(registry)
                     .Add({}))
    , m_sent(prometheus::BuildCounter()
                 .Name("aegis_watch_events_sent_total")
                 .Help("Store events handed to watchers.")
                 .Register(registry)
                 .Add({}))
    , m_cutOff(prometheus::BuildCounter()
                   .Name("aegis_watch_watchers_cut_off_total")
                   .Help("Watchers ended because they fell too far behind.")
                   .Register(registry)
                   .Add({}))
    , m_deliveryBounds{0.001, 0.002, 0.005, 0.01, 0.02, 0.03, 0.05, 0.075,
                       0.1,   0.15,  0.2,   0.3,  0.5,  1,    2,    5}
    , m_delivery(prometheus::BuildHistogram()
                     .Name("aegis_watch_delivery_seconds")
                     .Help("From a revision's commit reaching the watch hub to a watch stream's "
                           "write of it completing, per message written.")
                     .Register(registry)
                     .Add({}, m_deliveryBounds)) {}

void WatchMetrics::watchersOpen(std::size_t count) {
    m_watchers.Set(static_cast<double>(count));
}

void WatchMetrics::sent(std::size_t events) {
    m_sent.Increment(static_cast<double>(events));
}

void WatchMetrics::cutOff() {
    m_cutOff.Increment();
}

void WatchMetrics::delivered(double seconds, std::size_t messages) {
    if (messages == 0) {
        return;
    }
    if (messages == 1) {
        m_delivery.Observe(seconds);
        return;
    }
    // A write of many watches' messages is one update of the histogram, not one each (each takes
    // its lock). The bucket is Observe()'s: the first bound not below the value.
    thread_local std::vector<double> increments;
    increments.assign(m_deliveryBounds.size() + 1, 0.0);
    const auto bucket =
        std::lower_bound(m_deliveryBounds.begin(), m_deliveryBounds.end(), seconds) -
        m_deliveryBounds.begin();
    increments[static_cast<std::size_t>(bucket)] = static_cast<double>(messages);
    m_delivery.ObserveMultiple(increments, seconds * static_cast<double>(messages));
}

} // namespace aegis::store
