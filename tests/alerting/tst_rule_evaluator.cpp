// The alerting rule state machine (Prometheus' rules/alerting.go semantics) at given evaluation
// times: pending, firing, resolved, keep_firing_for, retention, errors, labels and limits, and
// which alerts are due to be sent.

#include "alerting/rule_evaluator.h"

#include <QtTest>

using namespace aegis;
using namespace aegis::alerting;
using namespace std::chrono_literals;

namespace {

const TimePoint t0 = TimePoint(std::chrono::hours(24 * 365 * 56));
const std::string kRuleId = "team/api/InstanceDown";

Rule instanceDown(std::chrono::milliseconds forDuration = 0ms,
                  std::chrono::milliseconds keepFiringFor = 0ms) {
    Rule rule;
    rule.alert = "InstanceDown";
    rule.expr = "up == 0";
    rule.forDuration = forDuration;
    rule.keepFiringFor = keepFiringFor;
    rule.labels = {{"severity", "critical"}};
    rule.annotations = {{"summary", "{{ $labels.instance }} is down"}};
    return rule;
}

RuleSample down(const std::string &instance, double value = 0) {
    return {{{"__name__", "up"}, {"instance", instance}, {"job", "api"}}, value};
}

// A rule's alerts across evaluations, as the engine keeps them.
struct Run {
    explicit Run(Rule r)
        : rule(std::move(r)) {}

    Rule rule;
    int limit = 0;
    AlertMap alerts;
    RuleEvaluation last;

    RuleEvaluation &at(TimePoint time, StatusOr<std::vector<RuleSample>> samples) {
        last = evaluateRule(rule, kRuleId, alerts, samples, time, limit);
        alerts = last.alerts;
        return last;
    }
    const Alert &only() const {
        if (alerts.size() != 1) {
            qFatal("expected one alert, have %zu", alerts.size());
        }
        return alerts.begin()->second;
    }
};

bool hasTransition(const RuleEvaluation &evaluation, AlertState from, AlertState to) {
    return std::any_of(evaluation.transitions.begin(), evaluation.transitions.end(),
                       [&](const Transition &t) { return t.from == from && t.to == to; });
}

} // namespace

class RuleEvaluatorTest : public QObject {
    Q_OBJECT

private slots:
    void pendingFiresExactlyAtFor_data();
    void pendingFiresExactlyAtFor();
    void forZeroFiresAtOnce();
    void pendingStopsAndIsForgotten();
    void firingResolves();
    void keepFiringForIsExact();
    void conditionBackDuringKeepFiringRestartsIt();
    void resolvedKeptForRetentionThenForgotten();
    void resolvedLabelSetComingBackStartsAgain();
    void queryErrorKeepsAlerts();
    void labelsAndAnnotationsExpanded();
    void duplicateLabelSetsFailTheRule();
    void limitExceededDropsAlerts();
    void firingSentThenEveryResendInterval();
    void resolvedSentAtOnceWithItsTime();
};

void RuleEvaluatorTest::pendingFiresExactlyAtFor_data() {
    QTest::addColumn<int>("stepSeconds");
    QTest::addColumn<int>("firesAtSeconds");
    // for: 2m. Evaluations on 15 s steps reach activeAt + 2m exactly; on 25 s steps the first
    // evaluation at or after it is at 125 s.
    QTest::newRow("aligned") << 15 << 120;
    QTest::newRow("first at or after") << 25 << 125;
}

void RuleEvaluatorTest::pendingFiresExactlyAtFor() {
    QFETCH(int, stepSeconds);
    QFETCH(int, firesAtSeconds);
    Run run{instanceDown(2min)};
    QVERIFY(hasTransition(run.at(t0, std::vector{down("a")}), AlertState::Inactive,
                          AlertState::Pending));
    QCOMPARE(run.only().state, AlertState::Pending);
    QCOMPARE(run.only().activeAt, t0);
    for (int s = stepSeconds; s < firesAtSeconds; s += stepSeconds) {
        run.at(t0 + std::chrono::seconds(s), std::vector{down("a")});
        QCOMPARE(run.only().state, AlertState::Pending);
        QVERIFY(run.last.transitions.empty());
    }
    const TimePoint firesAt = t0 + std::chrono::seconds(firesAtSeconds);
    QVERIFY(hasTransition(run.at(firesAt, std::vector{down("a")}), AlertState::Pending,
                          AlertState::Firing));
    QCOMPARE(run.only().state, AlertState::Firing);
    QCOMPARE(run.only().firedAt, firesAt);
    QCOMPARE(run.only().activeAt, t0);
}

void RuleEvaluatorTest::forZeroFiresAtOnce() {
    Run run{instanceDown()};
    const auto &evaluation = run.at(t0, std::vector{down("a")});
    QCOMPARE(run.only().state, AlertState::Firing);
    QCOMPARE(run.only().firedAt, t0);
    // One transition per evaluation: inactive straight to firing.
    QCOMPARE(evaluation.transitions.size(), std::size_t(1));
    QVERIFY(hasTransition(evaluation, AlertState::Inactive, AlertState::Firing));
}

