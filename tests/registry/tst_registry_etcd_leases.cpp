// The registry's leases on the etcd backend (EtcdLeaseKeeper), with a real etcd started by the
// test: two Registry instances, each on its own EtcdStore and client as two aegisd replicas would
// be, share one etcd. A lease is an etcd lease: granted through one replica it is renewed through
// the other, outlives the replica that granted it, is revoked with its last instance unless a
// KeepAlive stream holds it, and when nobody renews it etcd deletes its records and both
// replicas' watches report REMOVED with reason lease_expired.

#include "daemon_process.h"
#include "etcd_cluster.h"
#include "poll_until.h"
#include "registry/etcd_lease_keeper.h"
#include "registry/memory_lease_keeper.h"
#include "registry/registry.h"
#include "required_tool.h"
#include "store/etcd_store.h"
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

registry::Registration registration(const std::string &id, std::chrono::seconds ttl) {
    registry::Registration r;
    r.instance.service = "checkout";
    r.instance.id = id;
    r.instance.address = "127.0.0.1:8080";
    r.ttl = ttl;
    return r;
}

// One aegisd replica's share of the test: its own etcd client and store, watch hub and registry.
struct Replica {
    std::unique_ptr<store::EtcdStore> store;
    std::unique_ptr<store::WatchHub> hub;
    std::unique_ptr<registry::Registry> registry;
    registry::InstanceWatchPtr watch;
    std::mutex mutex;
    std::vector<registry::InstanceEvent> events;

    ~Replica() {
        watch.reset();
        registry.reset();
        if (hub) {
            hub->shutdown(Status(StatusCode::Unavailable, "test over"));
        }
        hub.reset();
        store.reset();
    }

    StatusOr<registry::Registered> registerNow(registry::Registration r) {
        return await<registry::Registered>(
            [&](auto done) { registry->registerInstance(std::move(r), std::move(done)); });
    }
    void drain() {
        for (;;) {
            auto taken = watch->take(256);
            if (!taken.batch) {
                return;
            }
            std::lock_guard lock(mutex);
            events.insert(events.end(), taken.batch->events.begin(), taken.batch->events.end());
        }
    }
    bool saw(InstanceEventType type, const std::string &id, const std::string &reason) {
        drain();
        std::lock_guard lock(mutex);
        return std::any_of(events.begin(), events.end(), [&](const registry::InstanceEvent &e) {
            return e.type == type && e.instance.id == id && (reason.empty() || e.reason == reason);
        });
    }
    bool has(const std::string &id) { return registry->instance("checkout", id).has_value(); }
};

} // namespace

class RegistryEtcdLeasesTest : public QObject {
    Q_OBJECT

private slots:
    void initTestCase();
    void init();
    void cleanup();
    void cleanupTestCase();
    void aLeaseIsAnEtcdLeaseThatAnyReplicaRenews();
    void aLeaseOutlivesTheReplicaThatGrantedIt();
    void anUnrenewedLeaseExpiresOnEveryReplica();
    void deregisteringTheLastInstanceRevokesTheLease();
    void aHeldLeaseOutlivesItsLastInstance();
    void etcdExpiresWhatTheKeeperKeeps();

private:
    std::unique_ptr<Replica> startReplica();
    // etcd's remaining TTL of `lease` in seconds (-1: etcd has no such lease).
    std::int64_t etcdTtl(std::int64_t lease);

    testing::TempDir m_dir;
    std::unique_ptr<testing::EtcdCluster> m_etcd;
    std::string m_prefix;
    int m_run = 0;
    std::unique_ptr<Replica> m_a;
    std::unique_ptr<Replica> m_b;
};

void RegistryEtcdLeasesTest::initTestCase() {
    AEGIS_REQUIRE_TOOL(testing::EtcdCluster::kBinary, testing::EtcdCluster::kPackage);
    auto etcd = testing::EtcdCluster::start(m_dir.path(), {.members = 1});
    QVERIFY2(etcd, etcd.status().toString().c_str());
    m_etcd = std::move(*etcd);
}

void RegistryEtcdLeasesTest::cleanupTestCase() {
    m_etcd.reset();
}

