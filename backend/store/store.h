#pragma once

#include "common/status.h"

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

// The state store: a revisioned key-value space with an event log, modelled on etcd's so that an
// etcd-backed implementation can sit behind the same interface. Modules keep their resources
// under their own key prefix ("/auth/tokens/", "/audit/", ...) and never see SQL.
namespace aegis::store {

using Revision = std::int64_t;

struct KeyValue {
    std::string key;
    std::string value;
    Revision createRevision = 0;
    Revision modRevision = 0;
    // version counts the puts since the key was created (1 after creation).
    std::int64_t version = 0;
};

enum class EventType { Put, Delete };

// One change to one key. All events of a transaction share its revision, in operation order.
struct Event {
    EventType type = EventType::Put;
    Revision revision = 0;
    // For a Put, the key's new state; for a Delete, the key with its last value.
    KeyValue kv;
    // The transaction's note (see Transaction::note), or kResyncNote.
    std::string note;
};

// The note of the events of a resync (see Store::subscribe()).
inline constexpr std::string_view kResyncNote{"store_resync"};

// A condition on a key's current state, checked atomically with the transaction's operations.
struct Compare {
    enum class Kind {
        Exists,            // the key exists
        Missing,           // the key does not exist
        ModRevisionEquals, // the key's mod revision is `modRevision` (0 means missing)
    };
    Kind kind = Kind::Exists;
    std::string key;
    Revision modRevision = 0;
};

struct Operation {
    enum class Kind {
        Put,
        Delete,       // deletes `key` if it exists
        DeletePrefix, // deletes every key starting with `key`
    };
    Kind kind = Kind::Put;
    std::string key;
    std::string value;
    // For a Put on the etcd backend: the etcd lease the key is attached to, so that etcd deletes
    // it when the lease ends (0: none). The SQLite backend ignores it.
    std::int64_t lease = 0;
};

// If every compare holds, all operations apply under one new revision; otherwise none does.
struct Transaction {
    std::vector<Compare> compares;
    std::vector<Operation> operations;
    // Why the change happens ("lease_expired", "operator", ...), recorded with every event of the
    // transaction so watchers can tell; empty when there is nothing to say.
    std::string note;

    Transaction &put(std::string key, std::string value, std::int64_t lease = 0);
    Transaction &remove(std::string key);
    Transaction &removePrefix(std::string prefix);
    Transaction &ifMissing(std::string key);
    Transaction &ifExists(std::string key);
    Transaction &ifModRevision(std::string key, Revision revision);
};

struct TransactionResult {
    // False when a compare failed; nothing was written then.
    bool succeeded = false;
    // The transaction's revision when it changed something, else the revision it was checked at.
    Revision revision = 0;
    // The events the transaction generated (empty if it failed or changed nothing).
    std::vector<Event> events;
};

struct RangeRequest {
    // Keys in [start, end). An empty `end` means the single key `start`; kNoEnd means every key
    // from `start` on (etcd's convention).
    std::string start;
    std::string end;
    // 0 means no limit.
    std::size_t limit = 0;
    bool descending = false;
};

struct RangeResult {
    std::vector<KeyValue> kvs;
    // True when `limit` cut the result short.
    bool more = false;
    Revision revision = 0;
};

// As a range end: no upper bound.
inline constexpr std::string_view kNoEnd{"\0", 1};

// The smallest key greater than every key starting with `prefix`, for a prefix range; kNoEnd
// when there is none (`prefix` is empty or all 0xff bytes).
std::string prefixEnd(std::string_view prefix);

using CommitCallback = std::function<void(StatusOr<TransactionResult>)>;
// Called after each group of transactions is durable, with their events in revision order.
using EventListener = std::function<void(const std::vector<Event> &)>;

class Store;

// Keeps a Store::subscribe() listener registered; destroying it (or reset()) unregisters it, and
// once that returns the listener is not running and will not run again. Never destroy it from
// inside its own listener. Move-only.
class EventSubscription {
public:
    EventSubscription() = default;
    EventSubscription(EventSubscription &&other) noexcept;
    EventSubscription &operator=(EventSubscription &&other) noexcept;
    EventSubscription(const EventSubscription &) = delete;
    EventSubscription &operator=(const EventSubscription &) = delete;
    ~EventSubscription() { reset(); }

