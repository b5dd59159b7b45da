// The alert engine on a real SQLite store and configuration center, with a query backend that
// answers from memory and a clock the test moves: rules published as configuration items are
// evaluated; state is durable across a restart (the store closed and opened again, as after a
// SIGKILL); two engines on one store see each other's alerts; TestRule and expression checks.

#include "alerting/alert_engine.h"
#include "alerting/alert_records.h"
#include "common/time_millis.h"
#include "config/config_center.h"
#include "daemon_process.h"
#include "metrics/query_backend.h"
#include "poll_until.h"
#include "store/sqlite_store.h"
#include "store/watch_hub.h"

#include <QtTest>

#include <prometheus/registry.h>

#include <condition_variable>
#include <deque>
#include <future>
#include <map>
#include <mutex>
#include <thread>

using namespace aegis;
using namespace aegis::alerting;
using namespace std::chrono_literals;
using testing::pollUntil;

namespace {

// Answers queries from memory on its own thread (never inside the call, as the contract says).
class FakeQueries final : public metrics::QueryBackend {
public:
    FakeQueries()
        : m_thread([this] { run(); }) {}
    ~FakeQueries() override {
        {
            std::lock_guard lock(m_mutex);
            m_stop = true;
        }
        m_wake.notify_all();
        m_thread.join();
    }

    void setSeries(const std::string &expr, std::vector<std::pair<metrics::Labels, double>> rows) {
        std::lock_guard lock(m_mutex);
        metrics::QueryResult result;
        for (auto &[labels, value] : rows) {
            result.series.push_back({std::move(labels), {0}, {value}});
        }
        m_answers.insert_or_assign(expr, std::move(result));
    }
    void setError(const std::string &expr, Status status) {
        std::lock_guard lock(m_mutex);
        m_answers.insert_or_assign(expr, std::move(status));
    }
    void setRange(std::function<metrics::QueryResult(const metrics::RangeQuery &)> answer) {
        std::lock_guard lock(m_mutex);
        m_range = std::move(answer);
    }
    // Instant queries asked, and the most at once (asked, not yet answered).
    int instantQueries() {
        std::lock_guard lock(m_mutex);
        return m_instantQueries;
    }
    int maxInFlight() {
        std::lock_guard lock(m_mutex);
        return m_maxInFlight;
    }
    std::vector<metrics::RangeQuery> rangeQueries() {
        std::lock_guard lock(m_mutex);
        return m_rangeQueries;
    }

    void query(metrics::InstantQuery request, Done<metrics::QueryResult> done) override {
        std::lock_guard lock(m_mutex);
        const auto it = m_answers.find(request.query);
        StatusOr<metrics::QueryResult> answer =
            it == m_answers.end() ? StatusOr<metrics::QueryResult>(metrics::QueryResult{})
                                  : it->second;
        ++m_instantQueries;
        m_maxInFlight = std::max(m_maxInFlight, ++m_inFlight);
        post([this, answer, done] {
            {
                std::lock_guard lock(m_mutex);
                --m_inFlight;
            }
            done(answer);
        });
    }
    void queryRange(metrics::RangeQuery request, Done<metrics::QueryResult> done) override {
        std::lock_guard lock(m_mutex);
        m_rangeQueries.push_back(request);
        StatusOr<metrics::QueryResult> answer =
            m_range ? StatusOr<metrics::QueryResult>(m_range(request))
                    : StatusOr<metrics::QueryResult>(failedPrecondition("no range answer"));
        post([answer, done] { done(answer); });
    }
    void series(metrics::SeriesSelection, Done<std::vector<metrics::Labels>> done) override {
        std::lock_guard lock(m_mutex);
        post([done] { done(failedPrecondition("not in this test")); });
    }
    void labelNames(metrics::SeriesSelection, Done<std::vector<std::string>> done) override {
        std::lock_guard lock(m_mutex);
        post([done] { done(failedPrecondition("not in this test")); });
    }
    void labelValues(std::string, metrics::SeriesSelection,
                     Done<std::vector<std::string>> done) override {
        std::lock_guard lock(m_mutex);
        post([done] { done(failedPrecondition("not in this test")); });
    }
    void targets(Done<std::vector<metrics::Target>> done) override {
        std::lock_guard lock(m_mutex);
        post([done] { done(failedPrecondition("not in this test")); });
    }

private:
    // Under m_mutex.
    void post(std::function<void()> call) {
        m_queue.push_back(std::move(call));
        m_wake.notify_all();
    }
    void run() {
        std::unique_lock lock(m_mutex);
        for (;;) {
            m_wake.wait(lock, [this] { return m_stop || !m_queue.empty(); });
            if (m_queue.empty()) {
                return;
            }
            auto call = std::move(m_queue.front());
            m_queue.pop_front();
            lock.unlock();
            call();
            lock.lock();
        }
    }

