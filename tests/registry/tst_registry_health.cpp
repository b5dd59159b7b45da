// Health in discovery: the registry keeps each instance's health in its record, hands out only
// routable instances, applies the panic threshold and coalesces health writes. Real SQLite store.

#include "daemon_process.h"
#include "poll_until.h"
#include "registry/registry.h"
#include "store/sqlite_store.h"

#include <QtTest>

#include <atomic>
#include <future>

using namespace aegis;
using namespace std::chrono_literals;
using registry::HealthStatus;
using registry::InstanceHealth;

namespace {

registry::Registration registration(const std::string &service, const std::string &id) {
    registry::Registration r;
    r.instance.service = service;
    r.instance.id = id;
    r.instance.address = "127.0.0.1:9000";
    r.ttl = 30s;
    return r;
}

InstanceHealth withStatus(HealthStatus status, bool ejected = false) {
    InstanceHealth health;
    health.status = status;
    health.ejected = ejected;
    health.checked = true;
    health.reason = "test";
    return health;
}

} // namespace

class RegistryHealthTest : public QObject {
    Q_OBJECT

private slots:
    void init();
    void cleanup();
    void criticalAndEjectedInstancesAreNotRoutable();
    void panicThresholdHandsOutEveryInstance();
    void panicEndsWhenHealthyInstancesJoin();
    void reRegistrationKeepsHealth();
    void healthSurvivesARestart();
    void burstsOfUpdatesAreCoalesced();
    void updatesForARemovedInstanceReportNotFound();
    void listenerSeesEveryChange();
    void trafficPolicySplitsByColourInOneRevision();
    void trafficPolicyCoversLateRegistrationsAndHealth();
    void trafficPolicySurvivesARestartAndClears();
    void badTrafficPoliciesAreRefused();

private:
    void open();
    void registerNow(const std::string &service, const std::string &id);
    void registerColoured(const std::string &service, const std::string &id,
                          const std::string &color);
    StatusOr<store::Revision> setPolicy(const std::string &service,
                                        std::optional<registry::TrafficPolicy> policy);
    std::map<std::string, int> trafficWeights(const std::string &service);
    void updateNow(const std::string &service, const std::string &id, InstanceHealth health);
    std::set<std::string> routableIds(const std::string &service);

    std::unique_ptr<testing::TempDir> m_dir;
    std::shared_ptr<ManualClock> m_clock;
    std::unique_ptr<store::SqliteStore> m_store;
    std::unique_ptr<registry::Registry> m_registry;
};

void RegistryHealthTest::open() {
    auto store = store::SqliteStore::open({m_dir->path() / "aegis.db"});
    QVERIFY2(store.isOk(), store.status().message().c_str());
    m_store = std::move(*store);
    m_registry = std::make_unique<registry::Registry>(*m_store, m_clock);
    QVERIFY(m_registry->load().isOk());
}

void RegistryHealthTest::init() {
    m_dir = std::make_unique<testing::TempDir>();
    m_clock = std::make_shared<ManualClock>();
    open();
}

void RegistryHealthTest::cleanup() {
    m_store->close();
    m_registry.reset();
    m_store.reset();
    m_dir.reset();
}

void RegistryHealthTest::registerNow(const std::string &service, const std::string &id) {
    std::promise<StatusOr<registry::Registered>> promise;
    m_registry->registerInstance(registration(service, id), [&](StatusOr<registry::Registered> r) {
        promise.set_value(std::move(r));
    });
    const auto registered = promise.get_future().get();
    QVERIFY2(registered.isOk(), registered.status().message().c_str());
}

void RegistryHealthTest::registerColoured(const std::string &service, const std::string &id,
                                          const std::string &color) {
    auto r = registration(service, id);
    r.instance.labels = {{"color", color}};
    std::promise<StatusOr<registry::Registered>> promise;
    m_registry->registerInstance(r, [&](StatusOr<registry::Registered> registered) {
        promise.set_value(std::move(registered));
    });
    const auto registered = promise.get_future().get();
    QVERIFY2(registered.isOk(), registered.status().message().c_str());
}

