// The registry module against a real SQLite store, with time controlled by a ManualClock.

#include "daemon_process.h"
#include "registry/registry.h"
#include "store/sqlite_store.h"
#include "store/watch_hub.h"

#include <QtTest>

#include <future>
#include <set>

using namespace aegis;
using namespace std::chrono_literals;

namespace {

template <typename T>
StatusOr<T> await(const std::function<void(std::function<void(StatusOr<T>)>)> &start) {
    std::promise<StatusOr<T>> promise;
    auto future = promise.get_future();
    start([&promise](StatusOr<T> result) { promise.set_value(std::move(result)); });
    return future.get();
}

registry::Registration registration(const std::string &service, const std::string &id,
                                    std::chrono::seconds ttl, Labels labels = {}) {
    registry::Registration r;
    r.instance.service = service;
    r.instance.id = id;
    r.instance.address = "127.0.0.1:" + std::to_string(8000 + id.size());
    r.instance.labels = std::move(labels);
    r.ttl = ttl;
    return r;
}

} // namespace

class RegistryTest : public QObject {
    Q_OBJECT

private slots:
    void init();
    void cleanup();
    void registersAndLists();
    void reRegistrationIsIdempotentOnlyForTheSameLease();
    void leaseExpiryRemovesInstancesWithReason();
    void keepAliveExtendsTheLease();
    void restartRestoresLeasesWithFullTtl();
    void leaseIdsGrowAndNeverRepeatARestoredOne();
    void leasesCountFromReadinessAfterARestart();
    void operatorActionsAndDeregistration();
    void deregisteringTheLastInstanceRevokesItsLease();
    void aHeldLeaseOutlivesItsLastInstance();
    void selectorStateAndPaging();
    void validation_data();
    void validation();

private:
    void open();
    StatusOr<registry::Registered> registerNow(registry::Registration r);

    std::unique_ptr<testing::TempDir> m_dir;
    std::shared_ptr<ManualClock> m_clock;
    std::unique_ptr<store::SqliteStore> m_store;
    std::unique_ptr<registry::Registry> m_registry;
};

void RegistryTest::open() {
    auto store = store::SqliteStore::open({m_dir->path() / "aegis.db"});
    QVERIFY2(store.isOk(), store.status().message().c_str());
    m_store = std::move(*store);
    m_registry = std::make_unique<registry::Registry>(*m_store, m_clock);
    QVERIFY(m_registry->load().isOk());
}

void RegistryTest::init() {
    m_dir = std::make_unique<testing::TempDir>();
    m_clock = std::make_shared<ManualClock>();
    open();
}

void RegistryTest::cleanup() {
    m_registry.reset();
    m_store.reset();
    m_dir.reset();
}

StatusOr<registry::Registered> RegistryTest::registerNow(registry::Registration r) {
    return await<registry::Registered>(
        [&](auto done) { m_registry->registerInstance(std::move(r), std::move(done)); });
}

void RegistryTest::registersAndLists() {
    auto first = registerNow(registration("checkout", "checkout-1", 10s, {{"color", "blue"}}));
    QVERIFY2(first.isOk(), first.status().message().c_str());
    QVERIFY(first->created);
    QVERIFY(first->instance.leaseId > 0);
    QCOMPARE(first->instance.leaseTtl, 10s);
    QCOMPARE(first->instance.weight, 100);
    QCOMPARE(first->instance.createRevision, first->revision);

    auto service = m_registry->service("checkout");
    QVERIFY(service.has_value());
    QCOMPARE(service->instanceCount, 1);
    QVERIFY(service->createRevision > 0);

    auto page =
        m_registry->listInstances({"checkout", {}, registry::InstanceState::Unspecified, 10, {}});
    QVERIFY(page.isOk());
    QCOMPARE(page->items.size(), std::size_t(1));
    QCOMPARE(page->items[0].labels.at("color"), std::string("blue"));
    QVERIFY(page->revision >= first->revision);
}

