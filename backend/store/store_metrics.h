#pragma once

#include "store/store.h"

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <chrono>
#include <cstddef>
#include <vector>

namespace aegis::store {

// The store's figures on aegisd's /metrics (SqliteStore::exportMetrics()):
//   aegis_store_commit_duration_seconds       one group commit, BEGIN to durable COMMIT
//   aegis_store_commit_batch_transactions     transactions per group commit
//   aegis_store_transactions_total            transactions committed (applied or not by their
//                                             conditions; each got its outcome)
//   aegis_store_commit_failures_total         group commits the store could not write
//   aegis_store_revision, aegis_store_compact_revision
//   aegis_store_wal_pages                     pages in the WAL after the last commit
//   aegis_store_wal_checkpoints_total         checkpoints run (PASSIVE: each copies what no
//                                             reader still needs), by who ran them
//                                             ("background", or "writer" at the WAL's limit)
// Called by the store's writer thread, and its checkpoint thread for checkpointed().
class StoreMetrics {
public:
    enum class Checkpointer { Background, Writer };

    explicit StoreMetrics(prometheus::Registry &registry);

    void committed(std::size_t transactions, std::chrono::steady_clock::duration elapsed);
    void failed();
    void revisions(Revision current, Revision compacted);
    void walPages(int pages);
    void checkpointed(Checkpointer by);

private:
    prometheus::Histogram &m_duration;
    prometheus::Histogram &m_batch;
    prometheus::Counter &m_transactions;
    prometheus::Counter &m_failures;
    prometheus::Gauge &m_revision;
    prometheus::Gauge &m_compactRevision;
    prometheus::Gauge &m_walPages;
    prometheus::Family<prometheus::Counter> &m_checkpoints;
    prometheus::Counter &m_backgroundCheckpoints;
    prometheus::Counter &m_writerCheckpoints;
};

// The watch hub's figures on aegisd's /metrics (WatchHub::exportMetrics()):
//   aegis_watch_watchers                store watchers open (every watch RPC and module watch)
//   aegis_watch_events_sent_total       store events handed to watchers
//   aegis_watch_watchers_cut_off_total  watchers ended for falling behind (RESOURCE_EXHAUSTED)
//   aegis_watch_delivery_seconds        from a revision's commit reaching the hub to a watch
//                                       stream's write of it completing (one per message written; a
//                                       multiplexed stream counts each watch's message in a write)
// Thread-safe.
class WatchMetrics {
public:
    explicit WatchMetrics(prometheus::Registry &registry);

    void watchersOpen(std::size_t count);
    void sent(std::size_t events);
    void cutOff();
    // Observes `seconds` once for each of `messages` messages written at that time.
    void delivered(double seconds, std::size_t messages = 1);

private:
    prometheus::Gauge &m_watchers;
    prometheus::Counter &m_sent;
    prometheus::Counter &m_cutOff;
    const std::vector<double> m_deliveryBounds;
    prometheus::Histogram &m_delivery;
};

} // namespace aegis::store