    std::mutex m_mutex;
    std::condition_variable m_wake;
    std::deque<std::function<void()>> m_queue;
    std::map<std::string, StatusOr<metrics::QueryResult>> m_answers;
    std::function<metrics::QueryResult(const metrics::RangeQuery &)> m_range;
    std::vector<metrics::RangeQuery> m_rangeQueries;
    int m_instantQueries = 0;
    int m_inFlight = 0;
    int m_maxInFlight = 0;
    bool m_stop = false;
    std::thread m_thread;
};

class RecordingNotifier final : public Notifier {
public:
    void send(std::vector<OutgoingAlert> alerts) override {
        std::lock_guard lock(m_mutex);
        m_sent.insert(m_sent.end(), alerts.begin(), alerts.end());
    }
    std::vector<OutgoingAlert> sent() {
        std::lock_guard lock(m_mutex);
        return m_sent;
    }

private:
    std::mutex m_mutex;
    std::vector<OutgoingAlert> m_sent;
};

const metrics::Labels kCheckoutDown{{"__name__", "up"}, {"instance", "a"}, {"service", "checkout"}};

std::string rulesFile(const std::string &forDuration) {
    return "groups:\n"
           "- name: api\n"
           "  interval: 15s\n"
           "  rules:\n"
           "  - alert: InstanceDown\n"
           "    expr: up == 0\n"
           "    for: " +
           forDuration +
           "\n"
           "    labels:\n"
           "      severity: critical\n"
           "    annotations:\n"
           "      summary: '{{ $labels.instance }} of {{ $labels.service }} is down'\n";
}

const config::ItemRef kRulesRef{"aegis-alerting", "rules", "team"};

bool hasLabel(const LabelSet &labels, const std::string &name, const std::string &value) {
    return std::find(labels.begin(), labels.end(), std::pair(name, value)) != labels.end();
}

// One aegisd's worth of modules on the store file in `dir`.
struct Node {
    std::unique_ptr<store::SqliteStore> ownStore;
    store::SqliteStore *store = nullptr;
    std::unique_ptr<config::SecretBox> secrets;
    std::unique_ptr<config::ConfigCenter> config;
    std::unique_ptr<store::WatchHub> ownHub;
    store::WatchHub *hub = nullptr;
    RecordingNotifier notifier;
    std::unique_ptr<AlertEngine> engine;
};

} // namespace

class AlertEngineTest : public QObject {
    Q_OBJECT

private slots:
    void init();
    void cleanup();
    void publishedRulesAreEvaluated();
    void valueChangesAloneWriteNothing();
    void queryErrorKeepsFiringAndMarksTheRule();
    void backendOutageRaisesTheBuiltinAlert();
    void backendDownSurvivesRestart();
    void firingSurvivesRestartWithoutNewSend();
    void restoredFiringAlertIsResentAndResolved();
    void pendingKeepsForProgressAcrossRestart();
    void pendingRestartsForBeyondOutageTolerance();
    void replicasSeeEachOthersAlerts();
    void removedRuleResolvesItsAlerts();
    void editedFileKeepsTheRulesAlerts();
    void testRuleTellsPendingFromFiring();
    void checkExpressionsPointsIntoTheFile();
    void checkExpressionsPointsIntoABlockScalar();
    void metricsOffMarksRulesErring();
    void queriesInFlightAreBounded();
    void threadEvaluatesOnItsOwn();
    void historyPrunedPastItsRetention();
    void metricsCountEvaluationsAndAlerts();

private:
    // A node with its own store and hub, or (`replicaOf`) one sharing another node's.
    std::unique_ptr<Node> open(AlertingSettings settings = {}, Node *replicaOf = nullptr);
    void close();
    void publish(Node &node, const std::string &content);
    void evaluate(Node &node);
    void advanceAndEvaluate(std::chrono::milliseconds by) {
        m_clock->advance(by);
        evaluate(*m_node);
    }
    std::vector<Alert> alertsOf(Node &node) { return node.engine->alerts(MatcherSet(), true); }

    std::unique_ptr<aegis::testing::TempDir> m_dir;
    std::shared_ptr<ManualClock> m_clock;
    std::unique_ptr<FakeQueries> m_queries;
    std::unique_ptr<Node> m_node;
    std::unique_ptr<Node> m_replica;
};

void AlertEngineTest::init() {
    m_dir = std::make_unique<aegis::testing::TempDir>();
    m_clock = std::make_shared<ManualClock>();
    m_queries = std::make_unique<FakeQueries>();
    m_node = open();
}

void AlertEngineTest::cleanup() {
    close();
    m_queries.reset();
    m_dir.reset();
}

std::unique_ptr<Node> AlertEngineTest::open(AlertingSettings settings, Node *replicaOf) {
    auto node = std::make_unique<Node>();
    if (replicaOf != nullptr) {
        node->store = replicaOf->store;
        node->hub = replicaOf->hub;
    } else {
        auto store = store::SqliteStore::open({m_dir->path() / "aegis.db"});
        if (!store) {
            qFatal("store: %s", store.status().message().c_str());
        }
        node->ownStore = std::move(*store);
        node->store = node->ownStore.get();
        node->ownHub = std::make_unique<store::WatchHub>(*node->store);
        node->ownHub->attach();
        node->hub = node->ownHub.get();
    }
    auto secrets = config::SecretBox::openOrCreate(m_dir->path() / "config.key");
    if (!secrets) {
        qFatal("secrets: %s", secrets.status().message().c_str());
    }
    node->secrets = std::move(*secrets);
    node->config = std::make_unique<config::ConfigCenter>(*node->store, *node->secrets, m_clock);
    if (!node->config->load().isOk()) {
        qFatal("config center did not load");
    }
    node->engine = std::make_unique<AlertEngine>(*node->store, *node->config, m_queries.get(),
                                                 &node->notifier, m_clock, settings);
    const Status loaded = node->engine->load();
    if (!loaded.isOk()) {
        qFatal("engine: %s", loaded.message().c_str());
    }
    return node;
}