StatusOr<store::Revision>
RegistryHealthTest::setPolicy(const std::string &service,
                              std::optional<registry::TrafficPolicy> policy) {
    std::promise<StatusOr<store::Revision>> promise;
    m_registry->setTrafficPolicy(service, std::move(policy), [&](StatusOr<store::Revision> r) {
        promise.set_value(std::move(r));
    });
    return promise.get_future().get();
}

std::map<std::string, int> RegistryHealthTest::trafficWeights(const std::string &service) {
    registry::InstanceQuery query;
    query.service = service;
    query.pageSize = 1000;
    query.includeUnroutable = true;
    const auto page = m_registry->listInstances(query);
    std::map<std::string, int> weights;
    for (const auto &instance : page->items) {
        weights[instance.id] = instance.trafficWeight;
    }
    return weights;
}

void RegistryHealthTest::updateNow(const std::string &service, const std::string &id,
                                   InstanceHealth health) {
    std::promise<Status> promise;
    m_registry->updateHealth(service, id, std::move(health), {},
                             [&](Status status) { promise.set_value(status); });
    const Status status = promise.get_future().get();
    QVERIFY2(status.isOk(), status.message().c_str());
}

std::set<std::string> RegistryHealthTest::routableIds(const std::string &service) {
    registry::InstanceQuery query;
    query.service = service;
    query.pageSize = 1000;
    auto page = m_registry->listInstances(query);
    std::set<std::string> ids;
    for (const auto &instance : page->items) {
        ids.insert(instance.id);
    }
    return ids;
}

void RegistryHealthTest::criticalAndEjectedInstancesAreNotRoutable() {
    for (const char *id : {"a", "b", "c", "d", "e"}) {
        registerNow("pay", id);
    }
    updateNow("pay", "a", withStatus(HealthStatus::Critical));
    updateNow("pay", "b", withStatus(HealthStatus::Passing, true));
    updateNow("pay", "c", withStatus(HealthStatus::Warning));
    QCOMPARE(routableIds("pay"), (std::set<std::string>{"c", "d", "e"}));

    registry::InstanceQuery everything;
    everything.service = "pay";
    everything.includeUnroutable = true;
    auto all = m_registry->listInstances(everything);
    QCOMPARE(all->items.size(), std::size_t(5));
    QCOMPARE(all->items[0].health.status, HealthStatus::Critical);
    QVERIFY(!all->items[0].routable);
    QVERIFY(all->items[1].health.ejected);

    const auto service = m_registry->service("pay");
    QCOMPARE(service->unhealthyCount, 2);
    QVERIFY(!service->panic);

    // Recovery puts it back.
    updateNow("pay", "a", withStatus(HealthStatus::Passing));
    QCOMPARE(routableIds("pay"), (std::set<std::string>{"a", "c", "d", "e"}));
}

void RegistryHealthTest::panicThresholdHandsOutEveryInstance() {
    for (const char *id : {"a", "b", "c", "d"}) {
        registerNow("pay", id);
    }
    m_registry->setPanicThreshold("pay", 0.5);
    updateNow("pay", "a", withStatus(HealthStatus::Critical));
    updateNow("pay", "b", withStatus(HealthStatus::Critical));
    // Half is not more than half: the two healthy ones only.
    QCOMPARE(routableIds("pay"), (std::set<std::string>{"c", "d"}));

    // A fleet-wide blip: three of four failing is taken as a checking problem.
    updateNow("pay", "c", withStatus(HealthStatus::Critical));
    QCOMPARE(routableIds("pay"), (std::set<std::string>{"a", "b", "c", "d"}));
    QVERIFY(m_registry->service("pay")->panic);

    // The records say which writes flipped routability (the watch turns them into ADDED).
    auto a = m_registry->instance("pay", "a");
    QVERIFY(a->routable);
    QVERIFY(a->routableChanged);

    updateNow("pay", "a", withStatus(HealthStatus::Passing));
    updateNow("pay", "b", withStatus(HealthStatus::Passing));
    QCOMPARE(routableIds("pay"), (std::set<std::string>{"a", "b", "d"}));
    QVERIFY(!m_registry->service("pay")->panic);

    // A threshold of 1 disables panic.
    m_registry->setPanicThreshold("pay", 1.0);
    updateNow("pay", "a", withStatus(HealthStatus::Critical));
    updateNow("pay", "b", withStatus(HealthStatus::Critical));
    updateNow("pay", "d", withStatus(HealthStatus::Critical));
    QVERIFY(routableIds("pay").empty());
}

