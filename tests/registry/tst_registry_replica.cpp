// Two Registry instances on one store, as two aegisd replicas would share one: what one writes,
// the other's cache, domain watch and instance listener follow.

#include "daemon_process.h"
#include "poll_until.h"
#include "registry/records.h"
#include "registry/registry.h"
#include "store/sqlite_store.h"
#include "store/watch_hub.h"

#include <QtTest>

#include <future>
#include <mutex>

using namespace aegis;
using namespace std::chrono_literals;
using registry::InstanceEventType;
using testing::pollUntil;

namespace {

template <typename T>
StatusOr<T> await(const std::function<void(std::function<void(StatusOr<T>)>)> &start) {
    std::promise<StatusOr<T>> promise;
    auto future = promise.get_future();
    start([&promise](StatusOr<T> result) { promise.set_value(std::move(result)); });
    return future.get();
}

registry::Registration registration(const std::string &id, const std::string &colour) {
    registry::Registration r;
    r.instance.service = "checkout";
    r.instance.id = id;
    r.instance.address = "127.0.0.1:8080";
    r.instance.labels = {{"color", colour}};
    r.ttl = 30s;
    return r;
}

registry::InstanceQuery routableOf(const std::string &service) {
    registry::InstanceQuery query;
    query.service = service;
    return query;
}

registry::InstanceHealth health(registry::HealthStatus status) {
    registry::InstanceHealth health;
    health.status = status;
    health.checked = true;
    health.changedAt = std::chrono::system_clock::now();
    return health;
}

// Collects a watch's events and a listener's changes as they arrive.
struct Seen {
    std::mutex mutex;
    std::vector<registry::InstanceEvent> events;
    std::vector<registry::InstanceChange> changes;

    void drain(registry::InstanceWatch &watch) {
        for (;;) {
            auto taken = watch.take(256);
            QVERIFY(taken.ended.isOk());
            if (!taken.batch) {
                return;
            }
            std::lock_guard lock(mutex);
            events.insert(events.end(), taken.batch->events.begin(), taken.batch->events.end());
        }
    }
    bool hasEvent(InstanceEventType type, const std::string &id, const std::string &reason) {
        std::lock_guard lock(mutex);
        return std::any_of(events.begin(), events.end(), [&](const registry::InstanceEvent &e) {
            return e.type == type && e.instance.id == id && e.reason == reason;
        });
    }
    // The last change the listener was told about `id`: nullopt when none; an empty inner
    // optional when it was removed.
    std::optional<std::optional<registry::Instance>> lastChange(const std::string &id) {
        std::lock_guard lock(mutex);
        for (auto it = changes.rbegin(); it != changes.rend(); ++it) {
            if (it->id == id) {
                return it->now;
            }
        }
        return std::nullopt;
    }
};

} // namespace

class RegistryReplicaTest : public QObject {
    Q_OBJECT

private slots:
    void init();
    void cleanup();
    void anotherWritersChangesReachTheCacheWatchAndListener();
    void aLateLoadSeesTheSnapshotAndWhatFollows();
    void aRecordThatIsNotUtf8IsDecodedNotAdopted();

private:
    std::unique_ptr<testing::TempDir> m_dir;
    std::unique_ptr<store::SqliteStore> m_store;
    std::unique_ptr<store::WatchHub> m_hub;
    // `a` follows; every write goes through `b`.
    std::unique_ptr<registry::Registry> m_a;
    std::unique_ptr<registry::Registry> m_b;
};

void RegistryReplicaTest::init() {
    m_dir = std::make_unique<testing::TempDir>();
    auto store = store::SqliteStore::open({m_dir->path() / "aegis.db"});
    QVERIFY2(store.isOk(), store.status().message().c_str());
    m_store = std::move(*store);
    m_hub = std::make_unique<store::WatchHub>(*m_store);
    m_hub->attach();
    // A system clock: registration times are not whole milliseconds, as in production.
    m_a = std::make_unique<registry::Registry>(*m_store, std::make_shared<SystemClock>());
    m_b = std::make_unique<registry::Registry>(*m_store, std::make_shared<SystemClock>());
    QVERIFY(m_a->load().isOk());
    QVERIFY(m_b->load().isOk());
}