void RegistryTest::reRegistrationIsIdempotentOnlyForTheSameLease() {
    auto first = registerNow(registration("checkout", "c1", 10s));
    QVERIFY(first.isOk());

    auto sameLease = registration("checkout", "c1", 10s, {{"version", "2"}});
    sameLease.ttl.reset();
    sameLease.leaseId = first->instance.leaseId;
    auto again = registerNow(sameLease);
    QVERIFY2(again.isOk(), again.status().message().c_str());
    QVERIFY(!again->created);
    QCOMPARE(again->instance.createRevision, first->instance.createRevision);
    QCOMPARE(again->instance.labels.at("version"), std::string("2"));

    auto otherLease = registerNow(registration("checkout", "c1", 10s));
    QCOMPARE(otherLease.status().code(), StatusCode::AlreadyExists);
    QCOMPARE(m_registry->instanceCount(), std::size_t(1));

    auto unknownLease = registration("checkout", "c2", 10s);
    unknownLease.ttl.reset();
    unknownLease.leaseId = 12345;
    QCOMPARE(registerNow(unknownLease).status().code(), StatusCode::NotFound);
}

void RegistryTest::leaseExpiryRemovesInstancesWithReason() {
    store::WatchHub hub(*m_store);
    hub.attach();
    std::atomic<int> notified{0};
    auto watcher = hub.watch(std::string(registry::Registry::kInstancesPrefix), 0,
                             [&notified] { ++notified; });
    QVERIFY(watcher.isOk());

    QVERIFY(registerNow(registration("inventory", "i1", 5s)).isOk());
    QVERIFY(registerNow(registration("inventory", "i2", 20s)).isOk());
    m_clock->advance(4s);
    m_registry->expireLeases();
    QCOMPARE(m_registry->instanceCount(), std::size_t(2));

    m_clock->advance(2s);
    m_registry->expireLeases();
    QTRY_COMPARE_WITH_TIMEOUT(m_registry->instanceCount(), std::size_t(1), 5000);

    std::vector<store::Event> events;
    QTRY_VERIFY_WITH_TIMEOUT(
        [&] {
            auto batch = (*watcher)->take(100);
            events.insert(events.end(), batch.events.begin(), batch.events.end());
            return events.size() >= 3;
        }(),
        5000);
    QCOMPARE(events.back().type, store::EventType::Delete);
    QCOMPARE(events.back().note, std::string(registry::reason::kLeaseExpired));
    QVERIFY(events.back().kv.key.find("/i1") != std::string::npos);
}

void RegistryTest::keepAliveExtendsTheLease() {
    auto registered = registerNow(registration("payments", "p1", 3s));
    QVERIFY(registered.isOk());
    for (int i = 0; i < 5; ++i) {
        m_clock->advance(2s);
        QCOMPARE(m_registry->keepAlive(registered->instance.leaseId), std::optional(3s));
        m_registry->expireLeases();
    }
    QCOMPARE(m_registry->instanceCount(), std::size_t(1));
    m_clock->advance(4s);
    m_registry->expireLeases();
    QTRY_COMPARE_WITH_TIMEOUT(m_registry->instanceCount(), std::size_t(0), 5000);
    QVERIFY(!m_registry->keepAlive(registered->instance.leaseId).has_value());
}

void RegistryTest::restartRestoresLeasesWithFullTtl() {
    auto registered = registerNow(registration("checkout", "c1", 10s));
    QVERIFY(registered.isOk());
    const auto lease = registered->instance.leaseId;
    m_clock->advance(9s);

    // A restart long after the lease would have run out: the fleet is not evicted.
    m_registry.reset();
    m_store.reset();
    m_clock->advance(1h);
    open();
    m_registry->expireLeases();
    QCOMPARE(m_registry->instanceCount(), std::size_t(1));

    // The full TTL counts from the restart; the same lease id keeps working.
    m_clock->advance(9s);
    m_registry->expireLeases();
    QCOMPARE(m_registry->instanceCount(), std::size_t(1));
    QCOMPARE(m_registry->keepAlive(lease), std::optional(10s));
    m_clock->advance(11s);
    m_registry->expireLeases();
    QTRY_COMPARE_WITH_TIMEOUT(m_registry->instanceCount(), std::size_t(0), 5000);
}

