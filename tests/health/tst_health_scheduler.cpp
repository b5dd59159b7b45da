// HealthScheduler on a real io_context pool against local servers: rise/fall through real probes,
// events, connection reuse, ttl reports, deregister-after, and many checks at once.

#include "health/health_scheduler.h"
#include "loopback_ports.h"
#include "poll_until.h"
#include "test_servers.h"

#include <QtTest>

#include <vector>

using namespace aegis;
using namespace aegis::health;
using namespace std::chrono_literals;
using aegis::health::testing::TestHttpServer;
using aegis::testing::pollUntil;
namespace asio = boost::asio;

namespace {

class IoPool {
public:
    explicit IoPool(int threads)
        : m_work(asio::make_work_guard(m_io)) {
        for (int i = 0; i < threads; ++i) {
            m_threads.emplace_back([this] { m_io.run(); });
        }
    }
    ~IoPool() {
        m_work.reset();
        m_io.stop();
        for (auto &thread : m_threads) {
            thread.join();
        }
    }
    asio::io_context &io() { return m_io; }

private:
    asio::io_context m_io;
    asio::executor_work_guard<asio::io_context::executor_type> m_work;
    std::vector<std::thread> m_threads;
};

// Collects what the scheduler announces, from its io threads.
struct Recorder {
    std::mutex mutex;
    std::vector<std::pair<std::string, HealthEvent>> events;
    std::vector<std::string> deregistrations;

    HealthSchedulerOptions options() {
        HealthSchedulerOptions o;
        o.onEvent = [this](const std::string &id, const HealthEvent &event) {
            std::lock_guard lock(mutex);
            events.emplace_back(id, event);
        };
        o.onDeregisterDue = [this](const std::string &id, std::uint64_t) {
            std::lock_guard lock(mutex);
            deregistrations.push_back(id);
        };
        return o;
    }
    std::vector<HealthState> statesOf(const std::string &id) {
        std::lock_guard lock(mutex);
        std::vector<HealthState> states;
        for (const auto &[eventId, event] : events) {
            if (eventId == id) {
                states.push_back(event.to);
            }
        }
        return states;
    }
    std::size_t deregistrationCount() {
        std::lock_guard lock(mutex);
        return deregistrations.size();
    }
};

CheckParams fastParams(unsigned rise = 2, unsigned fall = 2) {
    CheckParams p;
    p.interval = 30ms;
    p.timeout = 1s;
    p.rise = rise;
    p.fall = fall;
    p.jitter = 10ms;
    p.flap.maxTransitions = 0;
    return p;
}

CheckDefinition httpCheck(const std::string &id, std::uint16_t port) {
    return {id, {"http", "127.0.0.1", port, {{"path", "/health"}}}, fastParams()};
}

} // namespace

class TestHealthScheduler : public QObject {
    Q_OBJECT

private:
    ProberRegistry m_probers;
    ClockPtr m_clock = std::make_shared<SystemClock>();

    static bool stateIs(HealthScheduler &scheduler, const std::string &id, HealthState state) {
        auto snapshot = scheduler.snapshot(id);
        return snapshot && snapshot->state == state;
    }

private slots:
    void initTestCase() { registerBuiltinProbers(m_probers); }

    void rejectsBadDefinitions() {
        IoPool pool(1);
        HealthScheduler scheduler(pool.io(), m_probers, m_clock, {});
        auto definition = httpCheck("a", 80);
        definition.params.interval = 0ms;
        QCOMPARE(scheduler.addCheck(definition).code(), StatusCode::InvalidArgument);
        definition = httpCheck("a", 80);
        definition.params.jitter = 1h;
        QCOMPARE(scheduler.addCheck(definition).code(), StatusCode::InvalidArgument);
        definition = httpCheck("a", 80);
        definition.probe.kind = "carrier-pigeon";
        QCOMPARE(scheduler.addCheck(definition).code(), StatusCode::InvalidArgument);
        QVERIFY(scheduler.addCheck(httpCheck("a", 80)).isOk());
        QCOMPARE(scheduler.addCheck(httpCheck("a", 80)).code(), StatusCode::AlreadyExists);
        QCOMPARE(scheduler.removeCheck("b").code(), StatusCode::NotFound);
        QCOMPARE(scheduler.report("a", {HealthState::Passing, ""}).code(),
                 StatusCode::FailedPrecondition);
        QVERIFY(scheduler.removeCheck("a").isOk());
        QCOMPARE(scheduler.checkCount(), std::size_t(0));
        QVERIFY(!scheduler.snapshot("a"));
    }

    void httpCheckRisesAndFalls() {
        TestHttpServer server;
        IoPool pool(2);
        Recorder recorder;
        HealthScheduler scheduler(pool.io(), m_probers, m_clock, recorder.options());
        QVERIFY(scheduler.addCheck(httpCheck("svc/a", server.port())).isOk());

        QVERIFY(pollUntil([&] { return stateIs(scheduler, "svc/a", HealthState::Passing); }));
        QVERIFY(server.requests() >= 2);

        server.respondWith(503);
        QVERIFY(pollUntil([&] { return stateIs(scheduler, "svc/a", HealthState::Critical); }));
        auto snapshot = scheduler.snapshot("svc/a");
        QCOMPARE(snapshot->lastOutput, std::string("HTTP 503"));
        QCOMPARE(snapshot->history.size(), std::size_t(2));

        server.respondWith(429);
        QVERIFY(pollUntil([&] { return stateIs(scheduler, "svc/a", HealthState::Warning); }));

        QCOMPARE(recorder.statesOf("svc/a"),
                 (std::vector<HealthState>{HealthState::Passing, HealthState::Critical,
                                           HealthState::Warning}));
        // Every probe went over the one kept-alive connection.
        QCOMPARE(server.connections(), 1);
    }