void RegistryReplicaTest::cleanup() {
    m_a.reset();
    m_b.reset();
    m_hub->shutdown(Status(StatusCode::Unavailable, "test over"));
    m_hub.reset();
    m_store.reset();
    m_dir.reset();
}

void RegistryReplicaTest::anotherWritersChangesReachTheCacheWatchAndListener() {
    auto seen = std::make_shared<Seen>();
    m_a->setInstanceListener([seen](const std::vector<registry::InstanceChange> &changes) {
        std::lock_guard lock(seen->mutex);
        seen->changes.insert(seen->changes.end(), changes.begin(), changes.end());
    });
    auto watch =
        m_a->watchInstances(*m_hub, "checkout", 0, registry::InstanceView::Routable, [] {});
    QVERIFY2(watch.isOk(), watch.status().message().c_str());
    auto drained = [&](const std::function<bool()> &condition) {
        return pollUntil([&] {
            seen->drain(**watch);
            return condition();
        });
    };

    // Registrations.
    for (const auto &[id, colour] : {std::pair{"checkout-1", "blue"}, {"checkout-2", "green"}}) {
        auto done = await<registry::Registered>(
            [&](auto cb) { m_b->registerInstance(registration(id, colour), std::move(cb)); });
        QVERIFY2(done.isOk(), done.status().message().c_str());
    }
    QVERIFY(pollUntil([&] { return m_a->instanceCount() == 2; }));
    QCOMPARE(m_a->service("checkout")->instanceCount, 2);
    QCOMPARE(m_a->serviceCount(), std::size_t(1));
    // What B adopted from its own write is what A decoded from the event.
    for (const std::string id : {"checkout-1", "checkout-2"}) {
        const auto a = m_a->instance("checkout", id);
        const auto b = m_b->instance("checkout", id);
        QVERIFY(a && b);
        QCOMPARE(registry::encodeInstance(*a), registry::encodeInstance(*b));
        QVERIFY(a->registerTime == b->registerTime);
        QCOMPARE(a->createRevision, b->createRevision);
        QCOMPARE(a->modRevision, b->modRevision);
    }
    QVERIFY(drained([&] {
        return seen->hasEvent(InstanceEventType::Added, "checkout-1", "") &&
               seen->hasEvent(InstanceEventType::Added, "checkout-2", "");
    }));
    QVERIFY(seen->lastChange("checkout-1").has_value());
    QVERIFY(seen->lastChange("checkout-1")->has_value());

    // A health change takes an instance out of the routable view.
    m_b->updateHealth("checkout", "checkout-1", health(registry::HealthStatus::Critical));
    QVERIFY(pollUntil([&] {
        const auto instance = m_a->instance("checkout", "checkout-1");
        return instance && !instance->routable;
    }));
    QCOMPARE(m_a->service("checkout")->unhealthyCount, 1);
    QVERIFY(!m_a->service("checkout")->panic);
    QCOMPARE(m_a->listInstances(routableOf("checkout"))->items.size(), std::size_t(1));
    QVERIFY(drained(
        [&] { return seen->hasEvent(InstanceEventType::Removed, "checkout-1", "critical"); }));
    QVERIFY(pollUntil([&] {
        const auto change = seen->lastChange("checkout-1");
        return change && *change && (*change)->health.status == registry::HealthStatus::Critical;
    }));

    // Both unhealthy: the service is in panic and every instance routable again.
    m_b->updateHealth("checkout", "checkout-2", health(registry::HealthStatus::Critical));
    QVERIFY(pollUntil([&] { return m_a->service("checkout")->panic; }));
    QVERIFY(
        pollUntil([&] { return m_a->listInstances(routableOf("checkout"))->items.size() == 2; }));
    QVERIFY(
        drained([&] { return seen->hasEvent(InstanceEventType::Added, "checkout-1", "panic"); }));

    // Healthy again, then a traffic policy: A's weights follow B's.
    m_b->updateHealth("checkout", "checkout-1", health(registry::HealthStatus::Passing));
    m_b->updateHealth("checkout", "checkout-2", health(registry::HealthStatus::Passing));
    QVERIFY(pollUntil([&] { return m_a->service("checkout")->unhealthyCount == 0; }));
    QVERIFY(!m_a->service("checkout")->panic);
    registry::TrafficPolicy policy;
    policy.shares = {{"blue", 100}, {"green", 0}};
    auto applied = await<store::Revision>(
        [&](auto cb) { m_b->setTrafficPolicy("checkout", policy, std::move(cb)); });
    QVERIFY2(applied.isOk(), applied.status().message().c_str());
    QVERIFY(pollUntil([&] {
        return m_a->trafficPolicy("checkout") == policy &&
               m_a->instance("checkout", "checkout-1")->trafficWeight == 10000 &&
               m_a->instance("checkout", "checkout-2")->trafficWeight == 0;
    }));
    QVERIFY(drained(
        [&] { return seen->hasEvent(InstanceEventType::Modified, "checkout-2", "traffic"); }));

    // Deregistration.
    auto removed = await<store::Revision>([&](auto cb) {
        m_b->deregister("checkout", "checkout-2", registry::reason::kDeregistered, std::move(cb));
    });
    QVERIFY2(removed.isOk(), removed.status().message().c_str());
    QVERIFY(pollUntil([&] { return m_a->instanceCount() == 1; }));
    QVERIFY(!m_a->instance("checkout", "checkout-2"));
    QCOMPARE(m_a->service("checkout")->instanceCount, 1);
    QVERIFY(drained(
        [&] { return seen->hasEvent(InstanceEventType::Removed, "checkout-2", "deregistered"); }));
    QVERIFY(pollUntil([&] {
        const auto change = seen->lastChange("checkout-2");
        return change && !change->has_value();
    }));
    m_a->setInstanceListener(nullptr);
}

