// HealthMonitor: checks wired to discovery, against real local HTTP servers, a real SQLite store
// and the registry. Intervals are short and real: every wait polls with a deadline.

#include "daemon_process.h"
#include "health/health_monitor.h"
#include "loopback_ports.h"
#include "poll_until.h"
#include "store/sqlite_store.h"
#include "test_servers.h"

#include <QtTest>

#include <future>

using namespace aegis;
using namespace aegis::health;
using namespace std::chrono_literals;
using registry::HealthStatus;

namespace {

ServiceCheck httpCheck(std::chrono::milliseconds interval, unsigned rise, unsigned fall) {
    ServiceCheck check;
    check.kind = "http";
    check.options = {{"path", "/health"}};
    check.params.interval = interval;
    check.params.timeout = interval;
    check.params.rise = rise;
    check.params.fall = fall;
    check.params.jitter = 0ms;
    check.panicThreshold = 1.0; // these tests look at single instances
    return check;
}

} // namespace

class HealthMonitorTest : public QObject {
    Q_OBJECT

private slots:
    void init();
    void cleanup();
    void failingInstanceLeavesDiscoveryAndComesBack();
    void historyIsRecordedAndBounded();
    void checksFollowRegistrationsAndConfiguration();
    void instanceMetadataOverridesThePort();
    void ttlChecksTakeTheInstancesReports();
    void callerReportsEjectAndEjectionsEnd();
    void criticalForTooLongIsDeregistered();
    void restartKeepsACriticalInstanceOut();
    void validation_data();
    void validation();
    void instanceOverrides();
    void ejectionSurvivesARestartUntilItsTime();
    void reRegistrationStartsFresh();
    void initialStateOverrideIsPublished();
    void changesByAnotherWriterApply();
    void aReplicaThatDoesNotOwnAnInstanceKeepsItsOwnersResults();

private:
    void openStore();
    void startMonitor(HealthMonitorOptions options = {});
    void stopMonitor();
    void registerInstance(const std::string &id, std::uint16_t port, Labels metadata = {});
    void setCheck(const std::string &service, ServiceCheck check);
    std::optional<registry::Instance> instance(const std::string &id) {
        return m_registry->instance("web", id);
    }
    // An instance's report, waited for.
    Status report(const std::string &service, const std::string &id, const ProbeResult &result) {
        std::promise<Status> reported;
        auto future = reported.get_future();
        m_monitor->report(service, id, result,
                          [&reported](Status status) { reported.set_value(std::move(status)); });
        return future.get();
    }
    bool statusIs(const std::string &id, HealthStatus status) {
        const auto found = instance(id);
        return found && found->health.status == status;
    }
    std::size_t historyCount(const std::string &id) {
        auto range = m_store->rangePrefix(HealthMonitor::historyPrefix("web", id));
        return range ? range->kvs.size() : 0;
    }

    std::unique_ptr<aegis::testing::TempDir> m_dir;
    std::unique_ptr<boost::asio::io_context> m_io;
    std::unique_ptr<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>>
        m_work;
    std::vector<std::thread> m_threads;
    ProberRegistry m_probers;
    ClockPtr m_clock = std::make_shared<SystemClock>();
    std::unique_ptr<store::SqliteStore> m_store;
    std::unique_ptr<registry::Registry> m_registry;
    std::unique_ptr<HealthMonitor> m_monitor;
};

void HealthMonitorTest::openStore() {
    auto store = store::SqliteStore::open({m_dir->path() / "aegis.db"});
    QVERIFY2(store.isOk(), store.status().message().c_str());
    m_store = std::move(*store);
    m_registry = std::make_unique<registry::Registry>(*m_store, m_clock);
    QVERIFY(m_registry->load().isOk());
}

void HealthMonitorTest::startMonitor(HealthMonitorOptions options) {
    m_monitor =
        std::make_unique<HealthMonitor>(*m_store, *m_registry, *m_io, m_probers, m_clock, options);
    const Status started = m_monitor->start();
    QVERIFY2(started.isOk(), started.message().c_str());
}

void HealthMonitorTest::stopMonitor() {
    m_monitor.reset();
}