void RegistryHealthTest::panicEndsWhenHealthyInstancesJoin() {
    registerNow("pay", "a");
    registerNow("pay", "b");
    updateNow("pay", "a", withStatus(HealthStatus::Critical));
    updateNow("pay", "b", withStatus(HealthStatus::Critical));
    QCOMPARE(routableIds("pay").size(), std::size_t(2)); // panic

    // New healthy capacity: two of four unhealthy is no longer more than half.
    registerNow("pay", "c");
    registerNow("pay", "d");
    QVERIFY(testing::pollUntil(
        [&] {
            return routableIds("pay") == std::set<std::string>{"c", "d"};
        },
        5000ms));
    QVERIFY(!m_registry->service("pay")->panic);
}

void RegistryHealthTest::reRegistrationKeepsHealth() {
    registerNow("pay", "a");
    registerNow("pay", "b");
    registerNow("pay", "c");
    updateNow("pay", "a", withStatus(HealthStatus::Critical));
    const auto before = m_registry->instance("pay", "a");

    registry::Registration again = registration("pay", "a");
    again.ttl.reset();
    again.leaseId = before->leaseId;
    again.instance.labels = {{"version", "2"}};
    std::promise<StatusOr<registry::Registered>> promise;
    m_registry->registerInstance(again, [&](auto r) { promise.set_value(std::move(r)); });
    const auto result = promise.get_future().get();
    QVERIFY2(result.isOk(), result.status().message().c_str());

    const auto after = m_registry->instance("pay", "a");
    QCOMPARE(after->labels.at("version"), std::string("2"));
    QCOMPARE(after->health.status, HealthStatus::Critical);
    QVERIFY(!after->routable);
}

void RegistryHealthTest::healthSurvivesARestart() {
    registerNow("pay", "a");
    registerNow("pay", "b");
    registerNow("pay", "c");
    registerNow("pay", "d");
    InstanceHealth ejected = withStatus(HealthStatus::Passing, true);
    ejected.ejectedUntil = m_clock->now() + 30s;
    updateNow("pay", "b", ejected);
    updateNow("pay", "a", withStatus(HealthStatus::Critical));

    m_store->close();
    m_registry.reset();
    m_store.reset();
    open();
    QCOMPARE(routableIds("pay"), (std::set<std::string>{"c", "d"}));
    const auto b = m_registry->instance("pay", "b");
    QVERIFY(b->health.ejected);
    QCOMPARE(b->health.ejectedUntil, ejected.ejectedUntil);
    QCOMPARE(m_registry->service("pay")->unhealthyCount, 2);
}

void RegistryHealthTest::burstsOfUpdatesAreCoalesced() {
    constexpr int kInstances = 200;
    for (int i = 0; i < kInstances; ++i) {
        registerNow("big", "i" + std::to_string(i));
    }
    const auto revisionBefore = m_store->currentRevision();
    std::atomic<int> done{0};
    std::atomic<int> failed{0};
    for (int i = 0; i < kInstances; ++i) {
        m_registry->updateHealth(
            "big", "i" + std::to_string(i),
            withStatus(i % 4 == 0 ? HealthStatus::Critical : HealthStatus::Passing), {},
            [&](Status status) {
                failed += status.isOk() ? 0 : 1;
                ++done;
            });
    }
    QVERIFY(testing::pollUntil([&] { return done == kInstances; }, 10000ms));
    QCOMPARE(failed.load(), 0);
    // Far fewer transactions than updates: the ones queued behind a commit go together.
    const auto transactions = m_store->currentRevision() - revisionBefore;
    QVERIFY2(transactions < kInstances / 2, std::to_string(transactions).c_str());
    registry::InstanceQuery all;
    all.service = "big";
    all.includeUnroutable = true;
    all.pageSize = 1000;
    int critical = 0;
    const auto everything = m_registry->listInstances(all);
    for (const auto &instance : everything->items) {
        critical += instance.health.status == HealthStatus::Critical ? 1 : 0;
    }
    QCOMPARE(critical, kInstances / 4);
    QCOMPARE(routableIds("big").size(), std::size_t(kInstances - kInstances / 4));
}