std::unique_ptr<Replica> RegistryEtcdLeasesTest::startReplica() {
    auto replica = std::make_unique<Replica>();
    store::EtcdStoreOptions options;
    options.client.endpoints = m_etcd->clientAddresses();
    options.prefix = m_prefix;
    auto opened = store::EtcdStore::open(options);
    if (!opened) {
        qWarning("EtcdStore::open: %s", opened.status().toString().c_str());
        return nullptr;
    }
    replica->store = std::move(*opened);
    replica->hub = std::make_unique<store::WatchHub>(*replica->store);
    replica->hub->attach();
    replica->registry = std::make_unique<registry::Registry>(
        *replica->store, std::make_shared<SystemClock>(), registry::RegistryLimits{},
        std::make_unique<registry::EtcdLeaseKeeper>(replica->store->client()));
    if (!replica->registry->load().isOk()) {
        return nullptr;
    }
    replica->registry->startLeaseClocks();
    auto watch = replica->registry->watchInstances(*replica->hub, "checkout", 0,
                                                   registry::InstanceView::All, [] {});
    if (!watch) {
        return nullptr;
    }
    replica->watch = *watch;
    return replica;
}

void RegistryEtcdLeasesTest::init() {
    // Each test on a prefix of its own, as a fresh store.
    m_prefix = "/t" + std::to_string(++m_run) + "/";
    m_a = startReplica();
    m_b = startReplica();
    QVERIFY(m_a && m_b);
}

void RegistryEtcdLeasesTest::cleanup() {
    m_a.reset();
    m_b.reset();
}

std::int64_t RegistryEtcdLeasesTest::etcdTtl(std::int64_t lease) {
    auto answer = m_b->store->client().leaseTimeToLive(lease);
    return answer ? answer->ttl() : -2;
}

void RegistryEtcdLeasesTest::aLeaseIsAnEtcdLeaseThatAnyReplicaRenews() {
    auto registered = m_a->registerNow(registration("c1", 3s));
    QVERIFY2(registered, registered.status().toString().c_str());
    const auto lease = registered->instance.leaseId;
    QVERIFY(lease > 0 && lease < (std::int64_t(1) << 53));
    QVERIFY(etcdTtl(lease) > 0);
    QCOMPARE(m_a->registry->keepAlive(lease), std::optional(3s));
    // B learns of the lease from its record in the store's event stream.
    QVERIFY(pollUntil([&] { return m_b->registry->keepAlive(lease).has_value(); }));
    QCOMPARE(m_b->registry->keepAlive(lease), std::optional(3s));
    QCOMPARE(m_b->registry->leaseServices(lease), std::vector<std::string>{"checkout"});
    // Renewed through B alone for three TTLs, the instance stays on both replicas.
    const auto until = std::chrono::steady_clock::now() + 9s;
    QVERIFY(pollUntil(
        [&] {
            m_b->registry->keepAlive(lease);
            return !m_a->has("c1") || !m_b->has("c1") || std::chrono::steady_clock::now() >= until;
        },
        20s));
    QVERIFY(m_a->has("c1") && m_b->has("c1"));
    QVERIFY(!m_a->saw(InstanceEventType::Removed, "c1", ""));
}

void RegistryEtcdLeasesTest::aLeaseOutlivesTheReplicaThatGrantedIt() {
    auto registered = m_a->registerNow(registration("c1", 3s));
    QVERIFY2(registered, registered.status().toString().c_str());
    const auto lease = registered->instance.leaseId;
    QVERIFY(pollUntil([&] { return m_b->registry->keepAlive(lease).has_value(); }));
    // The granting replica goes away: its registry, lease keeper, store and etcd client.
    m_a.reset();
    const auto until = std::chrono::steady_clock::now() + 9s;
    QVERIFY(pollUntil(
        [&] {
            m_b->registry->keepAlive(lease);
            return !m_b->has("c1") || std::chrono::steady_clock::now() >= until;
        },
        20s));
    QVERIFY(m_b->has("c1"));
    QVERIFY(!m_b->saw(InstanceEventType::Removed, "c1", ""));
    // A replica started now finds the lease and renews it too.
    m_a = startReplica();
    QVERIFY(m_a);
    QCOMPARE(m_a->registry->keepAlive(lease), std::optional(3s));
    QVERIFY(m_a->has("c1"));
}