void RuleEvaluatorTest::pendingStopsAndIsForgotten() {
    Run run{instanceDown(1min)};
    run.at(t0, std::vector{down("a")});
    const std::string id = run.only().id;
    const auto &evaluation = run.at(t0 + 15s, std::vector<RuleSample>{});
    QVERIFY(run.alerts.empty());
    QCOMPARE(evaluation.removed, std::vector<std::string>{id});
    QVERIFY(hasTransition(evaluation, AlertState::Pending, AlertState::Inactive));
}

void RuleEvaluatorTest::firingResolves() {
    Run run{instanceDown()};
    run.at(t0, std::vector{down("a")});
    const auto &evaluation = run.at(t0 + 15s, std::vector<RuleSample>{});
    QCOMPARE(run.only().state, AlertState::Resolved);
    QCOMPARE(run.only().resolvedAt, t0 + 15s);
    QCOMPARE(run.only().firedAt, t0);
    QVERIFY(hasTransition(evaluation, AlertState::Firing, AlertState::Resolved));
    QVERIFY(evaluation.removed.empty());
}

void RuleEvaluatorTest::keepFiringForIsExact() {
    Run run{instanceDown(0ms, 1min)};
    run.at(t0, std::vector{down("a")});
    const TimePoint stopped = t0 + 15s;
    run.at(stopped, std::vector<RuleSample>{});
    QCOMPARE(run.only().state, AlertState::Firing);
    QCOMPARE(run.only().keepFiringSince, stopped);
    run.at(stopped + 59s, std::vector<RuleSample>{});
    QCOMPARE(run.only().state, AlertState::Firing);
    QVERIFY(run.last.transitions.empty());
    run.at(stopped + 60s, std::vector<RuleSample>{});
    QCOMPARE(run.only().state, AlertState::Resolved);
    QCOMPARE(run.only().resolvedAt, stopped + 60s);
}

void RuleEvaluatorTest::conditionBackDuringKeepFiringRestartsIt() {
    Run run{instanceDown(0ms, 1min)};
    run.at(t0, std::vector{down("a")});
    run.at(t0 + 15s, std::vector<RuleSample>{});
    run.at(t0 + 30s, std::vector{down("a")});
    QCOMPARE(run.only().keepFiringSince, TimePoint{});
    run.at(t0 + 45s, std::vector<RuleSample>{});
    run.at(t0 + 45s + 59s, std::vector<RuleSample>{});
    QCOMPARE(run.only().state, AlertState::Firing);
    QCOMPARE(run.only().firedAt, t0);
}

void RuleEvaluatorTest::resolvedKeptForRetentionThenForgotten() {
    Run run{instanceDown()};
    run.at(t0, std::vector{down("a")});
    const TimePoint resolvedAt = t0 + 15s;
    run.at(resolvedAt, std::vector<RuleSample>{});
    run.at(resolvedAt + kResolvedRetention, std::vector<RuleSample>{});
    QCOMPARE(run.only().state, AlertState::Resolved);
    const std::string id = run.only().id;
    const auto &evaluation =
        run.at(resolvedAt + kResolvedRetention + 1ms, std::vector<RuleSample>{});
    QVERIFY(run.alerts.empty());
    QCOMPARE(evaluation.removed, std::vector<std::string>{id});
}

void RuleEvaluatorTest::resolvedLabelSetComingBackStartsAgain() {
    Run run{instanceDown(1min)};
    run.at(t0, std::vector{down("a")});
    run.at(t0 + 1min, std::vector{down("a")});
    run.at(t0 + 2min, std::vector<RuleSample>{});
    QCOMPARE(run.only().state, AlertState::Resolved);
    const auto &evaluation = run.at(t0 + 3min, std::vector{down("a")});
    QCOMPARE(run.only().state, AlertState::Pending);
    QCOMPARE(run.only().activeAt, t0 + 3min);
    QCOMPARE(run.only().firedAt, TimePoint{});
    QVERIFY(hasTransition(evaluation, AlertState::Resolved, AlertState::Pending));
}

void RuleEvaluatorTest::queryErrorKeepsAlerts() {
    Run run{instanceDown(1min)};
    run.at(t0, std::vector{down("a"), down("b")});
    run.at(t0 + 1min, std::vector{down("a"), down("b")});
    const AlertMap before = run.alerts;
    const auto &evaluation =
        run.at(t0 + 75s, Status(StatusCode::Unavailable, "http://127.0.0.1:9090: refused"));
    QCOMPARE(evaluation.error.code(), StatusCode::Unavailable);
    QVERIFY(run.alerts == before);
    QVERIFY(evaluation.transitions.empty());
    QVERIFY(evaluation.removed.empty());
    // The next successful evaluation carries on from the same state.
    run.at(t0 + 90s, std::vector{down("a"), down("b")});
    QCOMPARE(run.alerts.size(), std::size_t(2));
    for (const auto &[id, alert] : run.alerts) {
        QCOMPARE(alert.state, AlertState::Firing);
        QCOMPARE(alert.firedAt, t0 + 1min);
    }
}