// Drops everything an aegisd had in memory; only the store's file remains.
void AlertEngineTest::close() {
    for (auto *node : {&m_replica, &m_node}) {
        if (*node) {
            (*node)->engine.reset();
            if ((*node)->ownStore) {
                (*node)->ownHub->shutdown(Status(StatusCode::Unavailable, "test over"));
                (*node)->ownStore->close();
            }
            node->reset();
        }
    }
}

void AlertEngineTest::publish(Node &node, const std::string &content) {
    const auto current = node.config->item(kRulesRef);
    config::Change change;
    change.ref = kRulesRef;
    change.format = config::Format::Yaml;
    change.content = content;
    change.baseVersion = current ? current->version : 0;
    std::promise<StatusOr<config::PublishResult>> promise;
    node.config->publish({change}, "rules", {"ann", true},
                         [&promise](auto result) { promise.set_value(std::move(result)); });
    const auto result = promise.get_future().get();
    QVERIFY2(result.isOk(), result.status().message().c_str());
}

void AlertEngineTest::evaluate(Node &node) {
    std::promise<void> promise;
    auto future = promise.get_future();
    node.engine->evaluateDue([&promise] { promise.set_value(); });
    QVERIFY(future.wait_for(10s) == std::future_status::ready);
}

void AlertEngineTest::publishedRulesAreEvaluated() {
    publish(*m_node, rulesFile("0s"));
    const auto rules = m_node->engine->rules();
    QCOMPARE(rules.size(), std::size_t(1));
    QCOMPARE(rules[0].file, std::string("team"));
    QCOMPARE(rules[0].group, std::string("api"));
    QCOMPARE(rules[0].interval, std::chrono::milliseconds(15s));

    m_queries->setSeries("up == 0", {{kCheckoutDown, 0}});
    advanceAndEvaluate(15s);
    const auto alerts = alertsOf(*m_node);
    QCOMPARE(alerts.size(), std::size_t(1));
    QCOMPARE(alerts[0].state, AlertState::Firing);
    QCOMPARE(alerts[0].rule, std::string("team/api/InstanceDown"));
    QCOMPARE(alerts[0].annotations, (LabelSet{{"summary", "a of checkout is down"}}));
    QCOMPARE(m_node->engine->rules()[0].health, RuleHealth::Ok);
    QCOMPARE(m_node->engine->rules()[0].firing, 1);
    QCOMPARE(m_node->engine->firingFor("checkout").size(), std::size_t(1));
    QVERIFY(m_node->engine->firingFor("payments").empty());

    const auto sent = m_node->notifier.sent();
    QCOMPARE(sent.size(), std::size_t(1));
    QCOMPARE(sent[0].startsAt, alerts[0].firedAt);
    QCOMPARE(sent[0].endsAt, alerts[0].firedAt + 4min); // 4 × the 1 m resend interval

    const auto history = m_node->engine->history(alerts[0].id, {}, 10);
    QCOMPARE(history.size(), std::size_t(1));
    QCOMPARE(history[0].from, AlertState::Inactive);
    QCOMPARE(history[0].to, AlertState::Firing);
    QCOMPARE(m_node->engine->history({}, "team/api/InstanceDown", 10).size(), std::size_t(1));
}

void AlertEngineTest::valueChangesAloneWriteNothing() {
    publish(*m_node, rulesFile("0s"));
    m_queries->setSeries("up == 0", {{kCheckoutDown, 0}});
    advanceAndEvaluate(15s);
    const store::Revision before = m_node->store->currentRevision();
    m_queries->setSeries("up == 0", {{kCheckoutDown, 0.5}});
    advanceAndEvaluate(15s);
    QCOMPARE(m_node->store->currentRevision(), before);
    QCOMPARE(alertsOf(*m_node)[0].value, 0.0); // the value of the last write
    // Sent again once more than the resend interval (1 m) has passed: the value is written with
    // the send.
    advanceAndEvaluate(15s);
    advanceAndEvaluate(15s);
    advanceAndEvaluate(15s);
    QCOMPARE(m_node->notifier.sent().size(), std::size_t(1));
    advanceAndEvaluate(15s);
    QCOMPARE(m_node->notifier.sent().size(), std::size_t(2));
    QCOMPARE(alertsOf(*m_node)[0].value, 0.5);
}

void AlertEngineTest::queryErrorKeepsFiringAndMarksTheRule() {
    publish(*m_node, rulesFile("0s"));
    m_queries->setSeries("up == 0", {{kCheckoutDown, 0}});
    advanceAndEvaluate(15s);
    m_queries->setError("up == 0", unavailable("http://127.0.0.1:9090: connection refused"));
    advanceAndEvaluate(15s);
    advanceAndEvaluate(15s);
    // The rule's alert, beside the engine's own AegisMetricsBackendDown (pending).
    const auto alerts =
        m_node->engine->alerts(*MatcherSet::compile({{"alertname", "InstanceDown"}}), true);
    QCOMPARE(alerts.size(), std::size_t(1));
    QCOMPARE(alerts[0].state, AlertState::Firing);
    QCOMPARE(alertsOf(*m_node).size(), std::size_t(2));
    const auto rules = m_node->engine->rules();
    QCOMPARE(rules[0].health, RuleHealth::Err);
    QVERIFY(rules[0].lastError.find("connection refused") != std::string::npos);
    QCOMPARE(rules[0].firing, 1);
}