    void reset();
    explicit operator bool() const { return m_store != nullptr; }

private:
    friend class Store;
    EventSubscription(Store *store, std::uint64_t id)
        : m_store(store)
        , m_id(id) {}
    Store *m_store = nullptr;
    std::uint64_t m_id = 0;
};

// Thread-safe. Mutations are acknowledged only once durable.
class Store {
public:
    virtual ~Store() = default;

    // Applies `txn` and calls `done` once it is durable (or failed), on the store's writer thread:
    // `done` must be quick and must not call commit() synchronously.
    virtual void commitAsync(Transaction txn, CommitCallback done) = 0;
    // Blocking form of commitAsync(); never call it from the writer thread.
    StatusOr<TransactionResult> commit(Transaction txn);

    virtual StatusOr<RangeResult> range(const RangeRequest &request) const = 0;
    // The number of keys in the range (`limit` and `descending` are ignored).
    virtual StatusOr<std::int64_t> count(const RangeRequest &request) const = 0;
    StatusOr<RangeResult> get(const std::string &key) const;
    StatusOr<RangeResult> rangePrefix(const std::string &prefix, std::size_t limit = 0) const;

    // Events with revision in [from, to] whose key starts with `prefix`, oldest first, at most
    // `limit` of them (0: no limit). OUT_OF_RANGE when `from` is at or below compactRevision().
    virtual StatusOr<std::vector<Event>>
    events(Revision from, Revision to, const std::string &prefix, std::size_t limit) const = 0;

    virtual Revision currentRevision() const = 0;
    // Events of revisions at or below this one are gone.
    virtual Revision compactRevision() const = 0;
    // Drops the events of every revision at or below `revision` (clamped to the current one).
    virtual Status compact(Revision revision) = 0;

    // The store's event stream: `listener` is called with every committed event whose key starts
    // with `prefix` (empty: all), in revision order, once durable and before the commit callbacks
    // of the transactions that made them run. Every writer's events arrive here, not only this
    // process's, so a module that keeps a cache applies them all and reads its own writes in its
    // commit callbacks. Called on the store's writer thread: it must be quick and must not call
    // commit() synchronously.
    //
    // A resync: when the store's own feed of events lost some it cannot read again (the etcd
    // store's watch fell behind a compaction), it reads the whole state at one revision R and
    // delivers the difference to what it delivered before as one batch, every event at revision
    // R with note kResyncNote: a Put for each key created or changed meanwhile (its kv as at R),
    // a Delete for each key gone (its key and, as modRevision, R; no value). A listener that
    // applies events to a cache is then exactly where it would be had it seen every event; one
    // that needs each event (a client's watch) must treat the batch as a gap. No batch is
    // delivered when nothing differs.
    virtual EventSubscription subscribe(std::string prefix, EventListener listener);

    // "sqlite", "etcd", ...
    virtual std::string kind() const = 0;

    // Called on the store's writer thread when writes start failing (with why: a disk error, a
    // lost etcd connection) and when they work again (OK), only on changes. open() has already
    // proved that the store takes writes. Must be quick.
    using WriteHealthListener = std::function<void(const Status &)>;
    void setWriteHealthListener(WriteHealthListener listener);

    // Finishes queued transactions and stops accepting new ones (they fail with UNAVAILABLE).
    virtual void close() = 0;

protected:
    // For implementations: hands a group of committed events to the subscribers (see subscribe()).
    void publish(const std::vector<Event> &events);
    // For implementations, on their writer thread: tells the write-health listener, if any, of a
    // change (see setWriteHealthListener()).
    void reportWriteHealth(const Status &writes);

private:
    friend class EventSubscription;
    void unsubscribe(std::uint64_t id);

    struct Subscriber {
        std::uint64_t id = 0;
        std::string prefix;
        EventListener listener;
    };
    // Held shared while listeners run, exclusively to change the list.
    std::shared_mutex m_subscribersMutex;
    std::vector<Subscriber> m_subscribers;
    std::uint64_t m_nextSubscriberId = 1;

    std::mutex m_writeHealthMutex;
    WriteHealthListener m_writeHealthListener;
};

using StorePtr = std::unique_ptr<Store>;

} // namespace aegis::store
