// A rollout's analysis with an injected clock: the controller's fixture (real SQLite store and
// registry, fake driver and router) plus a QueryBackend answering from memory, so each test
// decides what the checks and the canary comparison measure.

#include "audit/audit_log.h"
#include "daemon_process.h"
#include "fake_extensions.h"
#include "poll_until.h"
#include "registry/registry.h"
#include "rollout/audit_log_sink.h"
#include "rollout/registry_instance_source.h"
#include "rollout/rollout_controller.h"
#include "store/sqlite_store.h"

#include <QtTest>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>

#include <cmath>
#include <future>
#include <mutex>
#include <thread>

using namespace aegis;
using namespace aegis::rollout;
using namespace std::chrono_literals;

using fakes::RecordingRouter;
using fakes::RegisteringDriver;

namespace {

metrics::QueryResult vectorOf(std::vector<double> values) {
    metrics::QueryResult result;
    for (double value : values) {
        result.series.push_back({{}, {0}, {value}});
    }
    return result;
}

// Answers from what the test set: instant queries through `instant`, range queries through
// `range`; every answer arrives on the io_context, never from inside the call.
class MemoryQueries final : public metrics::QueryBackend {
public:
    explicit MemoryQueries(boost::asio::io_context &io)
        : m_io(io) {}

    void setInstant(std::function<StatusOr<metrics::QueryResult>(const std::string &)> answer) {
        std::lock_guard lock(m_mutex);
        m_instant = std::move(answer);
    }
    void setRange(std::function<StatusOr<metrics::QueryResult>(const std::string &)> answer) {
        std::lock_guard lock(m_mutex);
        m_range = std::move(answer);
    }
    std::vector<std::string> asked() {
        std::lock_guard lock(m_mutex);
        return m_asked;
    }