// Every query of a round unavailable: the engine's own AegisMetricsBackendDown is pending, fires
// after 1 m and resolves when the backend answers again; the rule's alert keeps firing throughout.
void AlertEngineTest::backendOutageRaisesTheBuiltinAlert() {
    const auto find = [this](const std::string &rule) -> std::optional<Alert> {
        for (const Alert &alert : alertsOf(*m_node)) {
            if (alert.rule == rule) {
                return alert;
            }
        }
        return std::nullopt;
    };
    const std::string builtin(kBackendDownRuleId);
    publish(*m_node, rulesFile("0s"));
    m_queries->setSeries("up == 0", {{kCheckoutDown, 0}});
    advanceAndEvaluate(15s);
    QVERIFY(!find(builtin));

    m_queries->setError("up == 0", unavailable("http://127.0.0.1:9090: connection refused"));
    advanceAndEvaluate(15s);
    auto down = find(builtin);
    QVERIFY(down);
    QCOMPARE(down->state, AlertState::Pending);
    QCOMPARE(down->labels, (LabelSet{{"alertname", "AegisMetricsBackendDown"},
                                     {"service", "aegisd"},
                                     {"severity", "critical"}}));
    advanceAndEvaluate(15s);
    advanceAndEvaluate(15s);
    advanceAndEvaluate(15s);
    QCOMPARE(find(builtin)->state, AlertState::Pending);
    m_queries->setError("up == 0", Status(StatusCode::DeadlineExceeded, "query timed out"));
    advanceAndEvaluate(15s);
    down = find(builtin);
    QCOMPARE(down->state, AlertState::Firing);
    QCOMPARE(down->firedAt - down->activeAt, std::chrono::nanoseconds(1min));
    QCOMPARE(m_node->engine->firingFor("aegisd").size(), std::size_t(1));
    const auto sentDown = [this] {
        std::vector<OutgoingAlert> out;
        for (const OutgoingAlert &alert : m_node->notifier.sent()) {
            if (hasLabel(alert.labels, "alertname", "AegisMetricsBackendDown")) {
                out.push_back(alert);
            }
        }
        return out;
    };
    QCOMPARE(sentDown().size(), std::size_t(1));
    QCOMPARE(sentDown()[0].startsAt, down->firedAt);
    QCOMPARE(find("team/api/InstanceDown")->state, AlertState::Firing);

    // Answering again: resolved and sent so; the rule's alert was never resolved by the outage.
    m_queries->setSeries("up == 0", {{kCheckoutDown, 0}});
    advanceAndEvaluate(15s);
    QCOMPARE(find(builtin)->state, AlertState::Resolved);
    QCOMPARE(sentDown().size(), std::size_t(2));
    QCOMPARE(sentDown()[1].endsAt, find(builtin)->resolvedAt);
    QCOMPARE(find("team/api/InstanceDown")->state, AlertState::Firing);
    for (const Transition &transition : m_node->engine->history({}, "team/api/InstanceDown", 10)) {
        QVERIFY(transition.to != AlertState::Resolved);
    }
    const auto rules = m_node->engine->rules();
    QCOMPARE(rules.size(), std::size_t(1)); // the built-in alert is no rule file's
    QCOMPARE(rules[0].health, RuleHealth::Ok);
}

// A restart during an outage keeps the built-in alert firing (it is no orphan of a removed rule).
void AlertEngineTest::backendDownSurvivesRestart() {
    publish(*m_node, rulesFile("0s"));
    m_queries->setError("up == 0", unavailable("connection refused"));
    for (int i = 0; i < 6; ++i) {
        advanceAndEvaluate(15s);
    }
    const auto firing = m_node->engine->firingFor("aegisd");
    QCOMPARE(firing.size(), std::size_t(1));

    close();
    m_clock->advance(10s);
    m_node = open();
    advanceAndEvaluate(15s);
    advanceAndEvaluate(15s);
    const auto after = m_node->engine->firingFor("aegisd");
    QCOMPARE(after.size(), std::size_t(1));
    QCOMPARE(after[0].id, firing[0].id);
    QCOMPARE(after[0].firedAt, firing[0].firedAt);
    QCOMPARE(m_node->engine->history(firing[0].id, {}, 10).size(), std::size_t(2));
    // Sent once after the restart, as the same alert.
    QCOMPARE(m_node->notifier.sent().size(), std::size_t(1));
    QCOMPARE(m_node->notifier.sent()[0].startsAt, firing[0].firedAt);
}

