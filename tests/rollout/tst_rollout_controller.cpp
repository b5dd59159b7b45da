// The rollout state machine with an injected clock: a real SQLite store and registry, a small
// driver that "deploys" by registering instances, and a router that records the splits it is
// given (the real drivers and routers have their own tests against real processes and HAProxy).

#include "audit/audit_log.h"
#include "daemon_process.h"
#include "fake_extensions.h"
#include "poll_until.h"
#include "registry/registry.h"
#include "rollout/audit_log_sink.h"
#include "rollout/registry_instance_source.h"
#include "rollout/registry_router.h"
#include "rollout/rollout_controller.h"
#include "rollout/rollout_watch.h"
#include "store/sqlite_store.h"
#include "store/watch_hub.h"

#include <QtTest>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>

#include <algorithm>
#include <future>
#include <mutex>
#include <thread>

using namespace aegis;
using namespace aegis::rollout;
using namespace std::chrono_literals;

using fakes::RecordingRouter;
using fakes::RegisteringDriver;

namespace {

// Answers with every alert it holds, whatever the service: the controller does the matching.
class MemoryAlertSource final : public AlertSource {
public:
    std::vector<FiringAlert> firing(const std::string &) const override {
        std::lock_guard lock(m_mutex);
        return m_alerts;
    }
    void set(std::vector<FiringAlert> alerts) {
        std::lock_guard lock(m_mutex);
        m_alerts = std::move(alerts);
    }

private:
    mutable std::mutex m_mutex;
    std::vector<FiringAlert> m_alerts;
};

FiringAlert alert(const std::string &name,
                  std::vector<std::pair<std::string, std::string>> labels) {
    labels.insert(labels.begin(), {"alertname", name});
    return {name, std::move(labels)};
}

} // namespace

class RolloutControllerTest : public QObject {
    Q_OBJECT

private slots:
    void init();
    void cleanup();
    void blueGreenGoesLiveAndScalesTheOldColourDown();
    void approvalWaitsForPromote();
    void canaryStepsMoveTrafficInOrder();
    void abortAtEveryPhaseReturnsTrafficToBlue_data();
    void abortAtEveryPhaseReturnsTrafficToBlue();
    void criticalNewInstanceRollsBackOnItsOwn();
    void criticalDuringBakeRollsBack();
    void progressDeadlineRollsBack();
    void failedProvisioningRollsBack();
    void oneActiveRolloutPerService();
    void badSpecsAreRefused();
    void pauseHoldsAndResumeContinues();
    void undoReturnsToTheWarmColour();
    void retryRunsARolledBackRolloutAgain();
    void restartResumesWhereItStopped();
    void restartFinishesAnAbort();
    void leadershipMovesToAnotherReplicaAndBack();
    void restartLogsTheAdoptionInTheRolloutLog();
    void neverRoutesToAColourWithoutInstances();
    void firstReleaseDeploysBlue();
    void firstRolloutHoldsTheNewColourAtZero_data();
    void firstRolloutHoldsTheNewColourAtZero();
    void routerFailuresRollBack();
    void lateDriverCompletionDoesNotMoveALaterAttempt();
    void watchYieldsOneServicesDecodedChanges();
    void firingAlertFailsACanaryStep();
    void alertsOfOtherServicesAndTheStableColourPass();
    void firingAlertFailsTheBake();

private:
    void open();
    void close();
    void registerBlue(int count, const std::string &version = "1.0");
    void setHealth(const std::string &id, registry::HealthStatus status);
    StatusOr<Rollout> start(RolloutSpec spec);
    StatusOr<Rollout> act(const std::string &id, Action action);
    Rollout current(const std::string &id);
    // Ticks until the rollout reaches `phase` (advancing nothing).
    bool reaches(const std::string &id, Phase phase);
    // Registers green, makes it pass and lets healthy_for elapse: the rollout leaves Verifying.
    void passVerification(const std::string &id, int replicas = 2);
    RolloutSpec spec(const std::string &version = "2.0");

    std::unique_ptr<testing::TempDir> m_dir;
    std::shared_ptr<ManualClock> m_clock;
    std::unique_ptr<store::SqliteStore> m_store;
    std::unique_ptr<registry::Registry> m_registry;
    std::unique_ptr<audit::AuditLog> m_audit;
    std::unique_ptr<RegistryInstanceSource> m_instances;
    std::unique_ptr<AuditLogSink> m_auditSink;
    MemoryAlertSource m_alerts;
    std::unique_ptr<boost::asio::io_context> m_io;
    std::unique_ptr<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>>
        m_work;
    std::vector<std::thread> m_threads;
    std::shared_ptr<RegisteringDriver> m_driver;
    std::shared_ptr<RecordingRouter> m_router;
    std::unique_ptr<ExtensionRegistry> m_extensions;
    std::unique_ptr<RolloutController> m_controller;
    // Other replicas' controllers on the same store; they go with m_controller.
    std::vector<std::unique_ptr<RolloutController>> m_replicas;
};

void RolloutControllerTest::open() {
    auto store = store::SqliteStore::open({m_dir->path() / "aegis.db"});
    QVERIFY2(store.isOk(), store.status().message().c_str());
    m_store = std::move(*store);
    m_registry = std::make_unique<registry::Registry>(*m_store, m_clock);
    QVERIFY(m_registry->load().isOk());
    m_audit = std::make_unique<audit::AuditLog>(*m_store, m_clock);
    QVERIFY(m_audit->load().isOk());
    m_io = std::make_unique<boost::asio::io_context>();
    m_work =
        std::make_unique<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>>(
            m_io->get_executor());
    for (int i = 0; i < 2; ++i) {
        m_threads.emplace_back([this] { m_io->run(); });
    }
    m_driver = std::make_shared<RegisteringDriver>(*m_registry, *m_io);
    m_router = std::make_shared<RecordingRouter>(*m_io);
    m_extensions = std::make_unique<ExtensionRegistry>();
    QVERIFY(m_extensions->addDriver(m_driver).isOk());
    QVERIFY(m_extensions->addRouter(m_router).isOk());
    m_instances = std::make_unique<RegistryInstanceSource>(*m_registry);
    m_auditSink = std::make_unique<AuditLogSink>(*m_audit);
    // Default intervals: router retries and the abort's patience run on the manual clock.
    m_controller = std::make_unique<RolloutController>(*m_store, *m_instances, nullptr, &m_alerts,
                                                       *m_auditSink, *m_extensions, *m_io, m_clock);
    QVERIFY(m_controller->start().isOk());
}

