#include "store/etcd_store.h"

#include "common/backoff.h"
#include "common/logging.h"

#include <algorithm>
#include <future>
#include <optional>

namespace aegis::store {
namespace {

using namespace std::chrono_literals;

// How long close() waits for the watch to deliver the revisions of transactions etcd applied.
constexpr auto kCloseDrainTimeout = 5s;
// Keys per read when the store reads everything under its prefix (at start and for a resync).
constexpr std::int64_t kReadAllPage = 500;

KeyValue fromEtcd(const mvccpb::KeyValue &kv, std::string key) {
    return KeyValue{std::move(key), kv.value(), kv.create_revision(), kv.mod_revision(),
                    kv.version()};
}

Status compactedError(Revision from, Revision compacted) {
    return Status(StatusCode::OutOfRange,
                  "revision " + std::to_string(from) + " is compacted; the compact revision is " +
                      std::to_string(compacted) + ", so the oldest revision still available is " +
                      std::to_string(compacted + 1));
}

// A transaction's operations, in order, reduced to what etcd accepts in one Txn: no key put twice
// and no key both put and inside a deletion (deletions may overlap each other).
struct NetOperations {
    struct Step {
        const Operation *put = nullptr; // a Put, else a deletion of [start, end)
        std::string start;
        std::string end; // empty: the key `start` only; kNoEnd: to the end of the keyspace
    };
    std::vector<Step> steps;

    static bool covers(const Step &step, const std::string &key) {
        if (step.end.empty()) {
            return step.start == key;
        }
        return key >= step.start && (step.end == kNoEnd || key < step.end);
    }

    void put(const Operation &op) {
        std::vector<Step> kept;
        for (Step &step : steps) {
            if (step.put != nullptr || !covers(step, op.key)) {
                if (step.put == nullptr || step.put->key != op.key) {
                    kept.push_back(std::move(step));
                }
                continue;
            }
            if (step.end.empty()) {
                continue; // the key's own deletion: the put replaces it
            }
            // The range but the key itself.
            if (step.start < op.key) {
                kept.push_back({nullptr, step.start, op.key});
            }
            std::string after = op.key + std::string(1, '\0');
            if (step.end == kNoEnd || after < step.end) {
                kept.push_back({nullptr, std::move(after), step.end});
            }
        }
        steps = std::move(kept);
        steps.push_back({&op, {}, {}});
    }