void AlertEngineTest::firingSurvivesRestartWithoutNewSend() {
    publish(*m_node, rulesFile("0s"));
    m_queries->setSeries("up == 0", {{kCheckoutDown, 0}});
    advanceAndEvaluate(15s);
    const Alert fired = alertsOf(*m_node)[0];
    QCOMPARE(fired.lastSentAt, fired.firedAt);
    advanceAndEvaluate(15s);

    close();
    m_clock->advance(10s);
    m_node = open();
    const auto restored = alertsOf(*m_node);
    QCOMPARE(restored.size(), std::size_t(1));
    QCOMPARE(restored[0].state, AlertState::Firing);
    QCOMPARE(restored[0].firedAt, fired.firedAt);
    QCOMPARE(restored[0].lastSentAt, fired.lastSentAt);

    // The first evaluation after the restart sends it once (an Alertmanager that restarted too
    // learns it), as the same alert: its original start, and no transition.
    advanceAndEvaluate(15s);
    const auto sent = m_node->notifier.sent();
    QCOMPARE(sent.size(), std::size_t(1));
    QCOMPARE(sent[0].startsAt, fired.firedAt);
    QVERIFY(sent[0].endsAt > m_clock->now());
    QVERIFY(alertsOf(*m_node)[0].lastSentAt > fired.lastSentAt);
    // One transition for the alert: the restart made none.
    QCOMPARE(m_node->engine->history(fired.id, {}, 10).size(), std::size_t(1));
}

// A firing alert restored from the store is the rule's alert: evaluated, written and resent every
// resend interval with its original start, and resolved (and notified) when it stops.
void AlertEngineTest::restoredFiringAlertIsResentAndResolved() {
    AlertingSettings settings;
    settings.resendInterval = 30s;
    close();
    m_node = open(settings);
    publish(*m_node, rulesFile("30s"));
    m_queries->setSeries("up == 0", {{kCheckoutDown, 0}});
    advanceAndEvaluate(15s);
    advanceAndEvaluate(15s);
    advanceAndEvaluate(15s);
    const Alert fired = alertsOf(*m_node)[0];
    QCOMPARE(fired.state, AlertState::Firing);

    close();
    m_clock->advance(5s);
    m_node = open(settings);
    for (int i = 0; i < 8; ++i) {
        advanceAndEvaluate(15s);
    }
    // Sent at the first evaluation, then at the first round more than 30 s after each send (every
    // third 15 s round).
    const auto sent = m_node->notifier.sent();
    QCOMPARE(sent.size(), std::size_t(3));
    for (const OutgoingAlert &alert : sent) {
        QCOMPARE(alert.startsAt, fired.firedAt);
    }
    const Alert after = alertsOf(*m_node)[0];
    QCOMPARE(after.state, AlertState::Firing);
    QCOMPARE(after.firedAt, fired.firedAt);
    QVERIFY(after.lastSentAt > fired.lastSentAt + 60s);
    QVERIFY(after.lastEvaluation > fired.lastEvaluation + 60s);
    const auto rules = m_node->engine->rules();
    QCOMPARE(rules[0].firing, 1);

    m_queries->setSeries("up == 0", {});
    advanceAndEvaluate(15s);
    const Alert resolved = alertsOf(*m_node)[0];
    QCOMPARE(resolved.state, AlertState::Resolved);
    const auto last = m_node->notifier.sent().back();
    QCOMPARE(last.startsAt, fired.firedAt);
    QCOMPARE(last.endsAt, resolved.resolvedAt);
}

void AlertEngineTest::pendingKeepsForProgressAcrossRestart() {
    publish(*m_node, rulesFile("1m"));
    m_queries->setSeries("up == 0", {{kCheckoutDown, 0}});
    advanceAndEvaluate(15s);
    const Alert pending = alertsOf(*m_node)[0];
    QCOMPARE(pending.state, AlertState::Pending);
    advanceAndEvaluate(15s);

    close();
    m_node = open();
    QCOMPARE(alertsOf(*m_node)[0].activeAt, pending.activeAt);
    while (m_clock->now() + 15s < pending.activeAt + 1min) {
        advanceAndEvaluate(15s);
        QCOMPARE(alertsOf(*m_node)[0].state, AlertState::Pending);
    }
    advanceAndEvaluate(15s);
    const Alert fired = alertsOf(*m_node)[0];
    QCOMPARE(fired.state, AlertState::Firing);
    QCOMPARE(fired.firedAt, pending.activeAt + 1min);
    QCOMPARE(fired.activeAt, pending.activeAt);
    QCOMPARE(m_node->notifier.sent().size(), std::size_t(1));
}

void AlertEngineTest::pendingRestartsForBeyondOutageTolerance() {
    close();
    AlertingSettings settings;
    settings.outageTolerance = 1min;
    m_node = open(settings);
    publish(*m_node, rulesFile("2m"));
    m_queries->setSeries("up == 0", {{kCheckoutDown, 0}});
    advanceAndEvaluate(15s);
    const Alert pending = alertsOf(*m_node)[0];

    close();
    m_clock->advance(5min); // down longer than the tolerance
    m_node = open(settings);
    advanceAndEvaluate(15s);
    const Alert after = alertsOf(*m_node)[0];
    // With its progress kept it would fire now; it starts its `for` again instead.
    QCOMPARE(after.state, AlertState::Pending);
    QVERIFY(after.activeAt > pending.activeAt + 5min);
}