void HealthMonitorTest::init() {
    if (m_probers.find("http") == nullptr) {
        registerBuiltinProbers(m_probers);
    }
    m_dir = std::make_unique<aegis::testing::TempDir>();
    m_io = std::make_unique<boost::asio::io_context>();
    m_work =
        std::make_unique<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>>(
            m_io->get_executor());
    for (int i = 0; i < 2; ++i) {
        m_threads.emplace_back([this] { m_io->run(); });
    }
    openStore();
}

void HealthMonitorTest::cleanup() {
    stopMonitor();
    // Queued commits finish while the registry their callbacks use still exists.
    m_store->close();
    m_registry.reset();
    m_store.reset();
    m_work.reset();
    m_io->stop();
    for (auto &thread : m_threads) {
        thread.join();
    }
    m_threads.clear();
    m_io.reset();
    m_dir.reset();
}

void HealthMonitorTest::registerInstance(const std::string &id, std::uint16_t port,
                                         Labels metadata) {
    registry::Registration r;
    r.instance.service = "web";
    r.instance.id = id;
    r.instance.address = "127.0.0.1:" + std::to_string(port);
    r.instance.metadata = std::move(metadata);
    r.ttl = 60s;
    std::promise<Status> promise;
    m_registry->registerInstance(r, [&](auto result) { promise.set_value(result.status()); });
    const Status status = promise.get_future().get();
    QVERIFY2(status.isOk(), status.message().c_str());
}

void HealthMonitorTest::setCheck(const std::string &service, ServiceCheck check) {
    std::promise<Status> promise;
    m_monitor->setCheck(service, std::move(check), 0,
                        [&](auto result) { promise.set_value(result.status()); });
    const Status status = promise.get_future().get();
    QVERIFY2(status.isOk(), status.message().c_str());
}

void HealthMonitorTest::failingInstanceLeavesDiscoveryAndComesBack() {
    health::testing::TestHttpServer a;
    health::testing::TestHttpServer b;
    startMonitor();
    registerInstance("a", a.port());
    registerInstance("b", b.port());
    setCheck("web", httpCheck(100ms, 1, 2));
    QVERIFY(aegis::testing::pollUntil(
        [&] {
            return statusIs("a", HealthStatus::Passing) && statusIs("b", HealthStatus::Passing);
        },
        5000ms));
    QCOMPARE(m_monitor->checkCount(), std::size_t(2));

    const auto failedAt = std::chrono::steady_clock::now();
    a.respondWith(503, "down");
    QVERIFY(
        aegis::testing::pollUntil([&] { return statusIs("a", HealthStatus::Critical); }, 5000ms));
    const auto detection = std::chrono::steady_clock::now() - failedAt;
    // Bound: fall × interval + timeout, plus the write and generous scheduling slack.
    QVERIFY2(detection < 1500ms, std::to_string(detection.count() / 1000000).c_str());
    const auto failed = instance("a");
    QVERIFY(!failed->routable);
    QCOMPARE(failed->health.output, std::string("HTTP 503"));
    QVERIFY(failed->health.checked);

    registry::InstanceQuery query;
    query.service = "web";
    auto routable = m_registry->listInstances(query);
    QCOMPARE(routable->items.size(), std::size_t(1));
    QCOMPARE(routable->items[0].id, std::string("b"));

    a.respondWith(200);
    QVERIFY(
        aegis::testing::pollUntil([&] { return statusIs("a", HealthStatus::Passing); }, 5000ms));
    QVERIFY(instance("a")->routable);

    // 429 is a warning: still routed.
    b.respondWith(429, "slow down");
    QVERIFY(
        aegis::testing::pollUntil([&] { return statusIs("b", HealthStatus::Warning); }, 5000ms));
    QVERIFY(instance("b")->routable);

    const auto detail = m_monitor->detail("web", "a");
    QVERIFY(detail.has_value());
    QCOMPARE(detail->kind, std::string("http"));
    QCOMPARE(detail->target, "127.0.0.1:" + std::to_string(a.port()));
    QVERIFY(detail->snapshot.probeCount > 3);
}