    void query(metrics::InstantQuery request, Done<metrics::QueryResult> done) override {
        std::lock_guard lock(m_mutex);
        m_asked.push_back(request.query);
        StatusOr<metrics::QueryResult> answer =
            m_instant ? m_instant(request.query) : StatusOr<metrics::QueryResult>(vectorOf({}));
        boost::asio::post(m_io, [done, answer] { done(answer); });
    }
    void queryRange(metrics::RangeQuery request, Done<metrics::QueryResult> done) override {
        std::lock_guard lock(m_mutex);
        m_asked.push_back(request.query);
        StatusOr<metrics::QueryResult> answer =
            m_range ? m_range(request.query) : StatusOr<metrics::QueryResult>(vectorOf({}));
        boost::asio::post(m_io, [done, answer] { done(answer); });
    }
    void series(metrics::SeriesSelection, Done<std::vector<metrics::Labels>> done) override {
        boost::asio::post(m_io, [done] { done(Status(StatusCode::Unimplemented, "series")); });
    }
    void labelNames(metrics::SeriesSelection, Done<std::vector<std::string>> done) override {
        boost::asio::post(m_io, [done] { done(Status(StatusCode::Unimplemented, "labels")); });
    }
    void labelValues(std::string, metrics::SeriesSelection,
                     Done<std::vector<std::string>> done) override {
        boost::asio::post(m_io, [done] { done(Status(StatusCode::Unimplemented, "values")); });
    }
    void targets(Done<std::vector<metrics::Target>> done) override {
        boost::asio::post(m_io, [done] { done(Status(StatusCode::Unimplemented, "targets")); });
    }

private:
    boost::asio::io_context &m_io;
    std::mutex m_mutex;
    std::function<StatusOr<metrics::QueryResult>(const std::string &)> m_instant;
    std::function<StatusOr<metrics::QueryResult>(const std::string &)> m_range;
    std::vector<std::string> m_asked;
};

// Per-interval samples of both colours, as a range query `by (color)` answers.
metrics::QueryResult byColour(std::vector<double> blue, std::vector<double> green) {
    metrics::QueryResult result;
    result.type = metrics::ResultType::Matrix;
    for (const auto &[colour, values] : {std::pair{"blue", blue}, std::pair{"green", green}}) {
        metrics::Series series;
        series.labels = {{"color", colour}};
        for (std::size_t i = 0; i < values.size(); ++i) {
            series.timestampsMs.push_back(static_cast<std::int64_t>(i) * 10'000);
        }
        series.values = values;
        result.series.push_back(series);
    }
    return result;
}

AnalysisCheck errorCheck() {
    AnalysisCheck check;
    check.name = "error-ratio";
    check.query = "sum(rate(http_requests_total{service=\"{service}\",color=\"{new_color}\","
                  "version=\"{new_version}\",code=~\"5..\"}[1m]))";
    check.successCondition = "result < 0.01";
    check.interval = 10s;
    check.count = 3;
    return check;
}

} // namespace

class RolloutAnalysisTest : public QObject {
    Q_OBJECT

private slots:
    void init();
    void cleanup();
    void badAnalysisIsRefused_data();
    void badAnalysisIsRefused();
    void failingCheckRollsBackWithTheValuesInTheLog();
    void healthyChecksLetTheRolloutSucceed();
    void inconclusiveCheckPausesForTheOperator();
    void canaryComparisonFailRollsBack();
    void canaryComparisonPassMovesOn();
    void analysisSurvivesARestart();
    void analysisNeedsAMetricsBackend();

private:
    void open(bool withQueries = true);
    void close();
    void registerBlue(int count);
    void setHealth(const std::string &id, registry::HealthStatus status);
    StatusOr<Rollout> start(RolloutSpec spec);
    StatusOr<Rollout> act(const std::string &id, Action action);
    Rollout current(const std::string &id);
    std::string logOf(const std::string &id);
    // Log lines commit on their own: waits for one holding `text`.
    bool logHas(const std::string &id, const std::string &text);
    // Ticks, moving the clock `step` each time, until the rollout reaches `phase` (or `paused`).
    bool reaches(const std::string &id, Phase phase, std::chrono::milliseconds step = 0ms);
    bool pauses(const std::string &id, std::chrono::milliseconds step);
    // Makes the new instances pass; the verification's analysis begins with them.
    void passInstances(const std::string &id, int replicas = 2);
    RolloutSpec spec();