void RegistryEtcdLeasesTest::anUnrenewedLeaseExpiresOnEveryReplica() {
    auto registered = m_a->registerNow(registration("c1", 2s));
    QVERIFY2(registered, registered.status().toString().c_str());
    const auto lease = registered->instance.leaseId;
    QVERIFY(pollUntil([&] { return m_b->has("c1"); }));
    // Nobody renews: etcd expires the lease and deletes its records; each replica says why.
    QVERIFY(pollUntil(
        [&] {
            return m_a->saw(InstanceEventType::Removed, "c1", "lease_expired") &&
                   m_b->saw(InstanceEventType::Removed, "c1", "lease_expired");
        },
        15s));
    QVERIFY(!m_a->has("c1") && !m_b->has("c1"));
    QVERIFY(pollUntil(
        [&] { return !m_a->registry->keepAlive(lease) && !m_b->registry->keepAlive(lease); }));
    QCOMPARE(m_a->registry->leaseCount(), std::size_t(0));
    QCOMPARE(etcdTtl(lease), std::int64_t(-1));
}

void RegistryEtcdLeasesTest::deregisteringTheLastInstanceRevokesTheLease() {
    auto first = m_a->registerNow(registration("c1", 30s));
    QVERIFY2(first, first.status().toString().c_str());
    const auto lease = first->instance.leaseId;
    auto second = registration("c2", 30s);
    second.ttl.reset();
    second.leaseId = lease;
    QVERIFY(m_a->registerNow(second));
    auto removed = await<store::Revision>([&](auto done) {
        m_a->registry->deregister("checkout", "c1", registry::reason::kDeregistered, done);
    });
    QVERIFY(removed);
    QVERIFY(etcdTtl(lease) > 0); // not its last instance
    removed = await<store::Revision>([&](auto done) {
        m_a->registry->deregister("checkout", "c2", registry::reason::kDeregistered, done);
    });
    QVERIFY(removed);
    QVERIFY(pollUntil([&] { return etcdTtl(lease) == -1; }));
    QVERIFY(pollUntil(
        [&] { return m_a->registry->leaseCount() == 0 && m_b->registry->leaseCount() == 0; }));
    QVERIFY(m_b->saw(InstanceEventType::Removed, "c2", "deregistered"));
}

void RegistryEtcdLeasesTest::aHeldLeaseOutlivesItsLastInstance() {
    auto first = m_a->registerNow(registration("c1", 30s));
    QVERIFY2(first, first.status().toString().c_str());
    const auto lease = first->instance.leaseId;
    QVERIFY(m_a->registry->holdLease(lease));
    QVERIFY(!m_a->registry->holdLease(lease + 1));
    auto removed = await<store::Revision>([&](auto done) {
        m_a->registry->deregister("checkout", "c1", registry::reason::kDeregistered, done);
    });
    QVERIFY(removed);
    // A KeepAlive stream still holds it: the lease stays and takes new instances, on any replica.
    QVERIFY(etcdTtl(lease) > 0);
    QVERIFY(pollUntil([&] { return m_b->registry->keepAlive(lease).has_value(); }));
    auto again = registration("c2", 30s);
    again.ttl.reset();
    again.leaseId = lease;
    QVERIFY(m_b->registerNow(again));
    m_a->registry->releaseLease(lease);
}

void RegistryEtcdLeasesTest::etcdExpiresWhatTheKeeperKeeps() {
    // The Registry removes expired leases' records itself only where leases live in memory; on
    // etcd the records carry the lease and etcd removes them.
    registry::EtcdLeaseKeeper etcdKeeper(m_a->store->client());
    QVERIFY(etcdKeeper.storeExpires());
    QCOMPARE(etcdKeeper.storeLease(42), std::int64_t(42));
    QVERIFY(etcdKeeper.takeExpired().empty());
    registry::MemoryLeaseKeeper memoryKeeper(std::make_shared<SystemClock>());
    QVERIFY(!memoryKeeper.storeExpires());
    QCOMPARE(memoryKeeper.storeLease(42), std::int64_t(0));
}

QTEST_GUILESS_MAIN(RegistryEtcdLeasesTest)
#include "tst_registry_etcd_leases.moc"