void HealthMonitorTest::historyIsRecordedAndBounded() {
    health::testing::TestHttpServer a;
    HealthMonitorOptions options;
    options.historyLimit = 3;
    startMonitor(options);
    registerInstance("a", a.port());
    ServiceCheck check = httpCheck(100ms, 1, 1);
    check.params.flap.maxTransitions = 0; // every transition announced
    setCheck("web", check);
    QVERIFY(
        aegis::testing::pollUntil([&] { return statusIs("a", HealthStatus::Passing); }, 5000ms));
    for (int round = 0; round < 3; ++round) {
        a.respondWith(500);
        QVERIFY(aegis::testing::pollUntil([&] { return statusIs("a", HealthStatus::Critical); },
                                          5000ms));
        a.respondWith(200);
        QVERIFY(aegis::testing::pollUntil([&] { return statusIs("a", HealthStatus::Passing); },
                                          5000ms));
    }
    QVERIFY(aegis::testing::pollUntil([&] { return historyCount("a") == 3; }, 5000ms));
    auto range = m_store->rangePrefix(HealthMonitor::historyPrefix("web", "a"));
    const auto newest = HealthMonitor::decodeTransition(range->kvs.back());
    QVERIFY(newest.has_value());
    QCOMPARE(newest->service, std::string("web"));
    QCOMPARE(newest->instanceId, std::string("a"));
    QCOMPARE(newest->from, HealthStatus::Critical);
    QCOMPARE(newest->to, HealthStatus::Passing);
}

void HealthMonitorTest::checksFollowRegistrationsAndConfiguration() {
    health::testing::TestHttpServer a;
    startMonitor();
    setCheck("web", httpCheck(100ms, 1, 1));
    // Registered after the check exists: the check starts by itself.
    registerInstance("a", a.port());
    QVERIFY(
        aegis::testing::pollUntil([&] { return statusIs("a", HealthStatus::Passing); }, 5000ms));

    // Deleting the configuration stops checking; the status goes back to unknown.
    std::promise<Status> deleted;
    m_monitor->deleteCheck("web", [&](auto r) { deleted.set_value(r.status()); });
    QVERIFY(deleted.get_future().get().isOk());
    QVERIFY(aegis::testing::pollUntil(
        [&] { return statusIs("a", HealthStatus::Unknown) && !instance("a")->health.checked; },
        5000ms));
    QVERIFY(aegis::testing::pollUntil([&] { return m_monitor->checkCount() == 0; }, 5000ms));

    setCheck("web", httpCheck(100ms, 1, 1));
    QVERIFY(
        aegis::testing::pollUntil([&] { return statusIs("a", HealthStatus::Passing); }, 5000ms));
    // Deregistering removes the check.
    std::promise<Status> removed;
    m_registry->deregister("web", "a", registry::reason::kDeregistered,
                           [&](auto r) { removed.set_value(r.status()); });
    QVERIFY(removed.get_future().get().isOk());
    QVERIFY(aegis::testing::pollUntil([&] { return m_monitor->checkCount() == 0; }, 5000ms));
}

void HealthMonitorTest::instanceMetadataOverridesThePort() {
    health::testing::TestHttpServer service;
    health::testing::TestHttpServer admin;
    service.respondWith(500); // the service port would fail the check
    startMonitor();
    registerInstance("a", service.port(), {{"health.port", std::to_string(admin.port())}});
    registerInstance("b", service.port(), {{"health.disabled", "true"}});
    setCheck("web", httpCheck(100ms, 1, 1));
    QVERIFY(
        aegis::testing::pollUntil([&] { return statusIs("a", HealthStatus::Passing); }, 5000ms));
    QVERIFY(admin.requests() > 0);
    QVERIFY(!instance("b")->health.checked);
    QCOMPARE(m_monitor->checkCount(), std::size_t(1));
}