void RegistryReplicaTest::aLateLoadSeesTheSnapshotAndWhatFollows() {
    for (const std::string id : {"checkout-1", "checkout-2", "checkout-3"}) {
        QVERIFY(await<registry::Registered>([&](auto cb) {
                    m_b->registerInstance(registration(id, "blue"), std::move(cb));
                }).isOk());
    }
    registry::Registry late(*m_store, std::make_shared<SystemClock>());
    QVERIFY(late.load().isOk());
    QCOMPARE(late.instanceCount(), std::size_t(3));
    QVERIFY(await<registry::Registered>([&](auto cb) {
                m_b->registerInstance(registration("checkout-4", "green"), std::move(cb));
            }).isOk());
    QVERIFY(pollUntil([&] { return late.instanceCount() == 4; }));
    QCOMPARE(late.service("checkout")->instanceCount, 4);
    QCOMPARE(late.leaseServices(m_b->instance("checkout", "checkout-4")->leaseId),
             std::vector<std::string>{"checkout"});
}

void RegistryReplicaTest::aRecordThatIsNotUtf8IsDecodedNotAdopted() {
    // Stored with a replacement character: the writer's cache must hold what every reader
    // decodes, not the bytes it was given.
    auto latin1 = registration("checkout-1", "blue");
    latin1.instance.metadata = {{"owner", "caf\xe9"}};
    QVERIFY(await<registry::Registered>([&](auto cb) {
                m_b->registerInstance(latin1, std::move(cb));
            }).isOk());
    QVERIFY(pollUntil([&] { return m_a->instance("checkout", "checkout-1").has_value(); }));
    const std::string stored = "caf\xef\xbf\xbd";
    QCOMPARE(m_a->instance("checkout", "checkout-1")->metadata.at("owner"), stored);
    QCOMPARE(m_b->instance("checkout", "checkout-1")->metadata.at("owner"), stored);
}

QTEST_GUILESS_MAIN(RegistryReplicaTest)
#include "tst_registry_replica.moc"