void RegistryHealthTest::updatesForARemovedInstanceReportNotFound() {
    registerNow("pay", "a");
    std::promise<StatusOr<store::Revision>> removed;
    m_registry->deregister("pay", "a", registry::reason::kDeregistered,
                           [&](auto r) { removed.set_value(std::move(r)); });
    QVERIFY(removed.get_future().get().isOk());
    std::promise<Status> promise;
    m_registry->updateHealth("pay", "a", withStatus(HealthStatus::Critical), {},
                             [&](Status status) { promise.set_value(status); });
    QCOMPARE(promise.get_future().get().code(), StatusCode::NotFound);
}

void RegistryHealthTest::listenerSeesEveryChange() {
    std::mutex mutex;
    std::vector<registry::InstanceChange> seen;
    m_registry->setInstanceListener([&](const std::vector<registry::InstanceChange> &changes) {
        std::lock_guard lock(mutex);
        seen.insert(seen.end(), changes.begin(), changes.end());
    });
    registerNow("pay", "a");
    updateNow("pay", "a", withStatus(HealthStatus::Critical));
    std::promise<StatusOr<store::Revision>> removed;
    m_registry->deregister("pay", "a", registry::reason::kDeregistered,
                           [&](auto r) { removed.set_value(std::move(r)); });
    QVERIFY(removed.get_future().get().isOk());
    m_registry->setInstanceListener(nullptr);

    std::lock_guard lock(mutex);
    QCOMPARE(seen.size(), std::size_t(3));
    QCOMPARE(seen[0].id, std::string("a"));
    QVERIFY(seen[0].now.has_value());
    QCOMPARE(seen[1].now->health.status, HealthStatus::Critical);
    QVERIFY(!seen[2].now.has_value());
}

void RegistryHealthTest::trafficPolicySplitsByColourInOneRevision() {
    registerColoured("shop", "b1", "blue");
    registerColoured("shop", "b2", "blue");
    registerColoured("shop", "b3", "blue");
    registerColoured("shop", "g1", "green");
    registerNow("shop", "plain"); // no colour: keeps its own weight
    QCOMPARE(trafficWeights("shop"),
             (std::map<std::string, int>{
                 {"b1", 100}, {"b2", 100}, {"b3", 100}, {"g1", 100}, {"plain", 100}}));

    std::vector<store::Revision> revisions;
    std::mutex mutex;
    m_registry->setInstanceListener([&](const std::vector<registry::InstanceChange> &changes) {
        std::lock_guard lock(mutex);
        for (const auto &change : changes) {
            revisions.push_back(change.now ? change.now->modRevision : 0);
        }
    });
    const auto revision =
        setPolicy("shop", registry::TrafficPolicy{"color", {{"blue", 100}, {"green", 0}}});
    QVERIFY2(revision.isOk(), revision.status().message().c_str());
    // Blue's 100% spread over three instances, green held at nothing, all in one revision.
    QCOMPARE(trafficWeights("shop"),
             (std::map<std::string, int>{
                 {"b1", 3333}, {"b2", 3333}, {"b3", 3333}, {"g1", 0}, {"plain", 100}}));
    {
        std::lock_guard lock(mutex);
        QCOMPARE(revisions.size(), std::size_t{4});
        for (store::Revision r : revisions) {
            QCOMPARE(r, *revision);
        }
        revisions.clear();
    }

    // A 10% canary: the single green instance gets a tenth of blue + green, whatever the sizes.
    QVERIFY(
        setPolicy("shop", registry::TrafficPolicy{"color", {{"blue", 90}, {"green", 10}}}).isOk());
    const auto weights = trafficWeights("shop");
    QCOMPARE(weights.at("g1"), 1000);
    QCOMPARE(weights.at("b1") + weights.at("b2") + weights.at("b3"), 9000);

    // Setting the same policy again writes nothing.
    const store::Revision before = m_store->currentRevision();
    QVERIFY(
        setPolicy("shop", registry::TrafficPolicy{"color", {{"blue", 90}, {"green", 10}}}).isOk());
    QCOMPARE(m_store->currentRevision(), before);
    m_registry->setInstanceListener({});
}