// Lease ids follow the clock, so new lease records go at the end of the store's key order; a
// restart under a clock that did not move on (or went back) must not hand out a restored id again.
void RegistryTest::leaseIdsGrowAndNeverRepeatARestoredOne() {
    std::vector<registry::LeaseId> leases;
    for (int i = 0; i < 3; ++i) { // the same millisecond
        auto registered = registerNow(registration("checkout", "c" + std::to_string(i), 10s));
        QVERIFY(registered.isOk());
        leases.push_back(registered->instance.leaseId);
    }
    QVERIFY(leases[0] > 0 && leases[0] < leases[1] && leases[1] < leases[2]);
    QVERIFY(leases[2] < (registry::LeaseId(1) << 53)); // survives JSON as a number

    m_registry.reset();
    m_store.reset();
    open();
    auto after = registerNow(registration("checkout", "after-restart", 10s));
    QVERIFY(after.isOk());
    QVERIFY(after->instance.leaseId > leases[2]);
    QCOMPARE(m_registry->keepAlive(leases[0]), std::optional(10s)); // still its own lease
}

void RegistryTest::leasesCountFromReadinessAfterARestart() {
    QVERIFY(registerNow(registration("checkout", "c1", 10s)).isOk());
    QVERIFY(registerNow(registration("checkout", "c2", 1s)).isOk());
    m_registry.reset();
    m_store.reset();
    open();
    // A slow start-up: loading took longer than c1's TTL before the daemon turned ready.
    m_clock->advance(12s);
    m_registry->startLeaseClocks();
    m_registry->expireLeases();
    QCOMPARE(m_registry->instanceCount(), std::size_t(2));

    // c2's one-second lease gets the restart grace (5 s), c1 its full TTL, both from readiness.
    m_clock->advance(4s);
    m_registry->expireLeases();
    QCOMPARE(m_registry->instanceCount(), std::size_t(2));
    m_clock->advance(2s);
    m_registry->expireLeases();
    QTRY_COMPARE_WITH_TIMEOUT(m_registry->instanceCount(), std::size_t(1), 5000);
    m_clock->advance(3s);
    m_registry->expireLeases();
    QCOMPARE(m_registry->instanceCount(), std::size_t(1));
    m_clock->advance(2s);
    m_registry->expireLeases();
    QTRY_COMPARE_WITH_TIMEOUT(m_registry->instanceCount(), std::size_t(0), 5000);
}

void RegistryTest::operatorActionsAndDeregistration() {
    auto registered = registerNow(registration("checkout", "c1", 30s));
    QVERIFY(registered.isOk());
    auto drained = await<registry::Registered>([&](auto done) {
        m_registry->setState("checkout", "c1", registry::InstanceState::Draining, std::move(done));
    });
    QVERIFY(drained.isOk());
    QCOMPARE(drained->instance.state, registry::InstanceState::Draining);
    auto listed =
        m_registry->listInstances({"checkout", {}, registry::InstanceState::Draining, 10, {}});
    QCOMPARE(listed->items.size(), std::size_t(1));

    auto removed = await<store::Revision>([&](auto done) {
        m_registry->deregister("checkout", "c1", registry::reason::kDeregistered, std::move(done));
    });
    QVERIFY(removed.isOk());
    QCOMPARE(m_registry->instanceCount(), std::size_t(0));
    auto events =
        m_store->events(*removed, *removed, std::string(registry::Registry::kInstancesPrefix), 0);
    QVERIFY(events.isOk());
    QCOMPARE(events->size(), std::size_t(1));
    QCOMPARE(events->front().note, std::string("deregistered"));

    auto missing = await<store::Revision>([&](auto done) {
        m_registry->deregister("checkout", "c1", registry::reason::kDeregistered, std::move(done));
    });
    QCOMPARE(missing.status().code(), StatusCode::NotFound);
}