void RolloutControllerTest::close() {
    m_controller->stop();
    m_work.reset();
    m_io->stop();
    for (auto &thread : m_threads) {
        thread.join();
    }
    m_threads.clear();
    // Queued commits complete (into the controller's strand) before the controller goes.
    m_store->close();
    m_replicas.clear();
    m_controller.reset();
    m_extensions.reset();
    m_auditSink.reset();
    m_instances.reset();
    m_audit.reset();
    m_registry.reset();
    m_store.reset();
    m_io.reset();
}

void RolloutControllerTest::init() {
    m_dir = std::make_unique<testing::TempDir>();
    m_clock = std::make_shared<ManualClock>();
    open();
}

void RolloutControllerTest::cleanup() {
    close();
    m_dir.reset();
}

void RolloutControllerTest::registerBlue(int count, const std::string &version) {
    for (int i = 1; i <= count; ++i) {
        registry::Registration r;
        r.instance.service = "shop";
        r.instance.id = RegisteringDriver::instanceId("shop", Color::Blue, i);
        r.instance.address = "127.0.0.1:" + std::to_string(10000 + i);
        r.instance.labels = {{"version", version}, {"color", "blue"}};
        r.ttl = 3600s;
        std::promise<StatusOr<registry::Registered>> registered;
        m_registry->registerInstance(
            r, [&](StatusOr<registry::Registered> result) { registered.set_value(result); });
        QVERIFY(registered.get_future().get().isOk());
    }
}

void RolloutControllerTest::setHealth(const std::string &id, registry::HealthStatus status) {
    registry::InstanceHealth health;
    health.status = status;
    health.checked = true;
    health.output = status == registry::HealthStatus::Critical ? "HTTP 503" : "HTTP 200";
    std::promise<Status> updated;
    m_registry->updateHealth("shop", id, health, {}, [&](Status s) { updated.set_value(s); });
    QVERIFY(updated.get_future().get().isOk());
}

RolloutSpec RolloutControllerTest::spec(const std::string &version) {
    RolloutSpec s;
    s.service = "shop";
    s.version = version;
    s.driver = "fake";
    s.router = "recording";
    s.healthyFor = 5s;
    s.scaleDownDelay = 30s;
    s.progressDeadline = 10min;
    return s;
}

StatusOr<Rollout> RolloutControllerTest::start(RolloutSpec s) {
    std::promise<StatusOr<Rollout>> started;
    m_controller->startRollout(std::move(s), Actor{"alice", {}},
                               [&](StatusOr<Rollout> r) { started.set_value(std::move(r)); });
    return started.get_future().get();
}

StatusOr<Rollout> RolloutControllerTest::act(const std::string &id, Action action) {
    std::promise<StatusOr<Rollout>> acted;
    m_controller->act(id, action, "test", Actor{"bob", {}},
                      [&](StatusOr<Rollout> r) { acted.set_value(std::move(r)); });
    return acted.get_future().get();
}

Rollout RolloutControllerTest::current(const std::string &id) {
    auto rollout = m_controller->get(id);
    return rollout ? *rollout : Rollout{};
}

bool RolloutControllerTest::reaches(const std::string &id, Phase phase) {
    return testing::pollUntil(
        [&] {
            m_controller->tick();
            return current(id).phase == phase;
        },
        5000ms);
}

void RolloutControllerTest::passVerification(const std::string &id, int replicas) {
    QVERIFY(reaches(id, Phase::Verifying));
    for (int i = 1; i <= replicas; ++i) {
        setHealth(RegisteringDriver::instanceId("shop", Color::Green, i),
                  registry::HealthStatus::Passing);
    }
    m_controller->tick(); // the healthy window opens
    QVERIFY(testing::pollUntil([&] {
        m_controller->tick();
        return current(id).healthyInstances == replicas || current(id).phase != Phase::Verifying;
    }));
    m_clock->advance(5s);
}