void AlertEngineTest::replicasSeeEachOthersAlerts() {
    m_replica = open({}, m_node.get());
    auto watch = m_replica->engine->watch(*m_replica->hub, MatcherSet(), 0, [] {});
    QVERIFY2(watch.isOk(), watch.status().message().c_str());

    publish(*m_node, rulesFile("0s"));
    QVERIFY(pollUntil([&] { return m_replica->engine->rules().size() == 1; }));
    m_queries->setSeries("up == 0", {{kCheckoutDown, 0}});
    advanceAndEvaluate(15s);

    std::vector<AlertEvent> events;
    QVERIFY(pollUntil([&] {
        auto batch = (*watch)->take(100);
        events.insert(events.end(), batch.events.begin(), batch.events.end());
        return !events.empty();
    }));
    QCOMPARE(events[0].type, AlertEventType::Changed);
    QCOMPARE(events[0].alert.state, AlertState::Firing);
    QCOMPARE(alertsOf(*m_replica), alertsOf(*m_node));
    QCOMPARE(m_replica->engine->firingFor("checkout").size(), std::size_t(1));
    QCOMPARE(m_replica->engine->history(events[0].alert.id, {}, 10).size(), std::size_t(1));

    // Resolved by the first, seen by the second.
    m_queries->setSeries("up == 0", {});
    advanceAndEvaluate(15s);
    events.clear();
    QVERIFY(pollUntil([&] {
        auto batch = (*watch)->take(100);
        events.insert(events.end(), batch.events.begin(), batch.events.end());
        return !events.empty();
    }));
    QCOMPARE(events[0].alert.state, AlertState::Resolved);
    QVERIFY(m_replica->engine->firingFor("checkout").empty());
}

void AlertEngineTest::removedRuleResolvesItsAlerts() {
    auto watch = m_node->engine->watch(*m_node->hub, MatcherSet(), 0, [] {});
    QVERIFY(watch.isOk());
    publish(*m_node, rulesFile("0s"));
    m_queries->setSeries("up == 0", {{kCheckoutDown, 0}});
    advanceAndEvaluate(15s);
    QCOMPARE(m_node->notifier.sent().size(), std::size_t(1));

    const auto item = m_node->config->item(kRulesRef);
    std::promise<StatusOr<store::Revision>> removed;
    m_node->config->remove(kRulesRef, item->version, {"ann", true},
                           [&removed](auto result) { removed.set_value(std::move(result)); });
    QVERIFY(removed.get_future().get().isOk());
    QVERIFY(m_node->engine->rules().empty());
    m_clock->advance(1s);
    evaluate(*m_node);

    QVERIFY(alertsOf(*m_node).empty());
    const auto sent = m_node->notifier.sent();
    QCOMPARE(sent.size(), std::size_t(2));
    QCOMPARE(sent[1].endsAt, m_clock->now()); // resolved when the rule went
    QCOMPARE(sent[1].startsAt, sent[0].startsAt);
    bool sawRemoved = false;
    QVERIFY(pollUntil([&] {
        for (const AlertEvent &event : (*watch)->take(100).events) {
            sawRemoved = sawRemoved || event.type == AlertEventType::Removed;
        }
        return sawRemoved;
    }));
}

void AlertEngineTest::editedFileKeepsTheRulesAlerts() {
    publish(*m_node, rulesFile("0s"));
    m_queries->setSeries("up == 0", {{kCheckoutDown, 0}});
    advanceAndEvaluate(15s);
    const Alert fired = alertsOf(*m_node)[0];
    // The same rule with another annotation, and a second group.
    std::string edited = rulesFile("0s");
    edited.replace(edited.find("is down"), 7, "is unreachable");
    edited += "- name: other\n  rules:\n  - alert: Other\n    expr: vector(1) == 0\n";
    publish(*m_node, edited);
    QCOMPARE(m_node->engine->rules().size(), std::size_t(2));
    advanceAndEvaluate(15s);
    const auto alerts = alertsOf(*m_node);
    QCOMPARE(alerts.size(), std::size_t(1));
    QCOMPARE(alerts[0].id, fired.id);
    QCOMPARE(alerts[0].state, AlertState::Firing);
    QCOMPARE(alerts[0].firedAt, fired.firedAt);
    QCOMPARE(alerts[0].annotations, (LabelSet{{"summary", "a of checkout is unreachable"}}));
    QCOMPARE(m_node->notifier.sent().size(), std::size_t(1)); // not new again
}