void RegistryTest::deregisteringTheLastInstanceRevokesItsLease() {
    const auto deregister = [this](const std::string &id) {
        return await<store::Revision>([&](auto done) {
            m_registry->deregister("checkout", id, registry::reason::kDeregistered,
                                   std::move(done));
        });
    };
    auto first = registerNow(registration("checkout", "c1", 3600s));
    QVERIFY(first.isOk());
    const auto lease = first->instance.leaseId;
    auto second = registration("checkout", "c2", 3600s);
    second.ttl.reset();
    second.leaseId = lease;
    QVERIFY(registerNow(second).isOk());

    // The lease outlives its first instance, not its last.
    QVERIFY(deregister("c1").isOk());
    QCOMPARE(m_registry->leaseCount(), std::size_t(1));
    QVERIFY(deregister("c2").isOk());
    QCOMPARE(m_registry->leaseCount(), std::size_t(0));
    QVERIFY(!m_registry->keepAlive(lease).has_value());
    auto records = m_store->rangePrefix(std::string(registry::Registry::kLeasesPrefix));
    QVERIFY(records.isOk());
    QCOMPARE(records->kvs.size(), std::size_t(0));

    // Register/deregister cycles leave nothing behind, and nothing comes back after a restart.
    for (int i = 0; i < 50; ++i) {
        QVERIFY(registerNow(registration("checkout", "c3", 3600s)).isOk());
        QVERIFY(deregister("c3").isOk());
    }
    QCOMPARE(m_registry->leaseCount(), std::size_t(0));
    m_registry.reset();
    m_store.reset();
    open();
    QCOMPARE(m_registry->leaseCount(), std::size_t(0));
}

void RegistryTest::aHeldLeaseOutlivesItsLastInstance() {
    auto first = registerNow(registration("checkout", "c1", 30s));
    QVERIFY(first.isOk());
    const auto lease = first->instance.leaseId;
    QVERIFY(m_registry->holdLease(lease));
    QVERIFY(!m_registry->holdLease(lease + 1));
    QVERIFY(await<store::Revision>([&](auto done) {
                m_registry->deregister("checkout", "c1", registry::reason::kDeregistered,
                                       std::move(done));
            }).isOk());

    // A KeepAlive stream still renews it: the lease stays and takes new instances.
    QCOMPARE(m_registry->leaseCount(), std::size_t(1));
    QCOMPARE(m_registry->keepAlive(lease), std::optional(30s));
    auto again = registration("checkout", "c2", 30s);
    again.ttl.reset();
    again.leaseId = lease;
    QVERIFY(registerNow(again).isOk());
    QVERIFY(await<store::Revision>([&](auto done) {
                m_registry->deregister("checkout", "c2", registry::reason::kDeregistered,
                                       std::move(done));
            }).isOk());
    QCOMPARE(m_registry->leaseCount(), std::size_t(1));

    // Once the stream ends, nothing renews the lease and it expires.
    m_registry->releaseLease(lease);
    m_clock->advance(31s);
    m_registry->expireLeases();
    QCOMPARE(m_registry->leaseCount(), std::size_t(0));
    QTRY_VERIFY_WITH_TIMEOUT(
        m_store->rangePrefix(std::string(registry::Registry::kLeasesPrefix))->kvs.empty(), 5000);
}