void RolloutControllerTest::blueGreenGoesLiveAndScalesTheOldColourDown() {
    // Blue deployed by a first release, so that the scale-down has something to tear down.
    RolloutSpec first = spec("1.0");
    first.replicas = 2;
    const std::string firstId = start(first)->id;
    QVERIFY(reaches(firstId, Phase::Verifying));
    setHealth("shop-blue-1", registry::HealthStatus::Passing);
    setHealth("shop-blue-2", registry::HealthStatus::Passing);
    m_controller->tick();
    m_clock->advance(6s);
    QVERIFY(reaches(firstId, Phase::Succeeded));

    auto started = start(spec());
    QVERIFY2(started.isOk(), started.status().message().c_str());
    const std::string id = started->id;
    QCOMPARE(id, std::string("shop-2"));
    QCOMPARE(started->spec.replicas, 2); // as many as blue runs
    QVERIFY(started->stableColor == Color::Blue);
    QVERIFY(started->newColor == Color::Green);

    passVerification(id);
    QVERIFY(reaches(id, Phase::Succeeded));
    QCOMPARE(*m_router->last(), TrafficSplit::allOn(Color::Green));
    const Rollout done = current(id);
    QCOMPARE(done.traffic, TrafficSplit::allOn(Color::Green));
    std::vector<Phase> phases;
    for (const Transition &t : done.transitions) {
        phases.push_back(t.phase);
    }
    QCOMPARE(phases, (std::vector<Phase>{Phase::Pending, Phase::Provisioning, Phase::Verifying,
                                         Phase::Switching, Phase::Baking, Phase::Finalizing,
                                         Phase::Succeeded}));
    auto releases = m_controller->releases();
    QVERIFY(releases.isOk());
    QCOMPARE(releases->first.size(), std::size_t{1});
    const Release &release = releases->first.front();
    QVERIFY(release.liveColor == Color::Green);
    QCOMPARE(release.liveVersion, std::string("2.0"));
    QVERIFY(release.activeRolloutId.empty());
    QCOMPARE(release.deployments.at(Color::Green).driverState, std::string("state-of-2.0"));

    // Every transition is audited.
    auto audit = m_audit->list({}, 100, {});
    QVERIFY(audit.isOk());
    int transitions = 0;
    for (const auto &record : audit->records) {
        transitions += record.resource == "rollouts/shop-2" ? 1 : 0;
    }
    QCOMPARE(transitions, 7); // created (no API record here), then six moves

    // Blue stays warm for the scale-down delay, then goes.
    m_controller->tick();
    QVERIFY(m_driver->teardownList().empty());
    m_clock->advance(31s);
    QVERIFY(testing::pollUntil([&] {
        m_controller->tick();
        return m_driver->teardownList() == std::vector<std::string>{"blue:1.0"};
    }));
    QVERIFY(testing::pollUntil([&] {
        auto r = m_controller->releases();
        return r && !r->first.front().scaleDownColor;
    }));
    // Undo is no longer possible, and the refusal gives the reason the rollout's available
    // actions give.
    const auto refused = act(id, Action::Undo);
    QCOMPARE(refused.status().code(), StatusCode::FailedPrecondition);
    const auto actions = m_controller->availableActions(current(id));
    QVERIFY(actions.isOk());
    QCOMPARE(actions->size(), kActions.size());
    const ActionAvailability &undo = actions->at(static_cast<std::size_t>(Action::Undo));
    QVERIFY(undo.action == Action::Undo && !undo.enabled);
    QVERIFY2(refused.status().message() == refusal(current(id), undo),
             refused.status().message().c_str());
}

void RolloutControllerTest::approvalWaitsForPromote() {
    registerBlue(2);
    RolloutSpec s = spec();
    s.requireApproval = true;
    const std::string id = start(s)->id;
    passVerification(id);
    QVERIFY(reaches(id, Phase::AwaitingApproval));
    m_clock->advance(1h);
    m_controller->tick();
    QCOMPARE(current(id).phase, Phase::AwaitingApproval);
    QVERIFY(!m_router->last() || *m_router->last() == TrafficSplit::allOn(Color::Blue));
    auto promoted = act(id, Action::Promote);
    QVERIFY2(promoted.isOk(), promoted.status().message().c_str());
    QVERIFY(reaches(id, Phase::Succeeded));
    QCOMPARE(*m_router->last(), TrafficSplit::allOn(Color::Green));
    // Nothing left to promote.
    QCOMPARE(act(id, Action::Promote).status().code(), StatusCode::FailedPrecondition);
}

void RolloutControllerTest::canaryStepsMoveTrafficInOrder() {
    registerBlue(2);
    RolloutSpec s = spec();
    s.strategy = Strategy::Canary;
    s.steps = {{10, 60s, false}, {50, 0ms, true}, {100, 0ms, false}};
    s.bakeTime = 30s;
    const std::string id = start(s)->id;
    passVerification(id);
    QVERIFY(testing::pollUntil([&] {
        m_controller->tick();
        return m_router->last() == TrafficSplit{90, 10};
    }));
    m_clock->advance(59s);
    m_controller->tick();
    QCOMPARE(*m_router->last(), (TrafficSplit{90, 10}));
    m_clock->advance(2s);
    QVERIFY(testing::pollUntil([&] {
        m_controller->tick();
        return m_router->last() == TrafficSplit{50, 50};
    }));
    // Held until promoted.
    m_clock->advance(1h);
    m_controller->tick();
    QCOMPARE(current(id).phase, Phase::Switching);
    QVERIFY(act(id, Action::Promote).isOk());
    QVERIFY(reaches(id, Phase::Baking));
    QCOMPARE(*m_router->last(), TrafficSplit::allOn(Color::Green));
    m_clock->advance(31s);
    QVERIFY(reaches(id, Phase::Succeeded));
    // Held on blue before green was provisioned, then the steps.
    QCOMPARE(m_router->all(), (std::vector<TrafficSplit>{{100, 0}, {90, 10}, {50, 50}, {0, 100}}));
}

void RolloutControllerTest::abortAtEveryPhaseReturnsTrafficToBlue_data() {
    QTest::addColumn<int>("phase");
    QTest::newRow("provisioning") << static_cast<int>(Phase::Provisioning);
    QTest::newRow("verifying") << static_cast<int>(Phase::Verifying);
    QTest::newRow("awaiting approval") << static_cast<int>(Phase::AwaitingApproval);
    QTest::newRow("switching (canary pause)") << static_cast<int>(Phase::Switching);
    QTest::newRow("baking") << static_cast<int>(Phase::Baking);
}