void HealthMonitorTest::ttlChecksTakeTheInstancesReports() {
    startMonitor();
    registerInstance("a", 9);
    ServiceCheck check;
    check.kind = "ttl";
    check.options = {{"ttl", "2s"}};
    check.params.interval = 100ms;
    check.params.timeout = 100ms;
    check.params.rise = 1;
    check.params.fall = 1;
    check.panicThreshold = 1.0;
    setCheck("web", check);
    QVERIFY(aegis::testing::pollUntil([&] { return m_monitor->checkCount() == 1; }, 5000ms));
    QVERIFY(report("web", "a", {HealthState::Passing, "all good"}).isOk());
    QVERIFY(
        aegis::testing::pollUntil([&] { return statusIs("a", HealthStatus::Passing); }, 5000ms));

    // Reconfiguring restarts the check; it carries on from the last report instead of counting
    // the instance silent (critical at once with fall 1).
    check.params.interval = 150ms;
    check.params.timeout = 150ms;
    setCheck("web", check);
    QVERIFY(aegis::testing::pollUntil(
        [&] {
            const auto detail = m_monitor->detail("web", "a");
            return detail && detail->snapshot.probeCount >= 3 &&
                   detail->snapshot.state == HealthState::Passing;
        },
        5000ms));
    QVERIFY(statusIs("a", HealthStatus::Passing));
    QVERIFY(report("web", "a", {HealthState::Critical, "db down"}).isOk());
    QVERIFY(
        aegis::testing::pollUntil([&] { return statusIs("a", HealthStatus::Critical); }, 5000ms));
    QCOMPARE(instance("a")->health.output, std::string("db down"));

    QCOMPARE(report("web", "zz", {HealthState::Passing, ""}).code(), StatusCode::NotFound);
    health::testing::TestHttpServer other;
    registry::Registration r;
    setCheck("api", httpCheck(100ms, 1, 1));
    r.instance.service = "api";
    r.instance.id = "x";
    r.instance.address = "127.0.0.1:" + std::to_string(other.port());
    r.ttl = 60s;
    std::promise<Status> registered;
    m_registry->registerInstance(r, [&](auto result) { registered.set_value(result.status()); });
    QVERIFY(registered.get_future().get().isOk());
    QVERIFY(aegis::testing::pollUntil([&] { return m_monitor->checkCount() == 2; }, 5000ms));
    QCOMPARE(report("api", "x", {HealthState::Passing, ""}).code(), StatusCode::FailedPrecondition);
}

void HealthMonitorTest::callerReportsEjectAndEjectionsEnd() {
    HealthMonitorOptions options;
    options.outlier.consecutiveFailures = 3;
    options.outlier.baseEjectionTime = 300ms;
    options.outlier.maxEjectedShare = 0.5;
    startMonitor(options);
    for (const char *id : {"a", "b", "c", "d"}) {
        registerInstance(id, 9);
    }
    QVERIFY(aegis::testing::pollUntil([&] { return m_monitor->followedInstances() == 4; }, 5000ms));
    // Two failures, then a success: not consecutive.
    QVERIFY(m_monitor->recordOutcomes("web", {{"a", 0, 2, 2}}).empty());
    QVERIFY(m_monitor->recordOutcomes("web", {{"a", 1, 0, 0}}).empty());
    QVERIFY(m_monitor->recordOutcomes("web", {{"a", 0, 2, 2}}).empty());

    const auto ejected = m_monitor->recordOutcomes("web", {{"a", 0, 3, 3}, {"nobody", 0, 9, 9}});
    QCOMPARE(ejected, std::vector<std::string>{"a"});
    QVERIFY(aegis::testing::pollUntil([&] { return instance("a")->health.ejected; }, 5000ms));
    QVERIFY(!instance("a")->routable);
    QVERIFY(instance("a")->health.reason.find("3 consecutive failed calls") != std::string::npos);

    // At most half of the service is ejected at once.
    QCOMPARE(m_monitor->recordOutcomes("web", {{"b", 0, 3, 3}}).size(), std::size_t(1));
    QVERIFY(m_monitor->recordOutcomes("web", {{"c", 0, 3, 3}}).empty());

    // The ejection ends on a sweep after its time.
    QVERIFY(aegis::testing::pollUntil(
        [&] {
            m_monitor->sweep();
            return !instance("a")->health.ejected;
        },
        5000ms));
    QVERIFY(instance("a")->routable);
    const auto detail = m_registry->instance("web", "a");
    QVERIFY(detail->health.reason.find("ejection ended") != std::string::npos);
}