    void remove(std::string start, std::string end) {
        Step deletion{nullptr, std::move(start), std::move(end)};
        std::erase_if(steps, [&](const Step &step) {
            return step.put != nullptr && covers(deletion, step.put->key);
        });
        steps.push_back(std::move(deletion));
    }
};

} // namespace

struct EtcdStore::Lane {
    std::mutex mutex;
    std::condition_variable changed;
    std::deque<Job> queue;
    bool stopping = false;
    std::thread thread;
};

EtcdStore::EtcdStore(EtcdStoreOptions options)
    : m_options(std::move(options))
    , m_dataPrefix(m_options.prefix + "kv")
    , m_noteKey(m_options.prefix + "txn") {}

StatusOr<std::unique_ptr<EtcdStore>> EtcdStore::open(EtcdStoreOptions options) {
    if (options.prefix.empty() || options.prefix.back() != '/') {
        return invalidArgument("store.etcd.prefix must end with '/' (got \"" + options.prefix +
                               "\")");
    }
    options.lanes = std::max<std::size_t>(options.lanes, 1);
    std::unique_ptr<EtcdStore> store(new EtcdStore(std::move(options)));
    if (Status status = store->start(); !status.isOk()) {
        store->close();
        return status;
    }
    return store;
}

EtcdStore::~EtcdStore() {
    close();
}

Status EtcdStore::start() {
    auto client = etcd::EtcdClient::create(m_options.client);
    if (!client) {
        return client.status();
    }
    m_client = std::move(*client);

    // The last Aegis revision is the note key's mod revision; the watch resumes after it.
    etcdserverpb::RangeRequest request;
    request.set_key(m_noteKey);
    auto note = m_client->range(request);
    if (!note) {
        return Status(note.status().code(),
                      "cannot read the store from etcd: " + note.status().message());
    }
    m_revision = note->kvs_size() > 0 ? note->kvs(0).mod_revision() : 0;
    auto compacted = probeCompactRevision(note->header().revision());
    if (!compacted) {
        return compacted.status();
    }
    m_compactRevision = *compacted;
    // The state the subscribers start from, which a resync compares etcd's with; the watch
    // delivers what follows it.
    const Revision now = note->header().revision();
    if (Status read = readAll(now, true,
                              [this](const mvccpb::KeyValue &kv) {
                                  m_delivered.emplace(*storeKey(kv.key()), kv.mod_revision());
                              });
        !read.isOk()) {
        return Status(read.code(), "cannot read the store from etcd: " + read.message());
    }
    {
        std::lock_guard lock(m_watchMutex);
        m_watchedThrough = now;
    }

    m_writerThread = std::thread([this] { writerLoop(); });
    for (std::size_t i = 0; i < m_options.lanes; ++i) {
        auto lane = std::make_unique<Lane>();
        lane->thread = std::thread([this, l = lane.get()] { laneLoop(*l); });
        m_lanes.push_back(std::move(lane));
    }
    if (Status status = openWatch(); !status.isOk()) {
        return status;
    }
    m_watchKeeper = std::thread([this] { keepWatching(); });
    log::info("etcd store opened", {{"endpoints", m_client->endpoints()},
                                    {"prefix", m_options.prefix},
                                    {"revision", m_revision.load()},
                                    {"compact_revision", m_compactRevision.load()}});
    return Status::ok();
}

StatusOr<Revision> EtcdStore::probeCompactRevision(Revision current) const {
    // etcd answers a read at a revision below its compaction with OUT_OF_RANGE: the first
    // revision still readable is found by bisection, a few dozen small reads at most.
    etcdserverpb::RangeRequest request;
    request.set_key(m_noteKey);
    request.set_count_only(true);
    Revision low = 1;
    Revision high = std::max<Revision>(current, 1);
    while (low < high) {
        const Revision middle = low + (high - low) / 2;
        request.set_revision(middle);
        auto read = m_client->range(request);
        if (read) {
            high = middle;
        } else if (read.status().code() == StatusCode::OutOfRange) {
            low = middle + 1;
        } else {
            return read.status();
        }
    }
    // Revision `low` is readable, but a compaction there dropped its deletions: it counts as
    // compacted (0 when nothing ever was).
    return low == 1 ? 0 : low;
}

Status EtcdStore::readAll(Revision at, bool keysOnly,
                          const std::function<void(const mvccpb::KeyValue &)> &each) const {
    etcdserverpb::RangeRequest request;
    request.set_key(m_dataPrefix);
    request.set_range_end(prefixEnd(m_dataPrefix));
    request.set_revision(at);
    request.set_limit(kReadAllPage);
    request.set_keys_only(keysOnly);
    for (;;) {
        auto page = m_client->range(request);
        if (!page) {
            return page.status();
        }
        for (const mvccpb::KeyValue &kv : page->kvs()) {
            each(kv);
        }
        if (!page->more() || page->kvs_size() == 0) {
            return Status::ok();
        }
        request.set_key(page->kvs(page->kvs_size() - 1).key() + std::string(1, '\0'));
    }
}

std::optional<std::string> EtcdStore::storeKey(const std::string &etcdKey) const {
    if (!etcdKey.starts_with(m_dataPrefix)) {
        return std::nullopt;
    }
    return etcdKey.substr(m_dataPrefix.size());
}

std::string EtcdStore::etcdEnd(const std::string &end) const {
    return end == kNoEnd ? prefixEnd(m_dataPrefix) : m_dataPrefix + end;
}

std::vector<EtcdStore::Revisioned>
EtcdStore::fold(const etcdserverpb::WatchResponse &response) const {
    std::vector<Revisioned> out;
    std::string note;
    for (const mvccpb::Event &event : response.events()) {
        const Revision revision = event.kv().mod_revision();
        if (out.empty() || out.back().revision != revision) {
            // Notes never leak from one revision into the next.
            if (!out.empty()) {
                for (Event &e : out.back().events) {
                    e.note = note;
                }
            }
            note.clear();
            out.push_back({revision, {}});
        }
        const std::string &key = event.kv().key();
        if (key == m_noteKey) {
            if (event.type() == mvccpb::Event::PUT) {
                note = event.kv().value();
            }
            continue;
        }
        auto storeKeyOf = storeKey(key);
        if (!storeKeyOf) {
            continue;
        }
        if (event.type() == mvccpb::Event::PUT) {
            out.back().events.push_back(
                Event{EventType::Put, revision, fromEtcd(event.kv(), std::move(*storeKeyOf)), {}});
        } else {
            // The deleted key with its last value, as the SQLite store reports it.
            KeyValue kv = event.has_prev_kv() ? fromEtcd(event.prev_kv(), std::move(*storeKeyOf))
                                              : KeyValue{std::move(*storeKeyOf), {}, 0, 0, 0};
            kv.modRevision = revision;
            out.back().events.push_back(Event{EventType::Delete, revision, std::move(kv), {}});
        }
    }
    if (!out.empty()) {
        for (Event &e : out.back().events) {
            e.note = note;
        }
    }
    return out;
}

// ---- the watch -------------------------------------------------------------------------------

etcdserverpb::WatchRequest EtcdStore::prefixWatch(Revision from) const {
    etcdserverpb::WatchRequest request;
    auto *create = request.mutable_create_request();
    create->set_key(m_options.prefix);
    create->set_range_end(prefixEnd(m_options.prefix));
    create->set_start_revision(from);
    create->set_prev_kv(true);
    return request;
}

Status EtcdStore::openWatch() {
    std::uint64_t generation = 0;
    Revision from = 0;
    {
        std::lock_guard lock(m_watchMutex);
        generation = ++m_watchGeneration;
        from = m_watchedThrough + 1;
        // Cleared before the stream starts, so a response that breaks it at once (a compacted
        // revision) is not forgotten.
        m_watchBroken = false;
    }
    auto stream = m_client->watch(
        {[this, generation](const etcdserverpb::WatchResponse &response) {
             onWatchResponse(generation, response);
         },
         [this, generation](const Status &status) { onWatchClosed(generation, status); }});
    if (!stream) {
        std::lock_guard lock(m_watchMutex);
        m_watchBroken = true;
        return stream.status();
    }
    (*stream)->send(prefixWatch(from));
    std::lock_guard lock(m_watchMutex);
    m_watch = std::move(*stream);
    return Status::ok();
}

void EtcdStore::keepWatching() {
    ExponentialBackoff backoff({100ms, 2s});
    std::unique_lock lock(m_watchMutex);
    for (;;) {
        m_watchChanged.wait(lock, [this] { return m_closing.load() || m_watchBroken; });
        if (m_closing) {
            return;
        }
        auto broken = std::move(m_watch);
        const Revision resyncAfter = m_resyncAfter;
        lock.unlock();
        broken.reset();
        Status opened = Status::ok();
        if (resyncAfter != 0) {
            opened = resync(resyncAfter);
            if (opened.isOk()) {
                std::lock_guard resynced(m_watchMutex);
                m_resyncAfter = 0;
            }
        }
        if (opened.isOk()) {
            opened = openWatch();
        }
        if (opened.isOk()) {
            backoff.reset();
            post([this] {
                m_watchStatus = Status::ok();
                reportHealth();
            });
            log::info("etcd store watch resumed", {{"endpoint", m_client->currentEndpoint()}});
        } else {
            post([this, opened] {
                m_watchStatus = opened;
                reportHealth();
            });
        }
        lock.lock();
        if (!opened.isOk()) {
            m_watchChanged.wait_for(lock, backoff.next(), [this] { return m_closing.load(); });
        }
    }
}

void EtcdStore::onWatchResponse(std::uint64_t generation,
                                const etcdserverpb::WatchResponse &response) {
    std::unique_lock lock(m_watchMutex);
    if (generation != m_watchGeneration) {
        return;
    }
    if (response.compact_revision() != 0) {
        // The watch cannot resume: etcd compacted revisions it had not received. The state is
        // still right (range() reads it); the keeper resyncs the subscribers' view of it from
        // etcd before it reopens the watch.
        m_resyncAfter = std::max(m_resyncAfter, response.compact_revision());
        m_watchBroken = true;
        m_watchChanged.notify_all();
        return;
    }
    if (response.canceled()) {
        m_watchBroken = true;
        m_watchChanged.notify_all();
        return;
    }
    auto revisions = fold(response);
    if (revisions.empty()) {
        return;
    }
    m_watchedThrough = std::max(m_watchedThrough, revisions.back().revision);
    lock.unlock();
    post([this, revisions = std::move(revisions)]() mutable {
        for (Revisioned &r : revisions) {
            deliver(r);
        }
    });
}

Status EtcdStore::resync(Revision compacted) {
    Revision from = 0;
    {
        std::lock_guard lock(m_watchMutex);
        from = m_watchedThrough + 1;
    }
    // A revision of our own to read at: currentRevision() must be a revision with an event under
    // the prefix (events() reads history until it meets one), which the read's own revision
    // need not be.
    etcdserverpb::PutRequest marker;
    marker.set_key(m_noteKey);
    marker.set_value(std::string(kResyncNote));
    auto marked = m_client->put(marker);
    if (!marked) {
        return marked.status();
    }
    const Revision at = marked->header().revision();

    // What the subscribers were given, once every delivery posted before has run.
    std::promise<std::map<std::string, Revision>> copy;
    auto copied = copy.get_future();
    post([this, &copy] { copy.set_value(m_delivered); });
    std::map<std::string, Revision> before = copied.get();

    std::vector<Event> diff;
    const std::string note(kResyncNote);
    const Status read = readAll(at, false, [&](const mvccpb::KeyValue &kv) {
        std::string key = *storeKey(kv.key());
        const auto known = before.find(key);
        const bool unchanged = known != before.end() && known->second == kv.mod_revision();
        if (known != before.end()) {
            before.erase(known);
        }
        if (!unchanged) {
            diff.push_back(Event{EventType::Put, at, fromEtcd(kv, std::move(key)), note});
        }
    });
    if (!read.isOk()) {
        return read;
    }
    const std::size_t puts = diff.size();
    for (const auto &gone : before) {
        diff.push_back(Event{EventType::Delete, at, KeyValue{gone.first, {}, 0, at, 0}, note});
    }
    std::sort(diff.begin(), diff.end(),
              [](const Event &a, const Event &b) { return a.kv.key < b.kv.key; });
    log::warn("the etcd store's watch fell behind a compaction; resynced from etcd's state",
              {{"from", from},
               {"compact_revision", compacted},
               {"resync_revision", at},
               {"puts", puts},
               {"deletes", diff.size() - puts}});
    raiseCompactRevision(compacted);
    post([this, at, diff = std::move(diff)] {
        remember(diff);
        if (at > m_revision.load()) {
            m_revision = at;
        }
        if (!diff.empty()) {
            publish(diff);
        }
        completeUpTo(m_revision.load());
    });
    std::lock_guard lock(m_watchMutex);
    m_watchedThrough = at;
    return Status::ok();
}

void EtcdStore::onWatchClosed(std::uint64_t generation, const Status &status) {
    std::lock_guard lock(m_watchMutex);
    if (generation != m_watchGeneration || m_closing) {
        return;
    }
    log::warn("etcd store watch lost; resuming", {{"error", status.message()}});
    m_watchBroken = true;
    m_watchChanged.notify_all();
    post([this, status] {
        m_watchStatus = status;
        reportHealth();
    });
}

// ---- the writer thread -----------------------------------------------------------------------

void EtcdStore::post(std::function<void()> task) {
    {
        std::lock_guard lock(m_tasksMutex);
        m_tasks.push_back(std::move(task));
    }
    m_tasksChanged.notify_one();
}

void EtcdStore::writerLoop() {
    for (;;) {
        std::function<void()> task;
        {
            std::unique_lock lock(m_tasksMutex);
            m_tasksChanged.wait(lock, [this] { return m_stopWriter || !m_tasks.empty(); });
            if (m_tasks.empty()) {
                return;
            }
            task = std::move(m_tasks.front());
            m_tasks.pop_front();
        }
        task();
        // Under the lock, so close() waiting for the queue to drain misses no change.
        { std::lock_guard lock(m_tasksMutex); }
        m_tasksChanged.notify_all();
    }
}

void EtcdStore::deliver(Revisioned &revisioned) {
    if (revisioned.revision > m_revision.load()) {
        m_revision = revisioned.revision;
    }
    remember(revisioned.events);
    if (!revisioned.events.empty()) {
        publish(revisioned.events);
    }
    completeUpTo(m_revision.load());
}

void EtcdStore::remember(const std::vector<Event> &events) {
    for (const Event &event : events) {
        if (event.type == EventType::Put) {
            m_delivered[event.kv.key] = event.kv.modRevision;
        } else {
            m_delivered.erase(event.kv.key);
        }
    }
}

void EtcdStore::completeUpTo(Revision revision) {
    while (!m_waiting.empty() && m_waiting.begin()->first <= revision) {
        auto node = m_waiting.extract(m_waiting.begin());
        --m_waitingCount;
        node.mapped().done(std::move(node.mapped().result));
    }
}

void EtcdStore::raiseCompactRevision(Revision revision) const {
    Revision known = m_compactRevision.load();
    while (known < revision && !m_compactRevision.compare_exchange_weak(known, revision)) {
    }
}

void EtcdStore::reportHealth() {
    const Status now = !m_writeStatus.isOk() ? m_writeStatus : m_watchStatus;
    if (now == m_reportedHealth) {
        return;
    }
    m_reportedHealth = now;
    reportWriteHealth(now);
}

// ---- transactions ----------------------------------------------------------------------------

void EtcdStore::commitAsync(Transaction txn, CommitCallback done) {
    const std::string *first = !txn.operations.empty() ? &txn.operations.front().key
                               : !txn.compares.empty() ? &txn.compares.front().key
                                                       : nullptr;
    const std::size_t index =
        first == nullptr ? 0 : std::hash<std::string>{}(*first) % m_lanes.size();
    Lane &lane = *m_lanes[index];
    {
        std::lock_guard lock(lane.mutex);
        if (!lane.stopping) {
            lane.queue.push_back({std::move(txn), std::move(done)});
            lane.changed.notify_one();
            return;
        }
    }
    done(unavailable("the store is closed"));
}

void EtcdStore::laneLoop(Lane &lane) {
    for (;;) {
        Job job;
        {
            std::unique_lock lock(lane.mutex);
            lane.changed.wait(lock, [&] { return lane.stopping || !lane.queue.empty(); });
            if (lane.queue.empty()) {
                return;
            }
            job = std::move(lane.queue.front());
            lane.queue.pop_front();
        }
        auto result = apply(job.txn);
        post([this, result = std::move(result), done = std::move(job.done)]() mutable {
            const bool transient =
                !result && (result.status().code() == StatusCode::Unavailable ||
                            result.status().code() == StatusCode::DeadlineExceeded);
            if (transient) {
                m_writeStatus = result.status();
                reportHealth();
            } else if (result) {
                m_writeStatus = Status::ok();
                reportHealth();
            }
            if (!result || result->events.empty()) {
                done(std::move(result));
                return;
            }
            const Revision revision = result->revision;
            m_waiting.emplace(revision, Applied{std::move(*result), std::move(done)});
            ++m_waitingCount;
            completeUpTo(m_revision.load());
        });
    }
}

StatusOr<TransactionResult> EtcdStore::apply(const Transaction &txn) {
    etcdserverpb::TxnRequest request;
    for (const Compare &compare : txn.compares) {
        auto *out = request.add_compare();
        out->set_key(m_dataPrefix + compare.key);
        switch (compare.kind) {
        case Compare::Kind::Exists:
            out->set_target(etcdserverpb::Compare::VERSION);
            out->set_result(etcdserverpb::Compare::GREATER);
            out->set_version(0);
            break;
        case Compare::Kind::Missing:
            out->set_target(etcdserverpb::Compare::VERSION);
            out->set_result(etcdserverpb::Compare::EQUAL);
            out->set_version(0);
            break;
        case Compare::Kind::ModRevisionEquals:
            out->set_target(etcdserverpb::Compare::MOD);
            out->set_result(etcdserverpb::Compare::EQUAL);
            out->set_mod_revision(compare.modRevision);
            break;
        }
    }

    NetOperations net;
    for (const Operation &op : txn.operations) {
        switch (op.kind) {
        case Operation::Kind::Put:
            net.put(op);
            break;
        case Operation::Kind::Delete:
            net.remove(op.key, {});
            break;
        case Operation::Kind::DeletePrefix:
            net.remove(op.key, prefixEnd(op.key));
            break;
        }
    }
    bool puts = false;
    // Conditions that hold when a deletion will remove something, for the note below.
    std::vector<etcdserverpb::Compare> removesSomething;
    for (const auto &step : net.steps) {
        if (step.put != nullptr) {
            auto *put = request.add_success()->mutable_request_put();
            put->set_key(m_dataPrefix + step.put->key);
            put->set_value(step.put->value);
            put->set_lease(step.put->lease);
            put->set_prev_kv(true);
            puts = true;
            continue;
        }
        auto *remove = request.add_success()->mutable_request_delete_range();
        remove->set_key(m_dataPrefix + step.start);
        if (!step.end.empty()) {
            remove->set_range_end(etcdEnd(step.end));
        }
        remove->set_prev_kv(true);
        etcdserverpb::Compare exists;
        exists.set_key(remove->key());
        exists.set_range_end(remove->range_end());
        exists.set_target(etcdserverpb::Compare::CREATE);
        exists.set_result(etcdserverpb::Compare::GREATER);
        exists.set_create_revision(0);
        removesSomething.push_back(std::move(exists));
    }
    const int ownOps = request.success_size();

    // The note key marks the revision and carries the note. With puts the revision is certain;
    // with deletes only, it is written only if one of them removes something, so a transaction
    // that changes nothing takes no revision (a chain of nested Txns: etcd's compares are
    // evaluated before any operation applies, and its compares only AND).
    etcdserverpb::PutRequest notePut;
    notePut.set_key(m_noteKey);
    notePut.set_value(txn.note);
    if (puts) {
        *request.add_success()->mutable_request_put() = notePut;
    } else if (!removesSomething.empty()) {
        etcdserverpb::TxnRequest chain;
        for (auto it = removesSomething.rbegin(); it != removesSomething.rend(); ++it) {
            etcdserverpb::TxnRequest link;
            *link.add_compare() = *it;
            *link.add_success()->mutable_request_put() = notePut;
            if (it != removesSomething.rbegin()) {
                *link.add_failure()->mutable_request_txn() = std::move(chain);
            }
            chain = std::move(link);
        }
        *request.add_success()->mutable_request_txn() = std::move(chain);
    }

    auto response = m_client->txn(request);
    if (!response) {
        return response.status();
    }
    const Revision revision = response->header().revision();
    if (!response->succeeded()) {
        return TransactionResult{false, revision, {}};
    }
    std::vector<Event> events;
    for (int i = 0; i < ownOps && i < response->responses_size(); ++i) {
        const etcdserverpb::ResponseOp &op = response->responses(i);
        if (op.has_response_put()) {
            const auto &put = request.success(i).request_put();
            const auto &prev = op.response_put().prev_kv();
            const bool existed = op.response_put().has_prev_kv();
            KeyValue kv{*storeKey(put.key()), put.value(),
                        existed ? prev.create_revision() : revision, revision,
                        existed ? prev.version() + 1 : 1};
            events.push_back(Event{EventType::Put, revision, std::move(kv), txn.note});
        } else if (op.has_response_delete_range()) {
            for (const auto &prev : op.response_delete_range().prev_kvs()) {
                KeyValue kv = fromEtcd(prev, *storeKey(prev.key()));
                kv.modRevision = revision;
                events.push_back(Event{EventType::Delete, revision, std::move(kv), txn.note});
            }
        }
    }
    return TransactionResult{true, revision, std::move(events)};
}

// ---- reads -----------------------------------------------------------------------------------

StatusOr<RangeResult> EtcdStore::range(const RangeRequest &request) const {
    etcdserverpb::RangeRequest out;
    out.set_key(m_dataPrefix + request.start);
    if (!request.end.empty()) {
        out.set_range_end(etcdEnd(request.end));
    }
    out.set_limit(static_cast<std::int64_t>(request.limit));
    if (request.descending) {
        out.set_sort_order(etcdserverpb::RangeRequest::DESCEND);
        out.set_sort_target(etcdserverpb::RangeRequest::KEY);
    }
    auto response = m_client->range(out);
    if (!response) {
        return response.status();
    }
    RangeResult result;
    result.revision = response->header().revision();
    result.more = response->more();
    result.kvs.reserve(response->kvs_size());
    for (const auto &kv : response->kvs()) {
        result.kvs.push_back(fromEtcd(kv, *storeKey(kv.key())));
    }
    return result;
}

StatusOr<std::int64_t> EtcdStore::count(const RangeRequest &request) const {
    etcdserverpb::RangeRequest out;
    out.set_key(m_dataPrefix + request.start);
    if (!request.end.empty()) {
        out.set_range_end(etcdEnd(request.end));
    }
    out.set_count_only(true);
    auto response = m_client->range(out);
    if (!response) {
        return response.status();
    }
    return response->count();
}

StatusOr<std::vector<Event>> EtcdStore::events(Revision from, Revision to,
                                               const std::string &prefix, std::size_t limit) const {
    from = std::max<Revision>(from, 1);
    if (from <= m_compactRevision.load()) {
        return compactedError(from, m_compactRevision.load());
    }
    // Every revision up to currentRevision() with events under the prefix has an event under P,
    // at the latest the one of currentRevision() itself: the watch below reaches `to` for sure.
    to = std::min(to, m_revision.load());
    if (from > to) {
        return std::vector<Event>{};
    }

    struct Collector {
        std::mutex mutex;
        std::condition_variable changed;
        std::vector<Event> events;
        bool finished = false;
        Status status;
        Revision compacted = 0;
    };
    auto collector = std::make_shared<Collector>();
    auto stream = m_client->watch(
        {[this, collector, to, prefix, limit](const etcdserverpb::WatchResponse &response) {
             std::lock_guard lock(collector->mutex);
             if (collector->finished) {
                 return;
             }
             if (response.compact_revision() != 0) {
                 collector->compacted = response.compact_revision();
                 collector->finished = true;
                 collector->changed.notify_all();
                 return;
             }
             for (Revisioned &r : fold(response)) {
                 if (r.revision > to) {
                     collector->finished = true;
                     break;
                 }
                 for (Event &event : r.events) {
                     if (event.kv.key.starts_with(prefix)) {
                         collector->events.push_back(std::move(event));
                     }
                     if (limit != 0 && collector->events.size() >= limit) {
                         collector->finished = true;
                         break;
                     }
                 }
                 if (collector->finished || r.revision == to) {
                     collector->finished = true;
                     break;
                 }
             }
             if (collector->finished) {
                 collector->changed.notify_all();
             }
         },
         [collector](const Status &status) {
             std::lock_guard lock(collector->mutex);
             if (!collector->finished) {
                 collector->status = status;
                 collector->finished = true;
                 collector->changed.notify_all();
             }
         }});
    if (!stream) {
        return stream.status();
    }
    (*stream)->send(prefixWatch(from));

    std::unique_lock lock(collector->mutex);
    if (!collector->changed.wait_for(lock, m_options.client.requestTimeout,
                                     [&] { return collector->finished; })) {
        return Status(StatusCode::DeadlineExceeded,
                      "reading the events from revision " + std::to_string(from) + " to " +
                          std::to_string(to) + " from etcd took longer than " +
                          std::to_string(m_options.client.requestTimeout.count()) + " ms");
    }
    if (collector->compacted != 0) {
        raiseCompactRevision(collector->compacted);
        return compactedError(from, collector->compacted);
    }
    if (!collector->status.isOk()) {
        return collector->status;
    }
    std::vector<Event> events = std::move(collector->events);
    lock.unlock();
    return events;
}

Status EtcdStore::compact(Revision revision) {
    if (m_closing) {
        return unavailable("the store is closed");
    }
    revision = std::min(revision, m_revision.load());
    if (revision <= m_compactRevision.load()) {
        return Status::ok();
    }
    etcdserverpb::CompactionRequest request;
    request.set_revision(revision);
    auto compacted = m_client->compact(request);
    // Another replica may have compacted further already. The others learn of it when a read of
    // history meets etcd's compaction, or when they start.
    if (!compacted && compacted.status().code() != StatusCode::OutOfRange) {
        return compacted.status();
    }
    raiseCompactRevision(revision);
    return Status::ok();
}

void EtcdStore::close() {
    if (m_closing.exchange(true)) {
        return;
    }
    // Queued transactions are still sent.
    for (auto &lane : m_lanes) {
        {
            std::lock_guard lock(lane->mutex);
            lane->stopping = true;
        }
        lane->changed.notify_all();
    }
    for (auto &lane : m_lanes) {
        if (lane->thread.joinable()) {
            lane->thread.join();
        }
    }
    // Applied transactions are acknowledged once the watch delivered them, or without their
    // events reaching the subscribers when it does not in time.
    {
        std::unique_lock lock(m_tasksMutex);
        m_tasksChanged.wait_for(lock, kCloseDrainTimeout,
                                [this] { return m_tasks.empty() && m_waitingCount == 0; });
    }
    {
        std::lock_guard lock(m_watchMutex);
        ++m_watchGeneration;
        m_watchChanged.notify_all();
    }
    if (m_watchKeeper.joinable()) {
        m_watchKeeper.join();
    }
    etcd::WatchStreamPtr watch;
    {
        std::lock_guard lock(m_watchMutex);
        watch = std::move(m_watch);
    }
    watch.reset();
    if (m_writerThread.joinable()) {
        post([this] {
            while (!m_waiting.empty()) {
                auto node = m_waiting.extract(m_waiting.begin());
                --m_waitingCount;
                node.mapped().done(std::move(node.mapped().result));
            }
        });
        {
            std::lock_guard lock(m_tasksMutex);
            m_stopWriter = true;
        }
        m_tasksChanged.notify_all();
        m_writerThread.join();
    }
}

} // namespace aegis::store