void RolloutControllerTest::abortAtEveryPhaseReturnsTrafficToBlue() {
    QFETCH(int, phase);
    const Phase at = static_cast<Phase>(phase);
    registerBlue(2);
    RolloutSpec s = spec();
    s.requireApproval = at == Phase::AwaitingApproval;
    if (at == Phase::Switching) {
        s.strategy = Strategy::Canary;
        s.steps = {{20, 0ms, true}};
    }
    s.bakeTime = 1h;
    m_driver->hold = at == Phase::Provisioning;
    const std::string id = start(s)->id;
    if (at == Phase::Provisioning) {
        QVERIFY(reaches(id, Phase::Provisioning));
        QVERIFY(testing::pollUntil([&] {
            std::lock_guard lock(m_driver->m_mutex);
            return m_driver->held != nullptr;
        }));
    } else if (at == Phase::Verifying) {
        QVERIFY(reaches(id, Phase::Verifying));
    } else {
        passVerification(id);
        QVERIFY(reaches(id, at));
        if (at == Phase::Switching) {
            QVERIFY(testing::pollUntil([&] {
                m_controller->tick();
                return m_router->last() == TrafficSplit{80, 20};
            }));
        }
    }
    auto aborted = act(id, Action::Abort);
    QVERIFY2(aborted.isOk(), aborted.status().message().c_str());
    QCOMPARE(aborted->phase, Phase::Aborting);
    QVERIFY(reaches(id, Phase::RolledBack));
    QCOMPARE(*m_router->last(), TrafficSplit::allOn(Color::Blue));
    const Rollout done = current(id);
    QVERIFY(done.message.find("aborted by bob") != std::string::npos);
    // The action, its actor and reason are in the rollout's log too.
    QVERIFY(testing::pollUntil([&] {
        const auto log = m_controller->log(id, 0, 1000);
        return log.isOk() &&
               std::any_of(log->first.begin(), log->first.end(),
                           [](const LogLine &line) { return line.line == "aborted by bob: test"; });
    }));
    QCOMPARE(done.traffic, TrafficSplit::allOn(Color::Blue));
    // The driver finishing late changes nothing but records its state (for the teardown).
    m_driver->release();
    QVERIFY(testing::pollUntil([&] {
        auto r = m_controller->releases();
        return r && r->first.front().deployments.count(Color::Green) == 1 &&
               r->first.front().deployments.at(Color::Green).driverState == "state-of-2.0";
    }));
    m_controller->tick();
    QCOMPARE(current(id).phase, Phase::RolledBack);
    const auto release = m_controller->releases()->first.front();
    QVERIFY(release.liveColor == Color::Blue || !release.liveColor);
    QVERIFY(release.activeRolloutId.empty());
    // Green is kept for inspection: nothing was torn down.
    QVERIFY(m_driver->teardownList().empty());
    // Aborting again is refused: it has finished.
    QCOMPARE(act(id, Action::Abort).status().code(), StatusCode::FailedPrecondition);
}

void RolloutControllerTest::criticalNewInstanceRollsBackOnItsOwn() {
    registerBlue(2);
    const std::string id = start(spec())->id;
    QVERIFY(reaches(id, Phase::Verifying));
    setHealth("shop-green-1", registry::HealthStatus::Passing);
    setHealth("shop-green-2", registry::HealthStatus::Critical);
    QVERIFY(reaches(id, Phase::RolledBack));
    const Rollout done = current(id);
    QVERIFY2(done.message.find("shop-green-2") != std::string::npos, done.message.c_str());
    QVERIFY(done.message.find("HTTP 503") != std::string::npos);
    QVERIFY(!m_router->last() || *m_router->last() == TrafficSplit::allOn(Color::Blue));
}

void RolloutControllerTest::criticalDuringBakeRollsBack() {
    registerBlue(2);
    RolloutSpec s = spec();
    s.bakeTime = 10min;
    const std::string id = start(s)->id;
    passVerification(id);
    QVERIFY(reaches(id, Phase::Baking));
    QCOMPARE(*m_router->last(), TrafficSplit::allOn(Color::Green));
    setHealth("shop-green-1", registry::HealthStatus::Critical);
    QVERIFY(reaches(id, Phase::RolledBack));
    QCOMPARE(*m_router->last(), TrafficSplit::allOn(Color::Blue));
    QVERIFY(current(id).message.find("during the bake") != std::string::npos);
}

void RolloutControllerTest::progressDeadlineRollsBack() {
    registerBlue(2);
    RolloutSpec s = spec();
    s.progressDeadline = 2min;
    const std::string id = start(s)->id;
    QVERIFY(reaches(id, Phase::Verifying));
    setHealth("shop-green-1", registry::HealthStatus::Passing);
    setHealth("shop-green-2", registry::HealthStatus::Unknown); // checked, not passing yet
    m_clock->advance(121s);
    QVERIFY2(reaches(id, Phase::RolledBack), current(id).message.c_str());
    const std::string message = current(id).message;
    QVERIFY2(message.find("progress deadline of 2m") != std::string::npos, message.c_str());
    QVERIFY(message.find("1/2") != std::string::npos);
}

void RolloutControllerTest::failedProvisioningRollsBack() {
    registerBlue(1);
    m_driver->failProvision = true;
    const std::string id = start(spec())->id;
    QVERIFY(reaches(id, Phase::RolledBack));
    QVERIFY(current(id).message.find("no capacity") != std::string::npos);
    auto log = m_controller->log(id, 0, 100);
    QVERIFY(log.isOk());
    QVERIFY(!log->first.empty());
    QCOMPARE(log->first.front().line, std::string("rollout created"));
}

void RolloutControllerTest::oneActiveRolloutPerService() {
    registerBlue(1);
    m_driver->hold = true;
    const std::string id = start(spec())->id;
    auto second = start(spec("3.0"));
    QCOMPARE(second.status().code(), StatusCode::FailedPrecondition);
    QVERIFY(second.status().message().find(id) != std::string::npos);
    QVERIFY(act(id, Action::Abort).isOk());
    QVERIFY(reaches(id, Phase::RolledBack));
    auto third = start(spec("3.0"));
    QVERIFY2(third.isOk(), third.status().message().c_str());
    QCOMPARE(third->id, std::string("shop-2"));
    m_driver->release();
}