    void ttlCheckFollowsReportsAndExpires() {
        IoPool pool(1);
        Recorder recorder;
        HealthScheduler scheduler(pool.io(), m_probers, m_clock, recorder.options());
        CheckDefinition definition{"svc/ttl", {"ttl", "", 0, {{"ttl", "300ms"}}}, fastParams(1, 1)};
        QVERIFY(scheduler.addCheck(definition).isOk());
        QVERIFY(scheduler.report("svc/ttl", {HealthState::Passing, "all good"}).isOk());
        QVERIFY(pollUntil([&] { return stateIs(scheduler, "svc/ttl", HealthState::Passing); }));
        // No further reports: the TTL runs out.
        QVERIFY(pollUntil([&] { return stateIs(scheduler, "svc/ttl", HealthState::Critical); }));
        QVERIFY(scheduler.snapshot("svc/ttl")->lastOutput.find("expired") != std::string::npos);
    }

    // A report applies when it arrives, not at the next probe: with a one-hour interval and the
    // default rise 2 / fall 3, each report flips the state within the poll's deadline.
    void ttlReportAppliesAtOnce() {
        IoPool pool(1);
        Recorder recorder;
        HealthScheduler scheduler(pool.io(), m_probers, m_clock, recorder.options());
        CheckParams params;
        params.interval = 1h;
        params.jitter = 0ms;
        CheckDefinition definition{"svc/ttl", {"ttl", "", 0, {{"ttl", "2h"}}}, params};
        QVERIFY(scheduler.addCheck(definition).isOk());
        QVERIFY(pollUntil([&] { return scheduler.snapshot("svc/ttl")->probeCount == 1; }));
        QVERIFY(stateIs(scheduler, "svc/ttl", HealthState::Unknown));

        QVERIFY(scheduler.report("svc/ttl", {HealthState::Passing, "all good"}).isOk());
        QVERIFY(pollUntil([&] { return stateIs(scheduler, "svc/ttl", HealthState::Passing); }, 2s));
        QVERIFY(scheduler.report("svc/ttl", {HealthState::Critical, "db down"}).isOk());
        QVERIFY(
            pollUntil([&] { return stateIs(scheduler, "svc/ttl", HealthState::Critical); }, 2s));
        QCOMPARE(scheduler.snapshot("svc/ttl")->lastOutput, std::string("db down"));
        QVERIFY(scheduler.report("svc/ttl", {HealthState::Warning, "slow"}).isOk());
        QVERIFY(pollUntil([&] { return stateIs(scheduler, "svc/ttl", HealthState::Warning); }, 2s));
        // Reports are not probes: the one probe so far is the first.
        QCOMPARE(scheduler.snapshot("svc/ttl")->probeCount, std::uint64_t(1));
        QCOMPARE(recorder.statesOf("svc/ttl"),
                 (std::vector<HealthState>{HealthState::Passing, HealthState::Critical,
                                           HealthState::Warning}));
    }

    void deregisterAfterIsAnnouncedOnce() {
        IoPool pool(1);
        Recorder recorder;
        HealthScheduler scheduler(pool.io(), m_probers, m_clock, recorder.options());
        const aegis::testing::RefusingLoopbackAddress gone;
        CheckDefinition definition{
            "svc/gone", {"tcp", "127.0.0.1", gone.port(), {}}, fastParams(1, 1)};
        definition.params.deregisterAfter = 100ms;
        QVERIFY(scheduler.addCheck(definition).isOk());
        QVERIFY(pollUntil([&] { return recorder.deregistrationCount() >= 1; }));
        // Probing continues; the announcement is not repeated while it stays critical.
        const auto probesSoFar = scheduler.snapshot("svc/gone")->probeCount;
        QVERIFY(pollUntil(
            [&] { return scheduler.snapshot("svc/gone")->probeCount >= probesSoFar + 3; }));
        QCOMPARE(recorder.deregistrationCount(), std::size_t(1));
        QCOMPARE(scheduler.snapshot("svc/gone")->state, HealthState::Critical);
    }

    void manyChecksEachKeepOneConnection() {
        TestHttpServer server;
        IoPool pool(2);
        HealthScheduler scheduler(pool.io(), m_probers, m_clock, {});
        constexpr int kChecks = 200;
        for (int i = 0; i < kChecks; ++i) {
            auto definition = httpCheck("svc/" + std::to_string(i), server.port());
            definition.params.interval = 100ms;
            definition.params.jitter = 100ms;
            QVERIFY(scheduler.addCheck(definition).isOk());
        }
        QVERIFY(pollUntil(
            [&] {
                for (int i = 0; i < kChecks; ++i) {
                    if (!stateIs(scheduler, "svc/" + std::to_string(i), HealthState::Passing)) {
                        return false;
                    }
                }
                return true;
            },
            20s));
        QCOMPARE(server.connections(), kChecks);
        for (int i = 0; i < kChecks; i += 2) {
            QVERIFY(scheduler.removeCheck("svc/" + std::to_string(i)).isOk());
        }
        QCOMPARE(scheduler.checkCount(), std::size_t(kChecks / 2));
    }
};

QTEST_GUILESS_MAIN(TestHealthScheduler)
#include "tst_health_scheduler.moc"