void AlertEngineTest::testRuleTellsPendingFromFiring() {
    // Series "a" holds at every step of the last minute, "b" only now, "c" stopped before now.
    m_queries->setRange([](const metrics::RangeQuery &query) {
        const std::int64_t end = toMillis(query.end);
        const std::int64_t step = query.step.count();
        metrics::QueryResult result;
        result.type = metrics::ResultType::Matrix;
        metrics::Series a{{{"instance", "a"}}, {}, {}};
        for (std::int64_t t = toMillis(query.start); t <= end; t += step) {
            a.timestampsMs.push_back(t);
            a.values.push_back(1);
        }
        result.series.push_back(a);
        result.series.push_back({{{"instance", "b"}}, {end - 4 * step, end}, {1, 2}});
        result.series.push_back({{{"instance", "c"}}, {end - 2 * step, end - step}, {1, 1}});
        return result;
    });
    Rule rule;
    rule.alert = "InstanceDown";
    rule.expr = "up == 0";
    rule.forDuration = 1min;
    rule.annotations = {{"summary", "{{ $labels.instance }} down"}};
    std::promise<StatusOr<TestRuleResult>> promise;
    m_node->engine->testRule(rule, 15s,
                             [&promise](auto result) { promise.set_value(std::move(result)); });
    auto result = promise.get_future().get();
    QVERIFY2(result.isOk(), result.status().message().c_str());
    const auto queries = m_queries->rangeQueries();
    QCOMPARE(queries.size(), std::size_t(1));
    QCOMPARE(queries[0].end - queries[0].start, std::chrono::system_clock::duration(1min));
    QCOMPARE(queries[0].step, std::chrono::milliseconds(15s));
    QCOMPARE(result->seriesCount, 3);
    QCOMPARE(result->alerts.size(), std::size_t(2));
    std::map<std::string, Alert> byInstance;
    for (const Alert &alert : result->alerts) {
        for (const auto &[name, value] : alert.labels) {
            if (name == "instance") {
                byInstance[value] = alert;
            }
        }
    }
    QCOMPARE(byInstance["a"].state, AlertState::Firing);
    QCOMPARE(byInstance["b"].state, AlertState::Pending);
    QCOMPARE(byInstance["b"].value, 2.0);
    QCOMPARE(byInstance["b"].annotations, (LabelSet{{"summary", "b down"}}));
}

void AlertEngineTest::checkExpressionsPointsIntoTheFile() {
    m_queries->setError("rate(x[5m]) +",
                        invalidArgument("query: 1:14: parse error: unexpected end of input"));
    RuleFile file;
    RuleGroup group;
    group.name = "api";
    Rule bad;
    bad.alert = "Bad";
    bad.expr = "rate(x[5m]) +";
    bad.position = {4, 5};
    bad.exprPosition = {5, 11};
    Rule good;
    good.alert = "Good";
    good.expr = "up == 0";
    good.position = {7, 5};
    good.exprPosition = {8, 11};
    group.rules = {bad, good};
    file.groups = {group};
    std::promise<std::vector<RuleDiagnostic>> promise;
    m_node->engine->checkExpressions(
        file, [&promise](auto diagnostics) { promise.set_value(std::move(diagnostics)); });
    const auto diagnostics = promise.get_future().get();
    QCOMPARE(diagnostics.size(), std::size_t(1));
    QCOMPARE(diagnostics[0].group, std::string("api"));
    QCOMPARE(diagnostics[0].rule, std::string("Bad"));
    QCOMPARE(diagnostics[0].position.line, 5);
    QCOMPARE(diagnostics[0].position.column, 24);
    QVERIFY(diagnostics[0].message.find("unexpected end of input") != std::string::npos);
}

void AlertEngineTest::historyPrunedPastItsRetention() {
    close();
    AlertingSettings settings;
    settings.historyRetention = 1min;
    m_node = open(settings);
    publish(*m_node, rulesFile("0s"));
    m_queries->setSeries("up == 0", {{kCheckoutDown, 0}});
    advanceAndEvaluate(15s); // inactive → firing
    m_queries->setSeries("up == 0", {});
    advanceAndEvaluate(15s); // firing → resolved
    const std::string id = alertsOf(*m_node)[0].id;
    QCOMPARE(m_node->engine->history(id, {}, 0).size(), std::size_t(2));
    m_clock->advance(2min);
    m_queries->setSeries("up == 0", {{kCheckoutDown, 0}});
    const store::Revision before = m_node->store->currentRevision();
    advanceAndEvaluate(15s); // resolved → firing, in the write that drops the old two
    QCOMPARE(m_node->store->currentRevision(), before + 1);
    const auto history = m_node->engine->history(id, {}, 0);
    QCOMPARE(history.size(), std::size_t(1));
    QCOMPARE(history[0].from, AlertState::Resolved);
    QCOMPARE(history[0].to, AlertState::Firing);
    auto stored = m_node->store->rangePrefix(std::string(kHistoryPrefix));
    QVERIFY(stored.isOk());
    QCOMPARE(stored->kvs.size(), std::size_t(1));
}

void AlertEngineTest::checkExpressionsPointsIntoABlockScalar() {
    const std::string yaml = "groups:\n"
                             "- name: api\n"
                             "  rules:\n"
                             "  - alert: Bad\n"
                             "    expr: |\n"
                             "      sum(rate(x[5m]))\n"
                             "        > )\n";
    const auto parsed = parseRuleFile(yaml);
    QVERIFY(parsed.diagnostics.empty());
    const std::string expr = parsed.file.groups.at(0).rules.at(0).expr;
    // Where Prometheus puts the error in the expression's own text: the ")" of its second line.
    QCOMPARE(expr.substr(expr.find('\n') + 1, 5), std::string("  > )"));
    m_queries->setError(expr, invalidArgument("query: 2:5: parse error: unexpected \")\""));
    std::promise<std::vector<RuleDiagnostic>> promise;
    m_node->engine->checkExpressions(
        parsed.file, [&promise](auto diagnostics) { promise.set_value(std::move(diagnostics)); });
    const auto diagnostics = promise.get_future().get();
    QCOMPARE(diagnostics.size(), std::size_t(1));
    // The file's line 7, "        > )": the ")" is its 11th character.
    QCOMPARE(diagnostics[0].position.line, 7);
    QCOMPARE(diagnostics[0].position.column, 11);
}