void RolloutControllerTest::badSpecsAreRefused() {
    struct Case {
        const char *name;
        std::function<void(RolloutSpec &)> edit;
        const char *field;
    };
    const std::vector<Case> cases = {
        {"no service", [](RolloutSpec &s) { s.service.clear(); }, "spec.service"},
        {"no version", [](RolloutSpec &s) { s.version.clear(); }, "spec.version"},
        {"odd version", [](RolloutSpec &s) { s.version = "v 2"; }, "spec.version"},
        {"replicas", [](RolloutSpec &s) { s.replicas = 101; }, "spec.replicas"},
        {"canary without steps", [](RolloutSpec &s) { s.strategy = Strategy::Canary; },
         "spec.steps"},
        {"weight",
         [](RolloutSpec &s) {
             s.steps = {{0, 0ms, false}};
         },
         "spec.steps[0].weight"},
        {"falling weight",
         [](RolloutSpec &s) {
             s.steps = {{50, 0ms, false}, {20, 0ms, false}};
         },
         "spec.steps[1].weight"},
        {"unknown driver", [](RolloutSpec &s) { s.driver = "kubernetes"; }, "spec.driver"},
        {"unknown router", [](RolloutSpec &s) { s.router = "nginx"; }, "spec.router"},
        {"driver params",
         [](RolloutSpec &s) {
             s.driverParams = {{"bad", "1"}};
         },
         "driver_params.bad"},
        {"bake", [](RolloutSpec &s) { s.bakeTime = -1ms; }, "spec.bake_time_ms"},
    };
    for (const Case &c : cases) {
        RolloutSpec s = spec();
        c.edit(s);
        const auto result = start(s);
        QVERIFY2(!result.isOk(), c.name);
        QCOMPARE(result.status().code(), StatusCode::InvalidArgument);
        QVERIFY2(result.status().message().find(c.field) != std::string::npos,
                 (std::string(c.name) + ": " + result.status().message()).c_str());
    }
    QVERIFY(m_controller->releases()->first.empty());
}

void RolloutControllerTest::pauseHoldsAndResumeContinues() {
    registerBlue(2);
    const std::string id = start(spec())->id;
    QVERIFY(reaches(id, Phase::Verifying));
    auto paused = act(id, Action::Pause);
    QVERIFY(paused.isOk());
    QVERIFY(paused->paused);
    setHealth("shop-green-1", registry::HealthStatus::Passing);
    setHealth("shop-green-2", registry::HealthStatus::Passing);
    m_clock->advance(1h); // also past the progress deadline: paused time does not count
    m_controller->tick();
    m_controller->tick();
    QCOMPARE(current(id).phase, Phase::Verifying);
    const auto promoted = act(id, Action::Promote);
    QCOMPARE(promoted.status().code(), StatusCode::FailedPrecondition);
    QVERIFY2(promoted.status().message() == "rollout " + id + " is paused: resume it first",
             promoted.status().message().c_str());
    // Pausing again changes nothing and is accepted.
    QVERIFY(act(id, Action::Pause).isOk());
    QVERIFY(act(id, Action::Resume).isOk());
    m_controller->tick();
    m_clock->advance(6s);
    QVERIFY(reaches(id, Phase::Succeeded));
}

void RolloutControllerTest::undoReturnsToTheWarmColour() {
    registerBlue(2);
    const std::string id = start(spec())->id;
    passVerification(id);
    QVERIFY(reaches(id, Phase::Succeeded));
    QVERIFY(current(id).undoUntil > m_clock->now());
    const auto warm = m_controller->availableActions(current(id));
    QVERIFY(warm.isOk() && warm->at(static_cast<std::size_t>(Action::Undo)).enabled);
    auto undone = act(id, Action::Undo);
    QVERIFY2(undone.isOk(), undone.status().message().c_str());
    QVERIFY(reaches(id, Phase::RolledBack));
    QCOMPARE(*m_router->last(), TrafficSplit::allOn(Color::Blue));
    const auto release = m_controller->releases()->first.front();
    QVERIFY(release.liveColor == Color::Blue);
    QCOMPARE(release.liveVersion, std::string("1.0"));
    QVERIFY(!release.scaleDownColor);
    // Blue is no longer scheduled to go.
    m_clock->advance(1h);
    m_controller->tick();
    m_controller->tick();
    QVERIFY(m_driver->teardownList().empty());
}

void RolloutControllerTest::retryRunsARolledBackRolloutAgain() {
    registerBlue(2);
    const std::string id = start(spec())->id;
    QVERIFY(reaches(id, Phase::Verifying));
    QVERIFY(act(id, Action::Abort).isOk());
    QVERIFY(reaches(id, Phase::RolledBack));
    auto retried = act(id, Action::Retry);
    QVERIFY2(retried.isOk(), retried.status().message().c_str());
    QCOMPARE(retried->attempt, 2);
    passVerification(id);
    QVERIFY(reaches(id, Phase::Succeeded));
    // The same deployment was adopted, not replaced.
    QVERIFY(m_driver->teardownList().empty());
    QCOMPARE(m_driver->lastPrevious, std::string("state-of-2.0"));
}

void RolloutControllerTest::restartResumesWhereItStopped() {
    registerBlue(2);
    RolloutSpec s = spec();
    s.strategy = Strategy::Canary;
    s.steps = {{25, 0ms, true}};
    const std::string id = start(s)->id;
    passVerification(id);
    QVERIFY(testing::pollUntil([&] {
        m_controller->tick();
        return m_router->last() == TrafficSplit{75, 25};
    }));
    close();
    open();
    // The restarted controller adopted both colours' deployments and waits at the same step.
    QVERIFY(testing::pollUntil([&] {
        m_controller->tick();
        return m_driver->provisions >= 1;
    }));
    m_controller->tick();
    QCOMPARE(current(id).phase, Phase::Switching);
    QCOMPARE(current(id).traffic, (TrafficSplit{75, 25}));
    QVERIFY(act(id, Action::Promote).isOk());
    QVERIFY(reaches(id, Phase::Succeeded));
    QCOMPARE(*m_router->last(), TrafficSplit::allOn(Color::Green));
}