void RuleEvaluatorTest::labelsAndAnnotationsExpanded() {
    Rule rule = instanceDown();
    rule.labels = {{"severity", "critical"}, {"where", "{{ $labels.instance }}"}};
    Run run{rule};
    RuleSample sample = down("db-1", 3);
    sample.labels.emplace_back("severity", "low"); // the rule's label wins
    std::sort(sample.labels.begin(), sample.labels.end());
    run.at(t0, std::vector{sample});
    const Alert &alert = run.only();
    const LabelSet expected{{"alertname", "InstanceDown"},
                            {"instance", "db-1"},
                            {"job", "api"},
                            {"severity", "critical"},
                            {"where", "db-1"}};
    QCOMPARE(alert.labels, expected);
    QCOMPARE(alert.annotations, (LabelSet{{"summary", "db-1 is down"}}));
    QCOMPARE(alert.value, 3.0);
    QCOMPARE(alert.rule, kRuleId);
    QCOMPARE(alert.id, alertFingerprint(kRuleId, expected));
}

void RuleEvaluatorTest::duplicateLabelSetsFailTheRule() {
    Run run{instanceDown()};
    run.at(t0, std::vector{down("a")});
    const AlertMap before = run.alerts;
    // Two series that differ only by their metric name: the same alert once __name__ is gone.
    RuleSample other = down("a");
    other.labels[0].second = "up_other";
    const auto &evaluation = run.at(t0 + 15s, std::vector{down("a"), other});
    QCOMPARE(evaluation.error.code(), StatusCode::InvalidArgument);
    QVERIFY(QString::fromStdString(evaluation.error.message()).contains("same labelset"));
    QVERIFY(run.alerts == before);
}

void RuleEvaluatorTest::limitExceededDropsAlerts() {
    Run run{instanceDown()};
    run.limit = 2;
    run.at(t0, std::vector{down("a"), down("b")});
    QCOMPARE(run.alerts.size(), std::size_t(2));
    QVERIFY(run.last.error.isOk());
    const auto &evaluation = run.at(t0 + 15s, std::vector{down("a"), down("b"), down("c")});
    QCOMPARE(evaluation.error.message(), std::string("exceeded limit of 2 with 3 alerts"));
    QVERIFY(run.alerts.empty());
    QCOMPARE(evaluation.removed.size(), std::size_t(2));
}

void RuleEvaluatorTest::firingSentThenEveryResendInterval() {
    Run run{instanceDown(1min)};
    run.at(t0, std::vector{down("a")});
    QVERIFY(takeAlertsToSend(run.alerts, t0, 1min, 15s).empty()); // pending: never sent
    run.at(t0 + 1min, std::vector{down("a")});
    auto sent = takeAlertsToSend(run.alerts, t0 + 1min, 1min, 15s);
    QCOMPARE(sent.size(), std::size_t(1));
    QCOMPARE(sent[0].startsAt, t0 + 1min);
    QCOMPARE(sent[0].endsAt, t0 + 1min + 4min); // 4 × max(resend 1m, interval 15s)
    QCOMPARE(run.only().lastSentAt, t0 + 1min);
    QVERIFY(takeAlertsToSend(run.alerts, t0 + 2min, 1min, 15s).empty()); // not more than 1m
    sent = takeAlertsToSend(run.alerts, t0 + 2min + 15s, 1min, 2min);
    QCOMPARE(sent.size(), std::size_t(1));
    QCOMPARE(sent[0].endsAt, t0 + 2min + 15s + 8min); // the interval is the longer one
}

void RuleEvaluatorTest::resolvedSentAtOnceWithItsTime() {
    Run run{instanceDown()};
    run.at(t0, std::vector{down("a")});
    QCOMPARE(takeAlertsToSend(run.alerts, t0, 1min, 15s).size(), std::size_t(1));
    run.at(t0 + 15s, std::vector<RuleSample>{});
    auto sent = takeAlertsToSend(run.alerts, t0 + 15s, 1min, 15s);
    QCOMPARE(sent.size(), std::size_t(1));
    QCOMPARE(sent[0].endsAt, t0 + 15s);
    QCOMPARE(sent[0].startsAt, t0);
    // Then every resend interval while it is kept.
    QVERIFY(takeAlertsToSend(run.alerts, t0 + 30s, 1min, 15s).empty());
    QCOMPARE(takeAlertsToSend(run.alerts, t0 + 90s, 1min, 15s).size(), std::size_t(1));
}

QTEST_GUILESS_MAIN(RuleEvaluatorTest)
#include "tst_rule_evaluator.moc"