void AlertEngineTest::queriesInFlightAreBounded() {
    std::string file = "groups:\n- name: many\n  interval: 15s\n  rules:\n";
    for (int i = 0; i < 40; ++i) {
        file +=
            "  - alert: Rule" + std::to_string(i) + "\n    expr: up == " + std::to_string(i) + "\n";
    }
    publish(*m_node, file);
    QCOMPARE(m_node->engine->rules().size(), std::size_t(40));
    advanceAndEvaluate(15s);
    QCOMPARE(m_queries->instantQueries(), 40);
    QVERIFY(m_queries->maxInFlight() <= 8);
    for (const RuleStatus &rule : m_node->engine->rules()) {
        QCOMPARE(rule.health, RuleHealth::Ok);
    }
}

void AlertEngineTest::metricsOffMarksRulesErring() {
    AlertEngine engine(*m_node->store, *m_node->config, nullptr, &m_node->notifier, m_clock, {});
    QVERIFY(engine.load().isOk());
    publish(*m_node, rulesFile("0s"));
    m_clock->advance(15s);
    std::promise<void> promise;
    engine.evaluateDue([&promise] { promise.set_value(); });
    QVERIFY(promise.get_future().wait_for(10s) == std::future_status::ready);
    const auto rules = engine.rules();
    QCOMPARE(rules.size(), std::size_t(1));
    QCOMPARE(rules[0].health, RuleHealth::Err);
    QVERIFY(rules[0].lastError.find("metrics are off") != std::string::npos);
    QVERIFY(alertsOf(*m_node).empty());
}

void AlertEngineTest::threadEvaluatesOnItsOwn() {
    publish(*m_node, rulesFile("0s"));
    m_queries->setSeries("up == 0", {{kCheckoutDown, 0}});
    m_node->engine->start();
    m_clock->advance(15s);
    QVERIFY(pollUntil([&] { return m_node->notifier.sent().size() == 1; }));
    QCOMPARE(alertsOf(*m_node)[0].state, AlertState::Firing);
    m_node->engine->stop();
}

namespace {

double valueOf(prometheus::Registry &registry, const std::string &name,
               const std::string &state = {}) {
    for (const auto &family : registry.Collect()) {
        if (family.name != name) {
            continue;
        }
        for (const auto &metric : family.metric) {
            const bool matches =
                state.empty() ||
                std::any_of(metric.label.begin(), metric.label.end(), [&](const auto &label) {
                    return label.name == "state" && label.value == state;
                });
            if (!matches) {
                continue;
            }
            if (family.type == prometheus::MetricType::Histogram) {
                return static_cast<double>(metric.histogram.sample_count);
            }
            return family.type == prometheus::MetricType::Counter ? metric.counter.value
                                                                  : metric.gauge.value;
        }
    }
    return -1;
}

} // namespace

void AlertEngineTest::metricsCountEvaluationsAndAlerts() {
    close();
    m_node = std::make_unique<Node>();
    {
        auto store = store::SqliteStore::open({m_dir->path() / "aegis.db"});
        QVERIFY(store.isOk());
        m_node->ownStore = std::move(*store);
        m_node->store = m_node->ownStore.get();
        m_node->ownHub = std::make_unique<store::WatchHub>(*m_node->store);
        m_node->hub = m_node->ownHub.get();
        auto secrets = config::SecretBox::openOrCreate(m_dir->path() / "config.key");
        QVERIFY(secrets.isOk());
        m_node->secrets = std::move(*secrets);
        m_node->config =
            std::make_unique<config::ConfigCenter>(*m_node->store, *m_node->secrets, m_clock);
        QVERIFY(m_node->config->load().isOk());
    }
    prometheus::Registry registry;
    m_node->engine = std::make_unique<AlertEngine>(*m_node->store, *m_node->config, m_queries.get(),
                                                   &m_node->notifier, m_clock, AlertingSettings{});
    m_node->engine->exportMetrics(registry);
    QVERIFY(m_node->engine->load().isOk());

    publish(*m_node, rulesFile("0s"));
    m_queries->setSeries("up == 0", {{kCheckoutDown, 0}});
    advanceAndEvaluate(15s);
    // A failure that is not an outage (no AegisMetricsBackendDown to count).
    m_queries->setError("up == 0", invalidArgument("bad_data: parse error"));
    advanceAndEvaluate(15s);
    QCOMPARE(valueOf(registry, "aegis_alerting_rule_evaluations_total"), 2.0);
    QCOMPARE(valueOf(registry, "aegis_alerting_rule_evaluation_failures_total"), 1.0);
    QCOMPARE(valueOf(registry, "aegis_alerting_group_evaluation_seconds"), 2.0);
    QCOMPARE(valueOf(registry, "aegis_alerting_alerts", "firing"), 1.0);
    QCOMPARE(valueOf(registry, "aegis_alerting_alerts", "pending"), 0.0);
    QCOMPARE(valueOf(registry, "aegis_alerting_notifications_queued_total"), 1.0);
}

QTEST_GUILESS_MAIN(AlertEngineTest)
#include "tst_alert_engine.moc"