void RolloutControllerTest::leadershipMovesToAnotherReplicaAndBack() {
    registerBlue(2);
    RolloutSpec s = spec();
    s.strategy = Strategy::Canary;
    s.steps = {{25, 0ms, true}};
    const std::string id = start(s)->id;
    passVerification(id);
    QVERIFY(testing::pollUntil([&] {
        m_controller->tick();
        return m_router->last() == TrafficSplit{75, 25};
    }));

    // The leader steps down: it stops acting and refuses requests, saying why.
    m_controller->stop("this replica is not the leader");
    const auto refused = act(id, Action::Promote);
    QCOMPARE(refused.status().code(), StatusCode::Unavailable);
    QCOMPARE(refused.status().message(), std::string("this replica is not the leader"));

    // Another replica's controller on the same store takes over from the persisted state, as a
    // restarted daemon does: it waits at the same step.
    auto &next = *m_replicas.emplace_back(std::make_unique<RolloutController>(
        *m_store, *m_instances, nullptr, &m_alerts, *m_auditSink, *m_extensions, *m_io, m_clock));
    const int provisionsBefore = m_driver->provisions;
    QVERIFY(next.start().isOk());
    QVERIFY(testing::pollUntil([&] {
        next.tick();
        return m_driver->provisions > provisionsBefore;
    }));
    next.tick();
    QCOMPARE(current(id).phase, Phase::Switching);
    QCOMPARE(current(id).traffic, (TrafficSplit{75, 25}));

    // Leadership comes back: the first controller forgets what it knew and resumes from the
    // store, so the operator's promote (through it) finishes the rollout.
    next.stop("this replica is not the leader");
    QVERIFY(m_controller->start().isOk());
    QVERIFY(act(id, Action::Promote).isOk());
    QVERIFY(reaches(id, Phase::Succeeded));
    QCOMPARE(*m_router->last(), TrafficSplit::allOn(Color::Green));
}

void RolloutControllerTest::restartLogsTheAdoptionInTheRolloutLog() {
    const std::string id = start(spec("1.0"))->id;
    QVERIFY(reaches(id, Phase::Verifying));
    setHealth("shop-blue-1", registry::HealthStatus::Passing);
    m_controller->tick();
    m_clock->advance(6s);
    QVERIFY(reaches(id, Phase::Succeeded));
    close();
    open();
    // What the next start found of the deployment is in the log of the rollout that deployed it:
    // the adoption, then the driver's own lines about it.
    std::vector<std::string> lines;
    QVERIFY(testing::pollUntil([&] {
        m_controller->tick();
        auto log = m_controller->log(id, 0, 1000);
        lines.clear();
        for (const auto &line : log ? log->first : std::vector<LogLine>{}) {
            lines.push_back(line.line);
        }
        return !lines.empty() && lines.back() == "provisioning 1.0";
    }));
    QVERIFY(lines.size() >= 2);
    QCOMPARE(lines[lines.size() - 2],
             std::string("aegisd started: adopting 1.0 on blue (1 instance)"));
}

void RolloutControllerTest::restartFinishesAnAbort() {
    registerBlue(2);
    RolloutSpec s = spec();
    s.bakeTime = 1h;
    const std::string id = start(s)->id;
    passVerification(id);
    QVERIFY(reaches(id, Phase::Baking));
    QCOMPARE(*m_router->last(), TrafficSplit::allOn(Color::Green));
    // The router is down when the abort comes, and the daemon dies while it retries.
    {
        std::lock_guard lock(m_router->mutex);
        m_router->failing = true;
    }
    QVERIFY(act(id, Action::Abort).isOk());
    m_controller->tick();
    QCOMPARE(current(id).phase, Phase::Aborting);
    close();
    open(); // with a router that works
    QVERIFY(reaches(id, Phase::RolledBack));
    QCOMPARE(*m_router->last(), TrafficSplit::allOn(Color::Blue));
}

void RolloutControllerTest::neverRoutesToAColourWithoutInstances() {
    registerBlue(2);
    const std::string id = start(spec())->id;
    passVerification(id);
    QVERIFY(reaches(id, Phase::Succeeded));
    // Undo while blue has lost every instance: traffic stays on green and the rollout says why.
    for (const char *blue : {"shop-blue-1", "shop-blue-2"}) {
        std::promise<void> gone;
        m_registry->deregister("shop", blue, "deregistered",
                               [&](StatusOr<store::Revision>) { gone.set_value(); });
        gone.get_future().wait();
    }
    QVERIFY(act(id, Action::Undo).isOk());
    QVERIFY(reaches(id, Phase::Failed));
    QCOMPARE(*m_router->last(), TrafficSplit::allOn(Color::Green));
    QVERIFY(current(id).message.find("blue has no routable instance") != std::string::npos);
}

void RolloutControllerTest::firstReleaseDeploysBlue() {
    const std::string id = start(spec("1.0"))->id;
    QVERIFY(!current(id).stableColor);
    QVERIFY(current(id).newColor == Color::Blue);
    QCOMPARE(current(id).spec.replicas, 1);
    QVERIFY(reaches(id, Phase::Verifying));
    setHealth("shop-blue-1", registry::HealthStatus::Passing);
    m_controller->tick();
    m_clock->advance(6s);
    QVERIFY(reaches(id, Phase::Succeeded));
    QCOMPARE(*m_router->last(), TrafficSplit::allOn(Color::Blue));
    QVERIFY(m_controller->releases()->first.front().liveColor == Color::Blue);
    // The next release goes to green, with the driver and router of the first.
    RolloutSpec next = spec("1.1");
    next.driver.clear();
    next.router.clear();
    auto second = start(next);
    QVERIFY(second.isOk());
    QVERIFY(second->newColor == Color::Green);
    QCOMPARE(second->spec.driver, std::string("fake"));
    QCOMPARE(second->spec.router, std::string("recording"));
}