void RegistryHealthTest::trafficPolicyCoversLateRegistrationsAndHealth() {
    registerColoured("shop", "b1", "blue");
    registerColoured("shop", "b2", "blue");
    QVERIFY(
        setPolicy("shop", registry::TrafficPolicy{"color", {{"blue", 100}, {"green", 0}}}).isOk());
    // A green instance registering while green is held at 0% never has a weight above 0.
    std::atomic<bool> greenEverWeighted{false};
    m_registry->setInstanceListener([&](const std::vector<registry::InstanceChange> &changes) {
        for (const auto &change : changes) {
            if (change.now && change.id.front() == 'g' && change.now->trafficWeight != 0) {
                greenEverWeighted = true;
            }
        }
    });
    registerColoured("shop", "g1", "green");
    registerColoured("shop", "g2", "green");
    QVERIFY(!greenEverWeighted);
    QCOMPARE(trafficWeights("shop").at("b1"), 5000);

    // Switched to green; a third green instance joining rebalances its colour.
    QVERIFY(
        setPolicy("shop", registry::TrafficPolicy{"color", {{"blue", 0}, {"green", 100}}}).isOk());
    registerColoured("shop", "g3", "green");
    QVERIFY(testing::pollUntil([&] {
        const auto w = trafficWeights("shop");
        return w.at("g1") == 3333 && w.at("g2") == 3333 && w.at("g3") == 3333 && w.at("b1") == 0;
    }));
    // A critical green instance leaves its colour's share to the others.
    updateNow("shop", "g3", withStatus(HealthStatus::Critical));
    QVERIFY(testing::pollUntil([&] {
        const auto w = trafficWeights("shop");
        return w.at("g1") == 5000 && w.at("g2") == 5000;
    }));
    m_registry->setInstanceListener({});
}

void RegistryHealthTest::trafficPolicySurvivesARestartAndClears() {
    registerColoured("shop", "b1", "blue");
    registerColoured("shop", "g1", "green");
    QVERIFY(
        setPolicy("shop", registry::TrafficPolicy{"color", {{"blue", 0}, {"green", 100}}}).isOk());
    m_store->close();
    m_registry.reset();
    m_store.reset();
    open();
    QVERIFY(m_registry->trafficPolicy("shop").has_value());
    QCOMPARE(trafficWeights("shop"), (std::map<std::string, int>{{"b1", 0}, {"g1", 10000}}));
    QVERIFY(setPolicy("shop", std::nullopt).isOk());
    QVERIFY(!m_registry->trafficPolicy("shop").has_value());
    QCOMPARE(trafficWeights("shop"), (std::map<std::string, int>{{"b1", 100}, {"g1", 100}}));
}

void RegistryHealthTest::badTrafficPoliciesAreRefused() {
    const auto notHundred =
        setPolicy("shop", registry::TrafficPolicy{"color", {{"blue", 60}, {"green", 60}}});
    QCOMPARE(notHundred.status().code(), StatusCode::InvalidArgument);
    QVERIFY(notHundred.status().message().find("add up to 100") != std::string::npos);
    const auto negative =
        setPolicy("shop", registry::TrafficPolicy{"color", {{"blue", 110}, {"green", -10}}});
    QCOMPARE(negative.status().code(), StatusCode::InvalidArgument);
    QCOMPARE(
        setPolicy("Bad Name", registry::TrafficPolicy{"color", {{"blue", 100}}}).status().code(),
        StatusCode::InvalidArgument);
}

QTEST_GUILESS_MAIN(RegistryHealthTest)
#include "tst_registry_health.moc"