void HealthMonitorTest::criticalForTooLongIsDeregistered() {
    const aegis::testing::RefusingLoopbackAddress gone;
    startMonitor();
    registerInstance("a", gone.port());
    ServiceCheck check = httpCheck(100ms, 1, 1);
    check.params.deregisterAfter = 300ms;
    setCheck("web", check);
    QVERIFY(
        aegis::testing::pollUntil([&] { return statusIs("a", HealthStatus::Critical); }, 5000ms));
    QVERIFY(aegis::testing::pollUntil([&] { return !instance("a").has_value(); }, 5000ms));
    auto events = m_store->events(1, m_store->currentRevision(),
                                  std::string(registry::Registry::kInstancesPrefix), 0);
    QVERIFY(events.isOk());
    QCOMPARE(events->back().type, store::EventType::Delete);
    QCOMPARE(events->back().note, std::string(registry::reason::kHealthCritical));
}

void HealthMonitorTest::restartKeepsACriticalInstanceOut() {
    health::testing::TestHttpServer a;
    a.respondWith(500);
    startMonitor();
    registerInstance("a", a.port());
    setCheck("web", httpCheck(100ms, 3, 1));
    QVERIFY(
        aegis::testing::pollUntil([&] { return statusIs("a", HealthStatus::Critical); }, 5000ms));
    const auto historyBefore = historyCount("a");

    stopMonitor();
    m_store->close();
    m_registry.reset();
    m_store.reset();
    openStore();
    a.respondWith(200);
    startMonitor();
    // Until it has passed `rise` (3) times it stays out: a restart does not reset it to unknown.
    QVERIFY(!instance("a")->routable);
    QCOMPARE(instance("a")->health.status, HealthStatus::Critical);
    QVERIFY(
        aegis::testing::pollUntil([&] { return statusIs("a", HealthStatus::Passing); }, 5000ms));
    QCOMPARE(historyCount("a"), historyBefore + 1);
}

void HealthMonitorTest::validation_data() {
    QTest::addColumn<QString>("field");
    QTest::addColumn<QString>("expected");
    QTest::newRow("kind") << "kind"
                          << "check.kind";
    QTest::newRow("interval") << "interval"
                              << "check.interval_ms";
    QTest::newRow("timeout") << "timeout"
                             << "check.timeout_ms";
    QTest::newRow("rise") << "rise"
                          << "check.rise";
    QTest::newRow("option") << "option"
                            << "check.options";
    QTest::newRow("panic") << "panic"
                           << "check.panic_threshold";
    QTest::newRow("deregister") << "deregister"
                                << "check.deregister_after_ms";
}

void HealthMonitorTest::validation() {
    QFETCH(QString, field);
    QFETCH(QString, expected);
    ServiceCheck check = httpCheck(1s, 2, 3);
    if (field == "kind") {
        check.kind = "smtp";
    } else if (field == "interval") {
        check.params.interval = 10ms;
    } else if (field == "timeout") {
        check.params.timeout = 5s;
    } else if (field == "rise") {
        check.params.rise = 0;
    } else if (field == "option") {
        check.options["path"] = "no-slash";
    } else if (field == "panic") {
        check.panicThreshold = 1.5;
    } else if (field == "deregister") {
        check.params.deregisterAfter = 10ms;
    }
    const Status status = validateServiceCheck(check, m_probers);
    QCOMPARE(status.code(), StatusCode::InvalidArgument);
    QVERIFY2(QString::fromStdString(status.message()).startsWith(expected),
             status.message().c_str());
}