void RolloutControllerTest::firstRolloutHoldsTheNewColourAtZero_data() {
    QTest::addColumn<bool>("labelled");
    QTest::newRow("live colour labelled, no release") << true;
    QTest::newRow("no colour label") << false;
}

// A service whose instances were registered directly, not by a rollout: no split is in effect.
// Its first rollout must still give the new colour no traffic until verified (through the real
// registry router, so the weights are the ones discovery hands out).
void RolloutControllerTest::firstRolloutHoldsTheNewColourAtZero() {
    QFETCH(bool, labelled);
    QVERIFY(
        m_extensions->addRouter(std::make_shared<RegistryRouter>(*m_registry, m_io->get_executor()))
            .isOk());
    for (int i = 1; i <= 2; ++i) {
        registry::Registration r;
        r.instance.service = "shop";
        r.instance.id = "shop-old-" + std::to_string(i);
        r.instance.address = "127.0.0.1:" + std::to_string(10000 + i);
        r.instance.labels = {{"version", "1.0"}};
        if (labelled) {
            r.instance.labels["color"] = "blue";
        }
        r.ttl = 3600s;
        std::promise<StatusOr<registry::Registered>> registered;
        m_registry->registerInstance(
            r, [&](StatusOr<registry::Registered> result) { registered.set_value(result); });
        QVERIFY(registered.get_future().get().isOk());
    }
    // Instance id → traffic weight, as ListInstances answers discovery.
    const auto weights = [this] {
        registry::InstanceQuery query;
        query.service = "shop";
        std::map<std::string, int> result;
        const auto page = m_registry->listInstances(query);
        for (const auto &instance : page ? page->items : std::vector<registry::Instance>{}) {
            result[instance.id] = instance.trafficWeight;
        }
        return result;
    };

    RolloutSpec s = spec();
    s.router = "registry";
    s.replicas = 2;
    const auto started = start(s);
    QVERIFY2(started.isOk(), started.status().message().c_str());
    const std::string id = started->id;
    const Color newColor = labelled ? Color::Green : Color::Blue;
    QVERIFY(started->newColor == newColor);
    const std::string newId1 = RegisteringDriver::instanceId("shop", newColor, 1);
    const std::string newId2 = RegisteringDriver::instanceId("shop", newColor, 2);

    QVERIFY(reaches(id, Phase::Verifying));
    QVERIFY(testing::pollUntil([&] { return weights().size() == 4; }));
    // The old instances keep all the traffic: the colour's whole share, or (unlabelled, outside
    // any colour) their own weights.
    const int old = labelled ? 5000 : 100;
    const std::map<std::string, int> held = {
        {"shop-old-1", old}, {"shop-old-2", old}, {newId1, 0}, {newId2, 0}};
    QCOMPARE(weights(), held);
    const TrafficSplit expected =
        labelled ? TrafficSplit::allOn(Color::Blue) : TrafficSplit::neither();
    QCOMPARE(current(id).traffic, expected);

    // Passing, but not yet for healthy_for: still held.
    setHealth(newId1, registry::HealthStatus::Passing);
    setHealth(newId2, registry::HealthStatus::Passing);
    m_controller->tick();
    QCOMPARE(current(id).phase, Phase::Verifying);
    QCOMPARE(weights(), held);

    m_clock->advance(6s);
    QVERIFY(reaches(id, Phase::Succeeded));
    QCOMPARE(weights().at(newId1), 5000);
    QCOMPARE(weights().at(newId2), 5000);
    if (labelled) {
        QCOMPARE(weights().at("shop-old-1"), 0);
    }
}

void RolloutControllerTest::routerFailuresRollBack() {
    registerBlue(2);
    const std::string id = start(spec())->id;
    // Failing from verification on: holding traffic before provisioning has succeeded.
    QVERIFY(reaches(id, Phase::Verifying));
    {
        std::lock_guard lock(m_router->mutex);
        m_router->failing = true;
    }
    passVerification(id);
    // Each retry waits routerRetryInterval; the abort gives up after abortPatience.
    QVERIFY(testing::pollUntil([&] {
        m_clock->advance(1s);
        m_controller->tick();
        const Phase phase = current(id).phase;
        return phase == Phase::Failed || phase == Phase::RolledBack;
    }));
    // Switching gave up, and the abort could not reach the router either.
    QCOMPARE(current(id).phase, Phase::Failed);
    QVERIFY(current(id).message.find("socket gone") != std::string::npos);
}

void RolloutControllerTest::lateDriverCompletionDoesNotMoveALaterAttempt() {
    registerBlue(2);
    m_driver->hold = true;
    const std::string id = start(spec())->id;
    QVERIFY(testing::pollUntil([&] {
        std::lock_guard lock(m_driver->m_mutex);
        return m_driver->held != nullptr;
    }));
    QVERIFY(act(id, Action::Abort).isOk());
    QVERIFY(reaches(id, Phase::RolledBack));
    m_driver->hold = false;
    QVERIFY(act(id, Action::Retry).isOk());
    // The retry waits for the first attempt's call on green instead of running a second one.
    QVERIFY(reaches(id, Phase::Provisioning));
    m_controller->tick();
    {
        std::lock_guard lock(m_driver->m_mutex);
        QCOMPARE(m_driver->provisions, 1);
    }
    QCOMPARE(current(id).phase, Phase::Provisioning);
    m_driver->release();
    // Only the retry's own provisioning moves it on.
    QVERIFY(testing::pollUntil([&] {
        m_controller->tick();
        std::lock_guard lock(m_driver->m_mutex);
        return m_driver->provisions == 2;
    }));
    passVerification(id);
    QVERIFY(reaches(id, Phase::Succeeded));
}

