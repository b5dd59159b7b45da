// A replica's store watch that falls behind an etcd compaction resyncs from etcd's state instead
// of going unhealthy: on a real three-member cluster, the replica's only member is killed while
// keys change and etcd is compacted through another member; once the member is back, what the
// store delivered, a registry fed by it, and the store's reads agree, and client-facing watches
// that missed events are told so (OUT_OF_RANGE), as on a single daemon.

#include "daemon_process.h"
#include "etcd_cluster.h"
#include "poll_until.h"
#include "registry/registry.h"
#include "required_tool.h"
#include "store/etcd_store.h"
#include "store/watch_hub.h"

#include <QtTest>

#include <future>
#include <map>
#include <mutex>

using namespace aegis;
using namespace std::chrono_literals;
using testing::EtcdCluster;
using testing::pollUntil;

namespace {

constexpr const char *kPrefix = "/tst-resync/";

registry::Registration registration(const std::string &id) {
    registry::Registration r;
    r.instance.service = "checkout";
    r.instance.id = id;
    r.instance.address = "127.0.0.1:8080";
    r.ttl = 60s;
    return r;
}

Status registerInstance(registry::Registry &registry, registry::Registration r) {
    std::promise<Status> done;
    registry.registerInstance(std::move(r), [&done](StatusOr<registry::Registered> result) {
        done.set_value(result.status());
    });
    return done.get_future().get();
}

Status deregister(registry::Registry &registry, const std::string &id) {
    std::promise<Status> done;
    registry.deregister("checkout", id, "operator", [&done](StatusOr<store::Revision> result) {
        done.set_value(result.status());
    });
    return done.get_future().get();
}

Status drain(registry::Registry &registry, const std::string &id) {
    std::promise<Status> done;
    registry.setState(
        "checkout", id, registry::InstanceState::Draining,
        [&done](StatusOr<registry::Registered> result) { done.set_value(result.status()); });
    return done.get_future().get();
}

// What a module fed by the store's event stream holds: every key with its value and mod
// revision, from a snapshot and the events after it; and every note it was given.
struct Mirror {
    std::mutex mutex;
    store::Revision loadedAt = 0;
    std::map<std::string, std::pair<std::string, store::Revision>> keys;
    std::vector<std::string> notes;
    std::size_t resyncEvents = 0;

    void apply(const std::vector<store::Event> &events) {
        std::lock_guard lock(mutex);
        for (const store::Event &event : events) {
            if (event.revision <= loadedAt) {
                continue;
            }
            notes.push_back(event.note);
            if (event.note == store::kResyncNote) {
                ++resyncEvents;
            }
            if (event.type == store::EventType::Put) {
                keys[event.kv.key] = {event.kv.value, event.kv.modRevision};
            } else {
                keys.erase(event.kv.key);
            }
        }
    }
    bool equals(const store::RangeResult &range) {
        std::lock_guard lock(mutex);
        if (range.kvs.size() != keys.size()) {
            return false;
        }
        for (const store::KeyValue &kv : range.kvs) {
            const auto held = keys.find(kv.key);
            if (held == keys.end() || held->second.first != kv.value ||
                held->second.second != kv.modRevision) {
                return false;
            }
        }
        return true;
    }
};

// The instances as the registry lists them: id and state.
std::vector<std::string> instanceIds(const registry::Registry &registry) {
    registry::InstanceQuery query;
    query.service = "checkout";
    query.includeUnroutable = true;
    std::vector<std::string> ids;
    auto page = registry.listInstances(query);
    if (!page) {
        return {page.status().message()};
    }
    for (const registry::Instance &instance : page->items) {
        ids.push_back(instance.id +
                      (instance.state == registry::InstanceState::Draining ? " draining" : ""));
    }
    std::sort(ids.begin(), ids.end());
    return ids;
}

} // namespace

class TestStoreResync : public QObject {
    Q_OBJECT

private slots:
    void aWatchBehindACompactionResyncsFromEtcd();
};