void HealthMonitorTest::instanceOverrides() {
    registry::Instance instance;
    instance.service = "web";
    instance.id = "a";
    instance.address = "10.0.0.1:8080";
    instance.metadata = {{"health.port", "9090"},        {"health.path", "/ready"},
                         {"health.rise", "5"},           {"health.interval", "2s"},
                         {"health.initial", "critical"}, {"version", "2"}};
    auto definition = checkForInstance(httpCheck(1s, 2, 3), instance);
    QVERIFY2(definition.isOk(), definition.status().message().c_str());
    QVERIFY(definition->has_value());
    const CheckDefinition &check = **definition;
    QCOMPARE(check.id, std::string("web/a"));
    QCOMPARE(check.probe.host, std::string("10.0.0.1"));
    QCOMPARE(check.probe.port, std::uint16_t(9090));
    QCOMPARE(check.probe.options.at("path"), std::string("/ready"));
    QCOMPARE(check.params.rise, 5u);
    QCOMPARE(check.params.fall, 3u);
    QCOMPARE(check.params.interval, std::chrono::milliseconds(2000));
    QCOMPARE(check.params.initialState, HealthState::Critical);

    instance.metadata = {{"health.rise", "0"}};
    const auto bad = checkForInstance(httpCheck(1s, 2, 3), instance);
    QCOMPARE(bad.status().code(), StatusCode::InvalidArgument);
    QVERIFY(bad.status().message().find("metadata.health.rise") != std::string::npos);

    instance.metadata = {{"health.disabled", "true"}};
    const auto disabled = checkForInstance(httpCheck(1s, 2, 3), instance);
    QVERIFY(disabled.isOk());
    QVERIFY(!disabled->has_value());
}

void HealthMonitorTest::ejectionSurvivesARestartUntilItsTime() {
    HealthMonitorOptions options;
    options.outlier.consecutiveFailures = 2;
    options.outlier.baseEjectionTime = 1500ms;
    options.outlier.maxEjectedShare = 0.5;
    startMonitor(options);
    registerInstance("a", 9);
    registerInstance("b", 9);
    // The monitor learns of registrations asynchronously; reports before that are ignored.
    QVERIFY(aegis::testing::pollUntil(
        [&] {
            return m_monitor->recordOutcomes("web", {{"a", 0, 2, 2}}).size() == 1;
        },
        5000ms));
    QVERIFY(aegis::testing::pollUntil([&] { return instance("a")->health.ejected; }, 5000ms));

    stopMonitor();
    m_store->close();
    m_registry.reset();
    m_store.reset();
    openStore();
    startMonitor(options);
    m_monitor->sweep();
    QVERIFY(instance("a")->health.ejected); // not over yet
    QVERIFY(!instance("a")->routable);
    QVERIFY(aegis::testing::pollUntil(
        [&] {
            m_monitor->sweep();
            return !instance("a")->health.ejected;
        },
        5000ms));
    QVERIFY(instance("a")->routable);
}

void HealthMonitorTest::reRegistrationStartsFresh() {
    health::testing::TestHttpServer a;
    HealthMonitorOptions options;
    options.outlier.consecutiveFailures = 2;
    options.outlier.baseEjectionTime = 60s;
    options.outlier.maxEjectedShare = 0.5;
    startMonitor(options);
    registerInstance("a", a.port());
    registerInstance("b", a.port());
    setCheck("web", httpCheck(100ms, 1, 1));
    QVERIFY(
        aegis::testing::pollUntil([&] { return statusIs("a", HealthStatus::Passing); }, 5000ms));
    QCOMPARE(m_monitor->recordOutcomes("web", {{"a", 0, 2, 2}}).size(), std::size_t(1));
    QVERIFY(aegis::testing::pollUntil([&] { return instance("a")->health.ejected; }, 5000ms));

    std::promise<Status> removed;
    m_registry->deregister("web", "a", registry::reason::kDeregistered,
                           [&](auto r) { removed.set_value(r.status()); });
    QVERIFY(removed.get_future().get().isOk());
    QVERIFY(aegis::testing::pollUntil([&] { return m_monitor->checkCount() == 1; }, 5000ms));
    registerInstance("a", a.port());
    // Checked again, and its earlier life's ejection is not carried over.
    QVERIFY(aegis::testing::pollUntil(
        [&] {
            const auto detail = m_monitor->detail("web", "a");
            return detail && detail->snapshot.probeCount >= 3 &&
                   statusIs("a", HealthStatus::Passing);
        },
        5000ms));
    QVERIFY(!instance("a")->health.ejected);
    QVERIFY(instance("a")->routable);
}