void RolloutControllerTest::watchYieldsOneServicesDecodedChanges() {
    store::WatchHub hub(*m_store);
    hub.attach();
    auto watch = RolloutWatch::open(hub, "shop", 0, [] {});
    QVERIFY(watch.isOk());
    std::shared_ptr<RolloutWatch> shop = *watch;
    auto everything = RolloutWatch::open(hub, "", 0, [] {});
    QVERIFY(everything.isOk());

    registerBlue(1);
    RolloutSpec other = spec("1.0");
    other.service = "cart";
    const std::string cartId = start(other)->id;
    const std::string id = start(spec())->id;
    QVERIFY(reaches(id, Phase::Verifying));

    // Only shop's rollout, release and log lines, in revision order and decoded.
    std::vector<RolloutEvent> events;
    QVERIFY(testing::pollUntil([&] {
        for (auto &event : shop->take(100).events) {
            events.push_back(std::move(event));
        }
        return !events.empty() && events.back().rollout &&
               events.back().rollout->phase == Phase::Verifying;
    }));
    bool sawRelease = false;
    bool sawLog = false;
    store::Revision previous = 0;
    for (const RolloutEvent &event : events) {
        QVERIFY(event.revision >= previous);
        previous = event.revision;
        QCOMPARE(int(event.rollout.has_value()) + int(event.release.has_value()) +
                     int(event.logLine.has_value()),
                 1);
        if (event.rollout) {
            QCOMPARE(event.rollout->id, id);
        }
        if (event.release) {
            QCOMPARE(event.release->service, std::string("shop"));
            sawRelease = true;
        }
        if (event.logLine) {
            QCOMPARE(event.logLine->rolloutId, id);
            sawLog = true;
        }
    }
    QVERIFY(sawRelease && sawLog);
    QCOMPARE(events.front().rollout->phase, Phase::Pending);

    // The unfiltered watch sees cart's too.
    bool sawCart = false;
    QVERIFY(testing::pollUntil([&] {
        for (const auto &event : (*everything)->take(100).events) {
            sawCart = sawCart || (event.rollout && event.rollout->id == cartId);
        }
        return sawCart;
    }));

    // A compacted start revision is refused, as the store's own watch refuses it.
    QVERIFY(m_store->compact(previous).isOk());
    QCOMPARE(RolloutWatch::open(hub, "shop", 1, [] {}).status().code(), StatusCode::OutOfRange);
    shop->cancel();
    QCOMPARE(shop->take(100).ended.code(), StatusCode::Cancelled);
    (*everything)->cancel();
    hub.shutdown(Status(StatusCode::Unavailable, "test over"));
}

void RolloutControllerTest::firingAlertFailsACanaryStep() {
    registerBlue(2);
    RolloutSpec s = spec();
    s.strategy = Strategy::Canary;
    s.steps = {{20, 0ms, true}};
    const std::string id = start(s)->id;
    // Firing before the step is in effect: verification is not gated by alerts.
    m_alerts.set({alert("HighErrorRatio", {{"service", "shop"}, {"color", "green"}})});
    passVerification(id);
    QVERIFY(reaches(id, Phase::RolledBack));
    // The step was in effect before the alert failed it.
    QCOMPARE(m_router->all(), (std::vector<TrafficSplit>{{100, 0}, {80, 20}, {100, 0}}));
    const Rollout done = current(id);
    const std::string named = R"(alert HighErrorRatio{service="shop", color="green"} is firing)";
    QVERIFY2(done.message.find(named) != std::string::npos, done.message.c_str());
    QVERIFY2(done.message.find("canary step 1") != std::string::npos, done.message.c_str());
    const auto log = m_controller->log(id, 0, 1000);
    QVERIFY(log.isOk());
    QVERIFY(std::any_of(log->first.begin(), log->first.end(), [&](const LogLine &line) {
        return line.line.find(named) != std::string::npos &&
               line.line.find("rolling back") != std::string::npos;
    }));
}

void RolloutControllerTest::alertsOfOtherServicesAndTheStableColourPass() {
    registerBlue(2);
    m_alerts.set({alert("HighErrorRatio", {{"service", "cart"}}),
                  alert("HighErrorRatio", {{"service", "shop"}, {"color", "blue"}}),
                  alert("NodeDown", {{"instance", "10.0.0.1:9100"}})});
    RolloutSpec s = spec();
    s.strategy = Strategy::Canary;
    s.steps = {{20, 0ms, true}};
    s.bakeTime = 1min;
    const std::string id = start(s)->id;
    passVerification(id);
    QVERIFY(testing::pollUntil([&] {
        m_controller->tick();
        return m_router->last() == TrafficSplit{80, 20};
    }));
    m_clock->advance(1h);
    m_controller->tick();
    QCOMPARE(current(id).phase, Phase::Switching);
    QVERIFY(act(id, Action::Promote).isOk());
    QVERIFY(reaches(id, Phase::Baking));
    m_controller->tick();
    QCOMPARE(current(id).phase, Phase::Baking);
    m_clock->advance(61s);
    QVERIFY(reaches(id, Phase::Succeeded));
}

void RolloutControllerTest::firingAlertFailsTheBake() {
    registerBlue(2);
    RolloutSpec s = spec();
    s.bakeTime = 10min;
    const std::string id = start(s)->id;
    passVerification(id);
    QVERIFY(reaches(id, Phase::Baking));
    // No colour label: the alert concerns the whole service.
    m_alerts.set({alert("HighLatency", {{"service", "shop"}, {"severity", "warning"}})});
    QVERIFY(reaches(id, Phase::RolledBack));
    QCOMPARE(*m_router->last(), TrafficSplit::allOn(Color::Blue));
    const Rollout done = current(id);
    QVERIFY2(done.message.find(R"(alert HighLatency{service="shop", severity="warning"} is firing)"
                               " during the bake") != std::string::npos,
             done.message.c_str());
}

QTEST_GUILESS_MAIN(RolloutControllerTest)

#include "tst_rollout_controller.moc"