void RegistryTest::selectorStateAndPaging() {
    for (int i = 0; i < 7; ++i) {
        const std::string color = i % 2 == 0 ? "blue" : "green";
        const std::string zone = i < 3 ? "a" : "b";
        QVERIFY(registerNow(registration("checkout", "c" + std::to_string(i), 30s,
                                         {{"color", color}, {"zone", zone}}))
                    .isOk());
    }
    QVERIFY(registerNow(registration("inventory", "i0", 30s, {{"color", "green"}})).isOk());

    auto selector = LabelSelector::parse("color=green,zone!=a");
    auto page = m_registry->listInstances(
        {"checkout", *selector, registry::InstanceState::Unspecified, 10, {}});
    QCOMPARE(page->items.size(), std::size_t(2)); // c3, c5

    auto all = m_registry->listInstances(
        {"", *LabelSelector::parse("color=green"), registry::InstanceState::Unspecified, 10, {}});
    QCOMPARE(all->items.size(), std::size_t(4));

    std::set<std::string> seen;
    std::string token;
    int pages = 0;
    do {
        auto chunk = m_registry->listInstances(
            {"checkout", {}, registry::InstanceState::Unspecified, 3, token});
        QVERIFY(chunk.isOk());
        for (const auto &instance : chunk->items) {
            QVERIFY(seen.insert(instance.id).second);
        }
        token = chunk->nextPageToken;
        ++pages;
    } while (!token.empty());
    QCOMPARE(seen.size(), std::size_t(7));
    QCOMPARE(pages, 3);

    auto services = m_registry->listServices(1, {});
    QCOMPARE(services->items.size(), std::size_t(1));
    QCOMPARE(services->items[0].name, std::string("checkout"));
    QCOMPARE(services->items[0].instanceCount, 7);
    auto rest = m_registry->listServices(10, services->nextPageToken);
    QCOMPARE(rest->items.size(), std::size_t(1));
    QCOMPARE(rest->items[0].name, std::string("inventory"));
}

void RegistryTest::validation_data() {
    QTest::addColumn<QString>("service");
    QTest::addColumn<QString>("id");
    QTest::addColumn<QString>("address");
    QTest::addColumn<int>("ttl");
    QTest::addColumn<QString>("field");
    QTest::newRow("empty service") << ""
                                   << "x"
                                   << "127.0.0.1:80" << 10 << "instance.service";
    QTest::newRow("uppercase service") << "Checkout"
                                       << "x"
                                       << "127.0.0.1:80" << 10 << "instance.service";
    QTest::newRow("long service") << QString(64, 'a') << "x"
                                  << "127.0.0.1:80" << 10 << "instance.service";
    QTest::newRow("empty id") << "svc"
                              << ""
                              << "127.0.0.1:80" << 10 << "instance.id";
    QTest::newRow("slash in id") << "svc"
                                 << "a/b"
                                 << "127.0.0.1:80" << 10 << "instance.id";
    QTest::newRow("no port") << "svc"
                             << "x"
                             << "127.0.0.1" << 10 << "instance.address";
    QTest::newRow("port 0") << "svc"
                            << "x"
                            << "127.0.0.1:0" << 10 << "instance.address";
    QTest::newRow("ttl 0") << "svc"
                           << "x"
                           << "127.0.0.1:80" << 0 << "ttl_seconds";
    QTest::newRow("ttl too long") << "svc"
                                  << "x"
                                  << "127.0.0.1:80" << 3601 << "ttl_seconds";
}

void RegistryTest::validation() {
    QFETCH(QString, service);
    QFETCH(QString, id);
    QFETCH(QString, address);
    QFETCH(int, ttl);
    QFETCH(QString, field);
    auto r = registration(service.toStdString(), id.toStdString(), std::chrono::seconds(ttl));
    r.instance.address = address.toStdString();
    const auto before = m_store->currentRevision();
    auto result = registerNow(r);
    QCOMPARE(result.status().code(), StatusCode::InvalidArgument);
    QVERIFY2(QString::fromStdString(result.status().message()).contains(field),
             result.status().message().c_str());
    QCOMPARE(m_store->currentRevision(), before);
}

QTEST_GUILESS_MAIN(RegistryTest)
#include "tst_registry.moc"