    std::unique_ptr<testing::TempDir> m_dir;
    std::shared_ptr<ManualClock> m_clock;
    std::unique_ptr<store::SqliteStore> m_store;
    std::unique_ptr<registry::Registry> m_registry;
    std::unique_ptr<audit::AuditLog> m_audit;
    std::unique_ptr<RegistryInstanceSource> m_instances;
    std::unique_ptr<AuditLogSink> m_auditSink;
    std::unique_ptr<boost::asio::io_context> m_io;
    std::unique_ptr<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>>
        m_work;
    std::vector<std::thread> m_threads;
    std::shared_ptr<RegisteringDriver> m_driver;
    std::shared_ptr<RecordingRouter> m_router;
    std::unique_ptr<MemoryQueries> m_queries;
    std::unique_ptr<ExtensionRegistry> m_extensions;
    std::unique_ptr<RolloutController> m_controller;
};

void RolloutAnalysisTest::open(bool withQueries) {
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
    m_queries = std::make_unique<MemoryQueries>(*m_io);
    m_extensions = std::make_unique<ExtensionRegistry>();
    QVERIFY(m_extensions->addDriver(m_driver).isOk());
    QVERIFY(m_extensions->addRouter(m_router).isOk());
    m_instances = std::make_unique<RegistryInstanceSource>(*m_registry);
    m_auditSink = std::make_unique<AuditLogSink>(*m_audit);
    m_controller = std::make_unique<RolloutController>(
        *m_store, *m_instances, withQueries ? m_queries.get() : nullptr, nullptr, *m_auditSink,
        *m_extensions, *m_io, m_clock);
    QVERIFY(m_controller->start().isOk());
}

void RolloutAnalysisTest::close() {
    m_controller->stop();
    m_work.reset();
    m_io->stop();
    for (auto &thread : m_threads) {
        thread.join();
    }
    m_threads.clear();
    m_store->close();
    m_controller.reset();
    m_extensions.reset();
    m_queries.reset();
    m_auditSink.reset();
    m_instances.reset();
    m_audit.reset();
    m_registry.reset();
    m_store.reset();
    m_io.reset();
}

void RolloutAnalysisTest::init() {
    m_dir = std::make_unique<testing::TempDir>();
    m_clock = std::make_shared<ManualClock>();
    open();
}

void RolloutAnalysisTest::cleanup() {
    close();
    m_dir.reset();
}

void RolloutAnalysisTest::registerBlue(int count) {
    for (int i = 1; i <= count; ++i) {
        registry::Registration r;
        r.instance.service = "shop";
        r.instance.id = RegisteringDriver::instanceId("shop", Color::Blue, i);
        r.instance.address = "127.0.0.1:" + std::to_string(10000 + i);
        r.instance.labels = {{"version", "1.0"}, {"color", "blue"}};
        r.ttl = 3600s;
        std::promise<StatusOr<registry::Registered>> registered;
        m_registry->registerInstance(
            r, [&](StatusOr<registry::Registered> result) { registered.set_value(result); });
        QVERIFY(registered.get_future().get().isOk());
    }
}

void RolloutAnalysisTest::setHealth(const std::string &id, registry::HealthStatus status) {
    registry::InstanceHealth health;
    health.status = status;
    health.checked = true;
    std::promise<Status> updated;
    m_registry->updateHealth("shop", id, health, {}, [&](Status s) { updated.set_value(s); });
    QVERIFY(updated.get_future().get().isOk());
}

RolloutSpec RolloutAnalysisTest::spec() {
    RolloutSpec s;
    s.service = "shop";
    s.version = "2.0";
    s.replicas = 2;
    s.driver = "fake";
    s.router = "recording";
    s.healthyFor = 5s;
    s.progressDeadline = 1h;
    return s;
}

StatusOr<Rollout> RolloutAnalysisTest::start(RolloutSpec s) {
    std::promise<StatusOr<Rollout>> started;
    m_controller->startRollout(std::move(s), Actor{"alice", {}},
                               [&](StatusOr<Rollout> r) { started.set_value(std::move(r)); });
    return started.get_future().get();
}

StatusOr<Rollout> RolloutAnalysisTest::act(const std::string &id, Action action) {
    std::promise<StatusOr<Rollout>> acted;
    m_controller->act(id, action, "test", Actor{"bob", {}},
                      [&](StatusOr<Rollout> r) { acted.set_value(std::move(r)); });
    return acted.get_future().get();
}

Rollout RolloutAnalysisTest::current(const std::string &id) {
    auto rollout = m_controller->get(id);
    return rollout ? *rollout : Rollout{};
}

std::string RolloutAnalysisTest::logOf(const std::string &id) {
    std::string text;
    auto lines = m_controller->log(id, 0, 1000);
    if (!lines) {
        return lines.status().message();
    }
    for (const LogLine &line : lines->first) {
        text += line.line + "\n";
    }
    return text;
}

bool RolloutAnalysisTest::logHas(const std::string &id, const std::string &text) {
    const bool found =
        testing::pollUntil([&] { return logOf(id).find(text) != std::string::npos; });
    if (!found) {
        qWarning("log of %s:\n%s", id.c_str(), logOf(id).c_str());
    }
    return found;
}

bool RolloutAnalysisTest::reaches(const std::string &id, Phase phase,
                                  std::chrono::milliseconds step) {
    return testing::pollUntil(
        [&] {
            m_controller->tick();
            if (current(id).phase == phase) {
                return true;
            }
            m_clock->advance(step);
            return false;
        },
        10'000ms);
}

bool RolloutAnalysisTest::pauses(const std::string &id, std::chrono::milliseconds step) {
    return testing::pollUntil(
        [&] {
            m_controller->tick();
            if (current(id).paused) {
                return true;
            }
            m_clock->advance(step);
            return false;
        },
        10'000ms);
}

void RolloutAnalysisTest::passInstances(const std::string &id, int replicas) {
    QVERIFY(reaches(id, Phase::Verifying));
    for (int i = 1; i <= replicas; ++i) {
        setHealth(RegisteringDriver::instanceId("shop", Color::Green, i),
                  registry::HealthStatus::Passing);
    }
}

void RolloutAnalysisTest::badAnalysisIsRefused_data() {
    QTest::addColumn<AnalysisSpec>("analysis");
    QTest::addColumn<QString>("message");

    const auto with = [](auto change) {
        AnalysisSpec analysis;
        analysis.checks = {errorCheck()};
        change(analysis);
        return analysis;
    };
    QTest::newRow("condition without result")
        << with([](AnalysisSpec &a) { a.checks[0].successCondition = "x < 1"; })
        << "spec.analysis.checks[0].success_condition must start with `result`";
    QTest::newRow("condition without a number")
        << with([](AnalysisSpec &a) { a.checks[0].successCondition = "result < fast"; })
        << "spec.analysis.checks[0].success_condition needs a finite number";
    QTest::newRow("condition without an operator")
        << with([](AnalysisSpec &a) { a.checks[0].successCondition = "result 0.5"; })
        << "has no comparison after `result`";
    QTest::newRow("empty query") << with([](AnalysisSpec &a) { a.checks[0].query = "  "; })
                                 << "spec.analysis.checks[0].query must be a PromQL expression";
    QTest::newRow("bad name") << with([](AnalysisSpec &a) { a.checks[0].name = "Errors!"; })
                              << "spec.analysis.checks[0].name must be 1 to 63 characters";
    QTest::newRow("same name twice")
        << with([](AnalysisSpec &a) { a.checks.push_back(a.checks[0]); })
        << "spec.analysis.checks[1].name 'error-ratio' is used by an earlier check";
    QTest::newRow("interval too short")
        << with([](AnalysisSpec &a) { a.checks[0].interval = 10ms; })
        << "spec.analysis.checks[0].interval_ms must be between 1000 and 3600000 ms (got 10)";
    QTest::newRow("negative failure limit")
        << with([](AnalysisSpec &a) { a.checks[0].failureLimit = -1; })
        << "spec.analysis.checks[0].failure_limit must be between 0 and 1000 (got -1)";
    QTest::newRow("no stage") << with([](AnalysisSpec &a) { a.checks[0].stages = 0; })
                              << "spec.analysis.checks[0].run_during must name";
    QTest::newRow("too many checks") << with([](AnalysisSpec &a) {
        for (int i = 0; i < 10; ++i) {
            a.checks.push_back(a.checks[0]);
            a.checks.back().name = "c" + std::to_string(i);
        }
    }) << "spec.analysis.checks may have at most 10 checks (got 11)";
    QTest::newRow("window shorter than three samples") << with([](AnalysisSpec &a) {
        a.comparison.enabled = true;
        a.comparison.window = 60s;
        a.comparison.sampleInterval = 30s;
    }) << "spec.analysis.canary_comparison.window_ms must hold at least 3 samples";
    QTest::newRow("fail above marginal")
        << with([](AnalysisSpec &a) {
               a.comparison.enabled = true;
               a.comparison.failThreshold = 99;
           })
        << "spec.analysis.canary_comparison.fail_threshold (99) must not be above "
           "marginal_threshold (95)";
    QTest::newRow("no metric compared") << with([](AnalysisSpec &a) {
        a.comparison.enabled = true;
        a.comparison.metrics.clear();
    }) << "spec.analysis.canary_comparison.metrics must name at least one";
}

void RolloutAnalysisTest::badAnalysisIsRefused() {
    QFETCH(AnalysisSpec, analysis);
    QFETCH(QString, message);
    RolloutSpec s = spec();
    s.analysis = analysis;
    const auto started = start(s);
    QVERIFY(!started.isOk());
    QCOMPARE(started.status().code(), StatusCode::InvalidArgument);
    QVERIFY2(started.status().message().find(message.toStdString()) != std::string::npos,
             started.status().message().c_str());
}

void RolloutAnalysisTest::failingCheckRollsBackWithTheValuesInTheLog() {
    registerBlue(2);
    RolloutSpec s = spec();
    AnalysisCheck check = errorCheck();
    check.stages = kVerification;
    check.failureLimit = 1;
    s.analysis.checks = {check};
    m_queries->setInstant([](const std::string &query) {
        return vectorOf({query.find("color=\"green\"") != std::string::npos ? 0.12 : 0.0});
    });
    const std::string id = start(s)->id;
    passInstances(id);
    QVERIFY(reaches(id, Phase::RolledBack, 5s));

    const Rollout done = current(id);
    QCOMPARE(*m_router->last(), TrafficSplit::allOn(Color::Blue));
    // Two failures are more than failure_limit 1: the second measurement rolls back.
    QCOMPARE(done.analysis.runs.size(), std::size_t{1});
    const CheckRun &run = done.analysis.runs.front();
    QCOMPARE(run.stage, std::string("verification"));
    QCOMPARE(run.state, RunState::Failed);
    QCOMPARE(run.failures, 2);
    QCOMPARE(run.measurements.size(), std::size_t{2});
    QCOMPARE(run.measurements.back().value, 0.12);
    QCOMPARE(run.measurements.back().verdict, metrics::Verdict::Fail);
    const std::string expanded = "sum(rate(http_requests_total{service=\"shop\",color=\"green\","
                                 "version=\"2.0\",code=~\"5..\"}[1m]))";
    QCOMPARE(m_queries->asked().front(), expanded);
    for (const std::string &text : {done.message}) {
        QVERIFY2(text.find("analysis check 'error-ratio' (verification) failed: 0.12 does not "
                           "satisfy result < 0.01 (2 failed measurements > failure_limit 1); "
                           "query: " +
                           expanded) != std::string::npos,
                 text.c_str());
    }
    QVERIFY(logHas(id, "failed: 0.12 does not satisfy result < 0.01"));
    QVERIFY(logHas(id, "; rolling back"));
}

void RolloutAnalysisTest::healthyChecksLetTheRolloutSucceed() {
    registerBlue(2);
    RolloutSpec s = spec();
    s.bakeTime = 20s;
    AnalysisCheck check = errorCheck();
    check.stages = kVerification | kBake;
    s.analysis.checks = {check};
    m_queries->setInstant([](const std::string &) { return vectorOf({0.001}); });
    const std::string id = start(s)->id;
    passInstances(id);
    QVERIFY(reaches(id, Phase::Succeeded, 2s));

    const Rollout done = current(id);
    QCOMPARE(*m_router->last(), TrafficSplit::allOn(Color::Green));
    QCOMPARE(done.analysis.runs.size(), std::size_t{2});
    for (const CheckRun &run : done.analysis.runs) {
        QCOMPARE(run.state, RunState::Passed);
        QCOMPARE(run.successes, 3);
        QCOMPARE(run.measurements.size(), std::size_t{3});
        // Measured `interval` apart on the clock.
        QCOMPARE(run.measurements[1].time - run.measurements[0].time >= 10s, true);
    }
    QCOMPARE(done.analysis.runs[0].stage, std::string("verification"));
    QCOMPARE(done.analysis.runs[1].stage, std::string("bake"));
    QVERIFY(logHas(id, "analysis check 'error-ratio' (bake) passed: 3/3 measurements "
                       "satisfied result < 0.01"));
}

void RolloutAnalysisTest::inconclusiveCheckPausesForTheOperator() {
    registerBlue(2);
    RolloutSpec s = spec();
    AnalysisCheck check = errorCheck();
    check.stages = kVerification;
    check.inconclusiveLimit = 1;
    s.analysis.checks = {check};
    // No series at all (the new colour has not been scraped yet), then NaN.
    m_queries->setInstant([](const std::string &) { return vectorOf({}); });
    const std::string id = start(s)->id;
    passInstances(id);
    QVERIFY(pauses(id, 5s));

    Rollout paused = current(id);
    QCOMPARE(paused.phase, Phase::Verifying);
    QCOMPARE(paused.analysis.runs.front().state, RunState::Inconclusive);
    QCOMPARE(paused.analysis.runs.front().inconclusives, 2);
    QVERIFY2(paused.message.find("analysis check 'error-ratio' (verification) is inconclusive: "
                                 "2 inconclusive measurements > inconclusive_limit 1 (last: "
                                 "empty result)") != std::string::npos,
             paused.message.c_str());
    QVERIFY(paused.message.find("paused for the operator") != std::string::npos);
    QVERIFY(logHas(id, "paused for the operator"));
    // Nothing moves while paused, however long.
    m_clock->advance(1h);
    m_controller->tick();
    QCOMPARE(current(id).phase, Phase::Verifying);

    // Resumed with data: the verification's analysis starts over and passes.
    m_queries->setInstant([](const std::string &) { return vectorOf({0.0}); });
    QVERIFY(act(id, Action::Resume).isOk());
    QVERIFY(reaches(id, Phase::Succeeded, 2s));
    const Rollout done = current(id);
    QCOMPARE(done.analysis.runs.size(), std::size_t{2});
    QCOMPARE(done.analysis.runs.back().state, RunState::Passed);
}

void RolloutAnalysisTest::canaryComparisonFailRollsBack() {
    registerBlue(2);
    RolloutSpec s = spec();
    s.strategy = Strategy::Canary;
    s.steps = {{50, 0ms, false}};
    s.analysis.comparison.enabled = true;
    s.analysis.comparison.window = 60s;
    s.analysis.comparison.sampleInterval = 10s;
    // The new colour fails one request in ten; its latency is as good as blue's.
    m_queries->setRange([](const std::string &query) {
        if (query.find("code=~\"5..\"") != std::string::npos) {
            return byColour({0, 0, 0.001, 0, 0, 0, 0}, {0.1, 0.12, 0.09, 0.11, 0.1, 0.13, 0.1});
        }
        return byColour({0.02, 0.021, 0.02, 0.022, 0.02, 0.021, 0.02},
                        {0.02, 0.021, 0.02, 0.022, 0.02, 0.021, 0.02});
    });
    const std::string id = start(s)->id;
    passInstances(id);
    QVERIFY(reaches(id, Phase::Switching, 1s));
    QVERIFY(reaches(id, Phase::RolledBack, 5s));

    const std::vector<TrafficSplit> splits = m_router->all();
    QVERIFY(std::find(splits.begin(), splits.end(), TrafficSplit{50, 50}) != splits.end());
    QCOMPARE(splits.back(), TrafficSplit::allOn(Color::Blue));
    const Rollout done = current(id);
    QCOMPARE(done.analysis.comparisons.size(), std::size_t{1});
    const ComparisonResult &result = done.analysis.comparisons.front();
    QCOMPARE(result.stage, std::string("step 1"));
    QCOMPARE(result.verdict, metrics::Verdict::Fail);
    QCOMPARE(result.metrics.size(), std::size_t{2});
    QCOMPARE(result.metrics[0].name, std::string("error_ratio"));
    QCOMPARE(result.metrics[0].verdict, metrics::Verdict::Fail);
    QCOMPARE(result.metrics[1].verdict, metrics::Verdict::Pass);
    QVERIFY2(done.message.find("canary comparison (step 1, green against blue over 1m) failed: "
                               "fail (score 50): error_ratio worse (median 0.1 vs 0") !=
                 std::string::npos,
             done.message.c_str());
    QVERIFY(done.message.find("fail_threshold 75") != std::string::npos);
    // Both colours were asked for, by colour, with the sample interval as the rate window.
    bool askedErrors = false;
    for (const std::string &query : m_queries->asked()) {
        askedErrors = askedErrors || (query.find("sum by (color)") != std::string::npos &&
                                      query.find("[10000ms]") != std::string::npos);
    }
    QVERIFY(askedErrors);
}

void RolloutAnalysisTest::canaryComparisonPassMovesOn() {
    registerBlue(2);
    RolloutSpec s = spec();
    s.strategy = Strategy::Canary;
    s.steps = {{20, 0ms, false}, {60, 0ms, false}};
    s.analysis.comparison.enabled = true;
    s.analysis.comparison.window = 60s;
    s.analysis.comparison.sampleInterval = 10s;
    s.analysis.comparison.metrics = {CanaryMetric::ErrorRatio};
    m_queries->setRange([](const std::string &) {
        return byColour({0, 0, 0, 0, 0, 0, 0}, {0, 0, 0, 0, 0, 0, 0});
    });
    const std::string id = start(s)->id;
    passInstances(id);
    QVERIFY(reaches(id, Phase::Succeeded, 5s));
    // Each step below 100 waited for its own judgement.
    const Rollout done = current(id);
    QCOMPARE(done.analysis.comparisons.size(), std::size_t{2});
    QCOMPARE(done.analysis.comparisons[0].stage, std::string("step 1"));
    QCOMPARE(done.analysis.comparisons[1].stage, std::string("step 2"));
    QCOMPARE(done.analysis.comparisons[1].verdict, metrics::Verdict::Pass);
    QCOMPARE(m_router->all().back(), TrafficSplit::allOn(Color::Green));
}

void RolloutAnalysisTest::analysisSurvivesARestart() {
    registerBlue(2);
    RolloutSpec s = spec();
    AnalysisCheck check = errorCheck();
    check.stages = kVerification;
    check.count = 4;
    s.analysis.checks = {check};
    m_queries->setInstant([](const std::string &) { return vectorOf({0.0}); });
    const std::string id = start(s)->id;
    passInstances(id);
    QVERIFY(testing::pollUntil([&] {
        m_controller->tick();
        const Rollout r = current(id);
        if (!r.analysis.runs.empty() && r.analysis.runs.front().measured() >= 2) {
            return true;
        }
        m_clock->advance(5s);
        return false;
    }));
    const int before = current(id).analysis.runs.front().measured();
    close();
    open();
    m_queries->setInstant([](const std::string &) { return vectorOf({0.0}); });
    QCOMPARE(current(id).analysis.runs.front().measured(), before);
    QVERIFY(reaches(id, Phase::Succeeded, 5s));
    const Rollout done = current(id);
    // The same run went on to its count: the restart did not start it over.
    QCOMPARE(done.analysis.runs.size(), std::size_t{1});
    QCOMPARE(done.analysis.runs.front().successes, 4);
    QCOMPARE(done.analysis.runs.front().state, RunState::Passed);
}

void RolloutAnalysisTest::analysisNeedsAMetricsBackend() {
    close();
    open(false);
    RolloutSpec s = spec();
    s.analysis.checks = {errorCheck()};
    const auto started = start(s);
    QCOMPARE(started.status().code(), StatusCode::FailedPrecondition);
    QVERIFY2(started.status().message().find("spec.analysis needs a metrics backend") !=
                 std::string::npos,
             started.status().message().c_str());
    s.analysis = {};
    QVERIFY(start(s).isOk());
}

QTEST_GUILESS_MAIN(RolloutAnalysisTest)
#include "tst_rollout_analysis.moc"
