#pragma once

#include "etcd/etcd_client.h"
#include "store/store.h"

#include <atomic>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <thread>

namespace aegis::store {

struct EtcdStoreOptions {
    etcd::EtcdClientOptions client;
    // Every key of this store lives under it, so several Aegis clusters can share one etcd.
    // Must end with '/'.
    std::string prefix = "/aegis/";
    // Transactions sent to etcd at once. Transactions whose first key is the same are sent one
    // after the other in submission order; 1 sends every transaction in submission order.
    std::size_t lanes = 8;
};

// The store on an etcd v3 cluster, shared by every aegisd replica that names the same endpoints
// and prefix. Revisions are etcd's revisions, so every replica and every client speaks the same
// ones; the event log and compaction are etcd's own.
//
// Layout under the prefix P: a store key K is the etcd key P + "kv" + K. Every transaction that
// changes something also writes P + "txn", whose value is the transaction's note; its event, at
// the transaction's revision, is folded into the note of that revision's events and never shown.
// Because each Aegis revision therefore has an event under P, reading history stops exactly at
// the revision asked for. The compact revision is etcd's: found at start-up by probing reads at
// old revisions, and raised when a compaction shows. Transaction mapping: Exists / Missing compare
// the key's version with 0, ModRevisionEquals its mod_revision; Put, Delete and DeletePrefix become
// Put and DeleteRange in one Txn. etcd refuses a Txn that writes one key twice, so a transaction's
// operations are first reduced to their net effect (a later Put of a key wins over an earlier one;
// a DeletePrefix is split around the keys put after it), which leaves the same keys and values as
// the SQLite store does but may show one event fewer (a key deleted and put again in one
// transaction shows one Put).
//
// Every event, this replica's and the others', arrives through one etcd Watch on P, resumed
// from the last revision seen when its member goes away. commitAsync() returns at once; its
// callback runs on the store's writer thread once the watch has delivered the transaction's
// revision to the subscribers (so a module reads its own writes), as for the SQLite store.
//
// A watch that cannot resume because etcd compacted revisions it had not received is resynced
// (see Store::subscribe()): the store marks a new revision R (a Put of P + "txn" with note
// kResyncNote), reads every key under P at R in pages, and delivers the difference to the keys
// it delivered before, which it keeps (key and mod revision, not the value) for that purpose;
// the watch then resumes from R + 1. The write health stays OK throughout, unless etcd cannot be
// reached for the resync.
class EtcdStore final : public Store {
public:
    // Connects, reads the last Aegis revision and starts the watch; UNAVAILABLE when no member
    // answers.
    static StatusOr<std::unique_ptr<EtcdStore>> open(EtcdStoreOptions options);
    ~EtcdStore() override;

    void commitAsync(Transaction txn, CommitCallback done) override;
    StatusOr<RangeResult> range(const RangeRequest &request) const override;
    StatusOr<std::int64_t> count(const RangeRequest &request) const override;
    StatusOr<std::vector<Event>> events(Revision from, Revision to, const std::string &prefix,
                                        std::size_t limit) const override;
    // The last revision with an event under the prefix that this replica's watch has delivered.
    Revision currentRevision() const override { return m_revision.load(); }
    Revision compactRevision() const override { return m_compactRevision.load(); }
    Status compact(Revision revision) override;
    std::string kind() const override { return "etcd"; }
    void close() override;

    // The etcd key of store key `key`, for code that writes beside the store in the same etcd
    // (leases, replica membership).
    std::string etcdKey(std::string_view key) const { return m_dataPrefix + std::string(key); }
    const std::string &prefix() const { return m_options.prefix; }
    etcd::EtcdClient &client() { return *m_client; }

private:
    struct Job {
        Transaction txn;
        CommitCallback done;
    };
    struct Lane;
    // A transaction etcd applied, waiting for the watch to deliver its revision.
    struct Applied {
        TransactionResult result;
        CommitCallback done;
    };
    // The store's view of one revision of a watch response.
    struct Revisioned {
        Revision revision = 0;
        std::vector<Event> events;
    };

    explicit EtcdStore(EtcdStoreOptions options);
    Status start();
    void laneLoop(Lane &lane);
    StatusOr<TransactionResult> apply(const Transaction &txn);
    void writerLoop();
    void post(std::function<void()> task);
    void deliver(Revisioned &revisioned);
    // Keeps m_delivered in step with the events handed to the subscribers.
    void remember(const std::vector<Event> &events);
    void completeUpTo(Revision revision);
    // Write health as the listener sees it: the write error, else the lost watch, else OK.
    void reportHealth();
    // The Watch request of every key under the prefix from `from` on, with each key's previous
    // value (a Delete's event carries it).
    etcdserverpb::WatchRequest prefixWatch(Revision from) const;
    Status openWatch();
    void keepWatching();
    void onWatchResponse(std::uint64_t generation, const etcdserverpb::WatchResponse &response);
    void onWatchClosed(std::uint64_t generation, const Status &status);
    // Groups a watch response by revision, folding the note key into the events' note.
    std::vector<Revisioned> fold(const etcdserverpb::WatchResponse &response) const;
    std::optional<std::string> storeKey(const std::string &etcdKey) const;
    std::string etcdEnd(const std::string &end) const;
    void raiseCompactRevision(Revision revision) const;
    StatusOr<Revision> probeCompactRevision(Revision current) const;
    // Hands every key under the prefix at revision `at` to `each`, in pages of a bounded size.
    Status readAll(Revision at, bool keysOnly,
                   const std::function<void(const mvccpb::KeyValue &)> &each) const;
    // Brings the subscribers from the last revision delivered to the state at a new revision,
    // after the watch fell behind the compaction at `compacted`. On the watch keeper's thread;
    // sets m_watchedThrough to the new revision on success.
    Status resync(Revision compacted);

    EtcdStoreOptions m_options;
    std::string m_dataPrefix;
    std::string m_noteKey;
    etcd::EtcdClientPtr m_client;

    std::vector<std::unique_ptr<Lane>> m_lanes;
    std::atomic<bool> m_closing{false};

    // The writer thread runs posted tasks in order: watch deliveries and commit callbacks.
    std::mutex m_tasksMutex;
    std::condition_variable m_tasksChanged;
    std::deque<std::function<void()>> m_tasks;
    bool m_stopWriter = false;
    std::thread m_writerThread;

    // Used on the writer thread only, but for the count close() waits on.
    std::multimap<Revision, Applied> m_waiting;
    std::atomic<std::size_t> m_waitingCount{0};
    // Every key under the prefix in the state the subscribers were given, with its mod revision:
    // what a resync compares etcd's state with. Costs a key and a revision per key held.
    std::map<std::string, Revision> m_delivered;
    Status m_writeStatus;
    Status m_watchStatus;
    Status m_reportedHealth;

    std::mutex m_watchMutex;
    std::condition_variable m_watchChanged;
    etcd::WatchStreamPtr m_watch;
    // Responses of older streams are ignored.
    std::uint64_t m_watchGeneration = 0;
    // The last revision the watch received; a new stream resumes after it.
    Revision m_watchedThrough = 0;
    bool m_watchBroken = false;
    // The compact revision the watch fell behind; the keeper resyncs before it reopens the watch.
    Revision m_resyncAfter = 0;
    std::thread m_watchKeeper;

    std::atomic<Revision> m_revision{0};
    mutable std::atomic<Revision> m_compactRevision{0};
};

} // namespace aegis::store