void HealthMonitorTest::initialStateOverrideIsPublished() {
    health::testing::TestHttpServer a;
    startMonitor();
    registerInstance("a", a.port(), {{"health.initial", "critical"}, {"health.rise", "100"}});
    registerInstance("b", a.port());
    registerInstance("c", a.port());
    setCheck("web", httpCheck(100ms, 1, 1));
    QVERIFY(aegis::testing::pollUntil([&] { return instance("a")->health.checked; }, 5000ms));
    // Until it has passed 100 times it is what it declared itself: critical, out of rotation.
    QCOMPARE(instance("a")->health.status, HealthStatus::Critical);
    QVERIFY(!instance("a")->routable);
    QVERIFY(
        aegis::testing::pollUntil([&] { return statusIs("b", HealthStatus::Passing); }, 5000ms));
}

void HealthMonitorTest::changesByAnotherWriterApply() {
    // Another replica's writes reach this monitor only through the store: written here straight
    // to the store, bypassing setCheck()/deleteCheck().
    health::testing::TestHttpServer a;
    startMonitor();
    registerInstance("a", a.port());
    // Another owner's history of "a" ends at sequence 40: this monitor numbers after it.
    const std::string lastOfOther = HealthMonitor::historyPrefix("web", "a") + "0000000000000040";
    QVERIFY(m_store->commit(store::Transaction().put(lastOfOther, R"({"from":0,"to":1})")).isOk());
    ServiceCheck check = httpCheck(100ms, 1, 1);
    check.panicThreshold = 0.3;
    QVERIFY(m_store
                ->commit(store::Transaction().put(HealthMonitor::checkKey("web"),
                                                  HealthMonitor::encodeCheck(check)))
                .isOk());
    QVERIFY(
        aegis::testing::pollUntil([&] { return statusIs("a", HealthStatus::Passing); }, 5000ms));
    QCOMPARE(m_monitor->check("web")->check.panicThreshold, 0.3);
    auto history = m_store->rangePrefix(HealthMonitor::historyPrefix("web", "a"));
    QVERIFY(history.isOk());
    QVERIFY(history->kvs.size() >= 2);
    QCOMPARE(history->kvs.front().key, lastOfOther);
    QCOMPARE(history->kvs.at(1).key, HealthMonitor::historyPrefix("web", "a") + "0000000000000041");

    QVERIFY(m_store->commit(store::Transaction().remove(HealthMonitor::checkKey("web"))).isOk());
    QVERIFY(aegis::testing::pollUntil(
        [&] {
            const auto found = instance("a");
            return found && !found->health.checked && m_monitor->checkCount() == 0;
        },
        5000ms));
    QVERIFY(!m_monitor->check("web"));
    QCOMPARE(instance("a")->health.status, HealthStatus::Unknown);
}

void HealthMonitorTest::aReplicaThatDoesNotOwnAnInstanceKeepsItsOwnersResults() {
    // Another replica owns "a" and has recorded it passing; this replica's callers eject it.
    health::testing::TestHttpServer a;
    registerInstance("a", a.port());
    registry::InstanceHealth recorded;
    recorded.status = HealthStatus::Passing;
    recorded.checked = true;
    recorded.reason = "2 consecutive passes";
    std::promise<Status> written;
    m_registry->updateHealth("web", "a", recorded, {},
                             [&](Status status) { written.set_value(status); });
    QVERIFY(written.get_future().get().isOk());
    HealthMonitorOptions options;
    options.owns = [](std::string_view) { return false; };
    options.outlier.consecutiveFailures = 3;
    options.outlier.baseEjectionTime = 100ms;
    options.outlier.maxEjectedShare = 1.0;
    startMonitor(options);
    QCOMPARE(m_monitor->recordOutcomes("web", {{"a", 0, 3, 3}}), std::vector<std::string>{"a"});
    QVERIFY(aegis::testing::pollUntil([&] { return instance("a")->health.ejected; }, 5000ms));
    // The ejection keeps the owner's results, and only the owner ends it (at its time).
    QVERIFY(statusIs("a", HealthStatus::Passing));
    QVERIFY(instance("a")->health.checked);
    QVERIFY(!aegis::testing::pollUntil(
        [&] {
            m_monitor->sweep();
            return !instance("a")->health.ejected;
        },
        1000ms));
}

QTEST_GUILESS_MAIN(HealthMonitorTest)
#include "tst_health_monitor.moc"