void TestStoreResync::aWatchBehindACompactionResyncsFromEtcd() {
    AEGIS_REQUIRE_TOOL(EtcdCluster::kBinary, EtcdCluster::kPackage);
    auto etcd = EtcdCluster::start({});
    QVERIFY2(etcd, etcd.status().message().c_str());
    EtcdCluster &cluster = **etcd;

    // The replica under test knows member 0 only, so it cannot move its watch elsewhere; the
    // other writes through member 1.
    const auto openOn = [&](int member) {
        store::EtcdStoreOptions options;
        options.client.endpoints = {cluster.clientAddress(member)};
        options.client.dialTimeout = 1s;
        options.client.requestTimeout = 3s;
        options.prefix = kPrefix;
        return store::EtcdStore::open(options);
    };
    auto openedA = openOn(0);
    QVERIFY2(openedA, openedA.status().message().c_str());
    auto openedB = openOn(1);
    QVERIFY2(openedB, openedB.status().message().c_str());
    store::EtcdStore &a = **openedA;
    store::EtcdStore &b = **openedB;

    std::mutex healthMutex;
    std::vector<Status> health;
    a.setWriteHealthListener([&](const Status &status) {
        std::lock_guard lock(healthMutex);
        health.push_back(status);
    });
    const auto lastHealth = [&] {
        std::lock_guard lock(healthMutex);
        return health.empty() ? Status::ok() : health.back();
    };

    Mirror mirror;
    auto subscription = a.subscribe({}, [&](const auto &events) { mirror.apply(events); });
    {
        auto snapshot = a.rangePrefix({});
        QVERIFY2(snapshot, snapshot.status().message().c_str());
        std::lock_guard lock(mirror.mutex);
        mirror.loadedAt = snapshot->revision;
        for (const store::KeyValue &kv : snapshot->kvs) {
            mirror.keys[kv.key] = {kv.value, kv.modRevision};
        }
    }
    store::WatchHub hub(a);
    hub.attach();
    registry::Registry registryA(a, std::make_shared<SystemClock>());
    registry::Registry registryB(b, std::make_shared<SystemClock>());
    QVERIFY(registryA.load().isOk());
    QVERIFY(registryB.load().isOk());

    // Before: instances and plain keys that the outage will keep, change and remove.
    for (const char *id : {"kept", "changed", "gone"}) {
        const Status registered = registerInstance(registryB, registration(id));
        QVERIFY2(registered.isOk(), registered.message().c_str());
    }
    auto before = b.commit(store::Transaction()
                               .put("/plain/kept", "1")
                               .put("/plain/changed", "1")
                               .put("/plain/gone", "1"));
    QVERIFY2(before && before->succeeded, "the plain keys are written");
    QVERIFY(pollUntil([&] { return a.currentRevision() >= before->revision; }, 10s));
    QCOMPARE(instanceIds(registryA), instanceIds(registryB));
    // A client's watch of the plain keys, live on this replica.
    std::atomic<int> woken{0};
    auto watcher = hub.watch("/plain/", a.currentRevision() + 1, [&] { ++woken; });
    QVERIFY2(watcher, watcher.status().message().c_str());
    QVERIFY((*watcher)->take(16).ended.isOk());
    const store::Revision watchedFrom = a.currentRevision();

    // The outage: every change below happens while the replica's member is down, and etcd
    // drops their history before it comes back.
    cluster.kill(0);
    // Member 0 may have been etcd's leader: writes go through once the other two elected one.
    QVERIFY(pollUntil(
        [&] {
            auto probe = b.commit(store::Transaction().put("/plain/probe", "1"));
            return probe && probe->succeeded;
        },
        20s));
    for (const Status &status : {deregister(registryB, "gone"), drain(registryB, "changed"),
                                 registerInstance(registryB, registration("new"))}) {
        QVERIFY2(status.isOk(), status.message().c_str());
    }
    auto during = b.commit(store::Transaction()
                               .put("/plain/changed", "2")
                               .remove("/plain/gone")
                               .put("/plain/new", "1")
                               .put("/plain/brief", "1"));
    QVERIFY2(during && during->succeeded, "the changes are written");
    auto brief = b.commit(store::Transaction().remove("/plain/brief"));
    QVERIFY2(brief && brief->succeeded, "the short-lived key is removed");
    const store::Revision compacted = b.currentRevision();
    QVERIFY(compacted >= brief->revision);
    QVERIFY(b.compact(compacted).isOk());
    QCOMPARE(b.compactRevision(), compacted);

    const Status restarted = cluster.restart(0);
    QVERIFY2(restarted.isOk(), restarted.message().c_str());
    const auto back = std::chrono::steady_clock::now();

    // The replica resyncs: what it delivered equals what it reads, and so does the registry it
    // feeds; its health is OK and was never DATA_LOSS.
    QVERIFY(pollUntil(
        [&] {
            auto range = a.rangePrefix({});
            return range && a.currentRevision() > compacted && mirror.equals(*range);
        },
        30s));
    qInfo("resynced %lld ms after the member was back",
          static_cast<long long>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                     std::chrono::steady_clock::now() - back)
                                     .count()));
    QVERIFY(pollUntil([&] { return instanceIds(registryA) == instanceIds(registryB); }, 10s));
    QCOMPARE(instanceIds(registryA), (std::vector<std::string>{"changed draining", "kept", "new"}));
    {
        std::lock_guard lock(mirror.mutex);
        // Every change of the outage came as a resync: the changed and new instances and
        // plain keys, the removed ones; the short-lived key never showed.
        QVERIFY(mirror.resyncEvents >= 6);
        QVERIFY(mirror.keys.count("/plain/brief") == 0);
        QCOMPARE(mirror.keys.at("/plain/changed").first, std::string("2"));
        QVERIFY(mirror.keys.count("/plain/gone") == 0);
    }
    QVERIFY(pollUntil([&] { return lastHealth().isOk(); }, 10s));
    {
        std::lock_guard lock(healthMutex);
        for (const Status &status : health) {
            QVERIFY2(status.code() != StatusCode::DataLoss, status.message().c_str());
        }
    }
    QVERIFY(a.compactRevision() >= compacted);

    // The client's watch missed events it cannot read any more: it ends with OUT_OF_RANGE
    // naming the compact revision, and a watch from before the compaction is refused alike.
    QVERIFY(pollUntil([&] { return !(*watcher)->take(16).ended.isOk(); }, 10s));
    const Status ended = (*watcher)->take(16).ended;
    QCOMPARE(ended.code(), StatusCode::OutOfRange);
    QVERIFY2(ended.message().find(std::to_string(compacted)) != std::string::npos,
             ended.message().c_str());
    QCOMPARE(hub.watch("/plain/", watchedFrom + 1, [] {}).status().code(), StatusCode::OutOfRange);

    // The watch goes on from the resync: a change through the other member reaches the
    // replica and a fresh client watch, and the replica takes writes again.
    auto fresh = hub.watch("/plain/", 0, [] {});
    QVERIFY2(fresh, fresh.status().message().c_str());
    auto after = b.commit(store::Transaction().put("/plain/after", "1"));
    QVERIFY2(after && after->succeeded, "a write after the resync");
    std::vector<store::Event> seen;
    QVERIFY(pollUntil(
        [&] {
            auto batch = (*fresh)->take(16);
            seen.insert(seen.end(), batch.events.begin(), batch.events.end());
            return !seen.empty();
        },
        10s));
    QCOMPARE(seen.front().kv.key, std::string("/plain/after"));
    QCOMPARE(seen.front().revision, after->revision);
    auto own = a.commit(store::Transaction().put("/plain/own", "1"));
    QVERIFY2(own && own->succeeded, own ? "" : own.status().message().c_str());
    auto range = a.rangePrefix({});
    QVERIFY(range);
    QVERIFY(mirror.equals(*range));
    QVERIFY(lastHealth().isOk());
    hub.shutdown(Status(StatusCode::Unavailable, "test over"));
}

QTEST_GUILESS_MAIN(TestStoreResync)
#include "tst_store_resync.moc"
