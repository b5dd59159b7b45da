// The Alerts page: its models (the tree grouped by service and severity, counts and the
// decision to notify, filters by matchers, silences, history and the chart's spans), the rule
// editor's markers for a broken file, the silence dialog's checks, the navigation badge, the
// Overview's counts and the tray message; screenshots at 1280×800 and 1920×1080, light and dark,
// with data set on the models. Then against a real aegisd whose managed Prometheus answers a rule
// that always holds (`vector(1) > 0`, `for: 0s`, the cheapest alert that really fires) and whose
// managed Alertmanager keeps silences: the page lists the alert, the silence dialog previews and
// creates a silence, the editor marks what the daemon refuses, and TestRule previews the rule.

#include "app/critical_health_notifier.h"
#include "app/main_window.h"
#include "app/theme_controller.h"
#include "daemon_process.h"
#include "models/alert_history_model.h"
#include "models/alert_list_model.h"
#include "models/alert_matchers.h"
#include "models/alert_tree_model.h"
#include "models/chart_series.h"
#include "models/rule_file_check.h"
#include "models/silence_model.h"
#include "net/alerts_api.h"
#include "net/session.h"
#include "poll_until.h"
#include "views/alert_detail_pane.h"
#include "views/alerts_page.h"
#include "views/code_editor.h"
#include "views/overview_page.h"
#include "views/rule_editor_panel.h"
#include "views/silence_dialog.h"
#include "views/theme.h"
#include "views/time_series_chart.h"

#include <QAbstractItemModelTester>
#include <QApplication>
#include <QDir>
#include <QPointer>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTabWidget>
#include <QTest>
#include <QTextBlock>
#include <QTreeView>

#include <qcustomplot.h>

#include <cmath>
#include <fstream>

using namespace aegis;
using namespace aegis::console;
using namespace std::chrono_literals;

namespace {

// 2023-11-14T22:13:20Z.
const QDateTime kNow = QDateTime::fromMSecsSinceEpoch(1700000000000, Qt::UTC);

QString artifact(const QString &name) {
    return QDir(QCoreApplication::applicationDirPath()).filePath(name);
}

AlertInfo makeAlert(const QString &id, const QString &name, const QString &service,
                    const QString &severity, AlertState state, qint64 activeSecondsAgo,
                    const QString &summary = {}, AlertLabels extra = {}) {
    AlertInfo alert;
    alert.id = id;
    alert.rule = QStringLiteral("default.yaml/services/%1").arg(name);
    alert.labels.append({QStringLiteral("alertname"), name});
    for (const auto &label : extra) {
        alert.labels.append(label);
    }
    if (!service.isEmpty()) {
        alert.labels.append({QStringLiteral("service"), service});
    }
    if (!severity.isEmpty()) {
        alert.labels.append({QStringLiteral("severity"), severity});
    }
    std::sort(alert.labels.begin(), alert.labels.end());
    if (!summary.isEmpty()) {
        alert.annotations.append({QStringLiteral("summary"), summary});
    }
    alert.state = state;
    alert.value = 0.07;
    alert.activeAt = kNow.addSecs(-activeSecondsAgo);
    if (state == AlertState::Firing) {
        alert.firedAt = alert.activeAt.addSecs(120);
    }
    alert.lastEvaluation = kNow;
    return alert;
}

QList<AlertInfo> fleetAlerts() {
    AlertInfo silenced = makeAlert(QStringLiteral("a4"), QStringLiteral("HighLatencyP99"),
                                   QStringLiteral("payments"), QStringLiteral("warning"),
                                   AlertState::Firing, 1800, QStringLiteral("p99 above 400ms"));
    silenced.silencedBy = {QStringLiteral("s1")};
    return {makeAlert(QStringLiteral("a1"), QStringLiteral("HighErrorRatio"),
                      QStringLiteral("checkout"), QStringLiteral("critical"), AlertState::Firing,
                      360, QStringLiteral("checkout fails 7% of requests")),
            makeAlert(QStringLiteral("a2"), QStringLiteral("InstanceCritical"),
                      QStringLiteral("checkout"), QStringLiteral("critical"), AlertState::Pending,
                      30, QStringLiteral("checkout-3 is critical"),
                      {{QStringLiteral("instance"), QStringLiteral("checkout-3")}}),
            makeAlert(QStringLiteral("a3"), QStringLiteral("ProcessCpuHigh"),
                      QStringLiteral("checkout"), QStringLiteral("warning"), AlertState::Pending,
                      50, QStringLiteral("CPU at 86%"),
                      {{QStringLiteral("instance"), QStringLiteral("checkout-1")}}),
            silenced,
            makeAlert(QStringLiteral("a5"), QStringLiteral("StoreCommitSlow"), QString(),
                      QStringLiteral("warning"), AlertState::Firing, 600,
                      QStringLiteral("store commits take 180ms at p99"))};
}

QStringList childNames(const QAbstractItemModel &model, const QModelIndex &parent) {
    QStringList names;
    for (int row = 0; row < model.rowCount(parent); ++row) {
        names.append(model.index(row, 0, parent).data().toString());
    }
    return names;
}

const char *const kBrokenRuleFile = R"yaml(groups:
  - name: services
    interval: 30s
    rules:
      - alert: HighErrorRatio
        expr: sum(rate(http_requests_total[1m])) > 0.05
        for: two minutes
        labels:
          severity: critical
      - alert: HighLatency
        expr: histogram_quantile(0.99, rate(http_request_duration_seconds_bucket[1m])) > 0.4
        for: 2m
        annotations:
          summary: "p99 is {{ $value | humanizeDuration }}"
)yaml";

const char *const kGoodRuleFile = R"yaml(groups:
  - name: services
    interval: 30s
    rules:
      - alert: HighErrorRatio
        expr: sum(rate(http_requests_total[1m])) > 0.05
        for: 2m
        labels:
          severity: critical

      - alert: AlwaysOn
        expr: vector(1) > 0
        for: 0s
)yaml";

const char *const kAlwaysFiring = R"yaml(groups:
  - name: smoke
    interval: 1s
    rules:
      - alert: AlwaysOn
        expr: vector(1) > 0
        for: 0s
        labels:
          severity: critical
          service: smoke
        annotations:
          summary: "always on ({{ $value }})"
)yaml";

// The expression is YAML-valid but not PromQL: only the metrics backend refuses it.
const char *const kBadExpression = R"yaml(groups:
  - name: smoke
    rules:
      - alert: Broken
        expr: sum(rate(up[1m]) >
)yaml";

std::optional<AlertInfo> alertNamed(const AlertTreeModel &model, const QString &name) {
    for (const AlertInfo &alert : model.alerts()) {
        if (alert.name() == name) {
            return alert;
        }
    }
    return std::nullopt;
}

} // namespace

class TestConsoleAlerts : public QObject {
    Q_OBJECT
private slots:
    void initTestCase() {
        QStandardPaths::setTestModeEnabled(true);
        QCoreApplication::setOrganizationName(QStringLiteral("aegis-tests"));
        QCoreApplication::setApplicationName(QStringLiteral("tst_console_alerts"));
        m_platformPalette = QApplication::palette();
        applyTheme(*qApp, ThemeMode::Light, m_platformPalette);
    }

    void treeGroupsByServiceAndSeverity() {
        AlertTreeModel model;
        QAbstractItemModelTester tester(&model,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setReferenceTime(kNow);
        model.reset(fleetAlerts());
        QCOMPARE(childNames(model, {}), (QStringList{"checkout", "payments", "(no service)"}));
        const QModelIndex checkout = model.index(0, 0);
        QCOMPARE(childNames(model, checkout), (QStringList{"critical", "warning"}));
        const QModelIndex critical = model.index(0, 0, checkout);
        // Firing before pending.
        QCOMPARE(childNames(model, critical),
                 (QStringList{"HighErrorRatio", "InstanceCritical {instance=\"checkout-3\"}"}));
        const QModelIndex firing = model.index(0, 0, critical);
        QCOMPARE(firing.data(AlertTreeModel::AlertIdRole).toString(), QStringLiteral("a1"));
        QCOMPARE(model.index(0, AlertTreeModel::StateColumn, critical).data().toString(),
                 QStringLiteral("Firing"));
        // Fired 2 minutes after it became active 6 minutes ago.
        QCOMPARE(model.index(0, AlertTreeModel::AgeColumn, critical).data().toString(),
                 QStringLiteral("firing for 4 min"));
        QCOMPARE(model.index(1, AlertTreeModel::AgeColumn, critical).data().toString(),
                 QStringLiteral("pending for 30 s"));
        QCOMPARE(model.index(0, AlertTreeModel::SummaryColumn, critical).data().toString(),
                 QStringLiteral("checkout fails 7% of requests"));
        QCOMPARE(model.index(0, AlertTreeModel::StateColumn).data().toString(),
                 QStringLiteral("1 firing, 2 pending"));
        const QModelIndex payments = model.index(1, 0);
        const QModelIndex silenced =
            model.index(0, AlertTreeModel::StateColumn, model.index(0, 0, payments));
        QCOMPARE(silenced.data().toString(), QStringLiteral("Firing · silenced"));
        QVERIFY(silenced.data(AlertTreeModel::SilencedRole).toBool());

        const AlertCounts counts = model.counts();
        QCOMPARE(counts.firing, 3);
        QCOMPARE(counts.pending, 2);
        QCOMPARE(counts.silenced, 1);
        QCOMPARE(counts.criticalFiring, 1);
        QCOMPARE(model.indexOf(QStringLiteral("a3")).data(AlertTreeModel::AlertIdRole).toString(),
                 QStringLiteral("a3"));
    }

    void treeFollowsWatchBatchesAndDecidesNotifications() {
        AlertTreeModel model;
        QAbstractItemModelTester tester(&model,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        QSignalSpy notified(&model, &AlertTreeModel::criticalAlertsFiring);
        QSignalSpy resets(&model, &QAbstractItemModel::modelReset);
        QSignalSpy counts(&model, &AlertTreeModel::countsChanged);
        AlertBatch snapshot;
        snapshot.snapshot = true;
        for (const AlertInfo &alert : fleetAlerts()) {
            snapshot.changes.append({false, alert});
        }
        model.apply(snapshot);
        // What fired before the console looked is shown, not announced.
        QCOMPARE(notified.count(), 0);
        QCOMPARE(model.counts().criticalFiring, 1);

        // A value changes: the rows stay, the row is updated.
        const int resetsBefore = int(resets.count());
        QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
        AlertInfo a1 = fleetAlerts().at(0);
        a1.value = 0.09;
        model.apply({false, {{false, a1}}, 12});
        QCOMPARE(resets.count(), resetsBefore);
        QVERIFY(changed.count() > 0);
        QCOMPARE(notified.count(), 0);

        // The pending critical alert fires: one notification naming it.
        AlertInfo a2 = fleetAlerts().at(1);
        a2.state = AlertState::Firing;
        a2.firedAt = kNow;
        model.apply({false, {{false, a2}}, 13});
        QCOMPARE(notified.count(), 1);
        const auto alerts = notified.at(0).at(0).value<QList<AlertInfo>>();
        QCOMPARE(alerts.size(), 1);
        QCOMPARE(alerts.first().id, QStringLiteral("a2"));
        QCOMPARE(model.counts().criticalFiring, 2);
        // Still firing at the next evaluation: nothing new.
        a2.value = 1;
        model.apply({false, {{false, a2}}, 14});
        QCOMPARE(notified.count(), 1);

        // A silenced critical alert that fires is not announced.
        AlertInfo quiet =
            makeAlert(QStringLiteral("a9"), QStringLiteral("Quiet"), QStringLiteral("search"),
                      QStringLiteral("critical"), AlertState::Firing, 60);
        quiet.silencedBy = {QStringLiteral("s2")};
        model.apply({false, {{false, quiet}}, 15});
        QCOMPARE(notified.count(), 1);

        // Silencing learnt from a list reaches the alerts known, and only them.
        AlertInfo listed = a2;
        listed.silencedBy = {QStringLiteral("s3")};
        AlertInfo unknown = quiet;
        unknown.id = QStringLiteral("a99");
        model.updateSilencing({listed, unknown});
        QVERIFY(model.alert(QStringLiteral("a2"))->isSilenced());
        QVERIFY(!model.alert(QStringLiteral("a99")));
        QCOMPARE(model.counts().criticalFiring, 1);

        // Removed and resolved alerts leave the tree.
        AlertInfo resolved = a1;
        resolved.state = AlertState::Resolved;
        model.apply({false, {{false, resolved}, {true, fleetAlerts().at(4)}}, 16});
        QVERIFY(!model.alert(QStringLiteral("a1")));
        QVERIFY(!model.alert(QStringLiteral("a5")));
        QVERIFY(!childNames(model, {}).contains(QStringLiteral("(no service)")));
        QVERIFY(counts.count() >= 3);
    }

    void filterByMatchers() {
        AlertTreeModel model;
        QAbstractItemModelTester tester(&model,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.reset(fleetAlerts());
        QString error;
        const auto filter = AlertMatchers::parse(
            QStringLiteral("{service=\"checkout\", severity=~\"crit.*\"}"), &error);
        QVERIFY2(filter, qPrintable(error));
        QCOMPARE(filter->matchers().size(), 2);
        model.setFilter(*filter);
        QCOMPARE(childNames(model, {}), QStringList{"checkout"});
        QCOMPARE(model.rowCount(model.index(0, 0)), 1);
        // The counts are of every alert, not of those shown.
        QCOMPARE(model.counts().firing, 3);
        const auto negative = AlertMatchers::parse(QStringLiteral("service!=\"checkout\""));
        QVERIFY(negative);
        model.setFilter(*negative);
        QCOMPARE(childNames(model, {}), (QStringList{"payments", "(no service)"}));
        QVERIFY(!AlertMatchers::parse(QStringLiteral("service=~\"(\""), &error));
        QVERIFY(!error.isEmpty());
        QCOMPARE(AlertMatchers::format(
                     {{QStringLiteral("service"), QStringLiteral("checkout"), false, true},
                      {QStringLiteral("severity"), QStringLiteral("crit.*"), true, true}}),
                 QStringLiteral("{service=\"checkout\", severity=~\"crit.*\"}"));
        AlertMatcher matcher;
        setMatcherOperator(matcher, QStringLiteral("!~"));
        QVERIFY(matcher.isRegex && !matcher.isEqual);
        QCOMPARE(matcherOperator(matcher), QStringLiteral("!~"));
    }

    void silenceHistoryAndListModels() {
        SilenceModel silences;
        QAbstractItemModelTester silenceTester(
            &silences, QAbstractItemModelTester::FailureReportingMode::QtTest);
        silences.setReferenceTime(kNow);
        SilenceInfo expired{QStringLiteral("s0"),
                            {{QStringLiteral("service"), QStringLiteral("search"), false, true}},
                            kNow.addSecs(-7200),
                            kNow.addSecs(-3600),
                            QStringLiteral("ops"),
                            QStringLiteral("old"),
                            SilenceState::Expired};
        SilenceInfo active{QStringLiteral("s1"),
                           {{QStringLiteral("service"), QStringLiteral("payments"), false, true}},
                           kNow.addSecs(-600),
                           kNow.addSecs(3 * 3600),
                           QStringLiteral("admin"),
                           QStringLiteral("maintenance CHG-1234"),
                           SilenceState::Active};
        silences.reset({expired, active});
        QCOMPARE(silences.silenceAt(0).id, QStringLiteral("s1"));
        QCOMPARE(silences.index(0, SilenceModel::MatchersColumn).data().toString(),
                 QStringLiteral("{service=\"payments\"}"));
        QCOMPARE(silences.index(0, SilenceModel::EndsColumn).data().toString(),
                 QStringLiteral("in 3 h"));

        AlertHistoryModel history;
        QAbstractItemModelTester historyTester(
            &history, QAbstractItemModelTester::FailureReportingMode::QtTest);
        const QList<AlertTransitionInfo> transitions{{QStringLiteral("a1"),
                                                      {},
                                                      {},
                                                      AlertState::Inactive,
                                                      AlertState::Pending,
                                                      0.06,
                                                      kNow.addSecs(-600)},
                                                     {QStringLiteral("a1"),
                                                      {},
                                                      {},
                                                      AlertState::Pending,
                                                      AlertState::Firing,
                                                      0.07,
                                                      kNow.addSecs(-480)},
                                                     {QStringLiteral("a1"),
                                                      {},
                                                      {},
                                                      AlertState::Firing,
                                                      AlertState::Resolved,
                                                      0.01,
                                                      kNow.addSecs(-300)},
                                                     {QStringLiteral("a1"),
                                                      {},
                                                      {},
                                                      AlertState::Resolved,
                                                      AlertState::Pending,
                                                      0.08,
                                                      kNow.addSecs(-200)}};
        history.reset(transitions);
        // Newest first.
        QCOMPARE(history.index(0, AlertHistoryModel::TransitionColumn).data().toString(),
                 QStringLiteral("resolved → pending"));
        QCOMPARE(history.index(3, AlertHistoryModel::TransitionColumn).data().toString(),
                 QStringLiteral("inactive → pending"));

        // The chart's spans: pending 2 min, firing 3 min, then pending again until it fired.
        AlertInfo alert = makeAlert(QStringLiteral("a1"), QStringLiteral("HighErrorRatio"),
                                    QStringLiteral("checkout"), QStringLiteral("critical"),
                                    AlertState::Firing, 200);
        alert.firedAt = kNow.addSecs(-80);
        const QList<ChartSpan> spans = alertSpans(transitions, alert, kNow);
        QCOMPARE(spans.size(), 4);
        QCOMPARE(spans[0],
                 (ChartSpan{kNow.addSecs(-600), kNow.addSecs(-480), ChartSpanKind::Pending}));
        QCOMPARE(spans[1],
                 (ChartSpan{kNow.addSecs(-480), kNow.addSecs(-300), ChartSpanKind::Firing}));
        QCOMPARE(spans[2],
                 (ChartSpan{kNow.addSecs(-200), kNow.addSecs(-80), ChartSpanKind::Pending}));
        QCOMPARE(spans[3], (ChartSpan{kNow.addSecs(-80), kNow, ChartSpanKind::Firing}));
        // Without history the alert's own times make the spans.
        const QList<ChartSpan> own = alertSpans({}, alert, kNow);
        QCOMPARE(own.size(), 2);
        QCOMPARE(own[0].kind, ChartSpanKind::Pending);
        QCOMPARE(own[1], (ChartSpan{kNow.addSecs(-80), kNow, ChartSpanKind::Firing}));

        AlertListModel list;
        QAbstractItemModelTester listTester(&list,
                                            QAbstractItemModelTester::FailureReportingMode::QtTest);
        list.reset(fleetAlerts());
        QCOMPARE(list.rowCount(), 5);
        QCOMPARE(list.index(3, AlertListModel::StateColumn).data().toString(),
                 QStringLiteral("Firing · silenced"));
        QCOMPARE(
            list.index(1, AlertListModel::LabelsColumn).data().toString(),
            QStringLiteral("instance=\"checkout-3\", service=\"checkout\", severity=\"critical\""));
    }

    void expressionThresholds_data() {
        QTest::addColumn<QString>("expr");
        QTest::addColumn<bool>("found");
        QTest::addColumn<QString>("lhs");
        QTest::addColumn<QString>("op");
        QTest::addColumn<double>("value");
        QTest::newRow("greater") << "rate(errors_total[5m]) > 0.05" << true
                                 << "rate(errors_total[5m])"
                                 << ">" << 0.05;
        QTest::newRow("greater or equal, bool")
            << "sum by (service) (up) >= bool 3" << true << "sum by (service) (up)"
            << ">=" << 3.0;
        QTest::newRow("less") << "avg(up{job=\"a\"}) < 1" << true << "avg(up{job=\"a\"})"
                              << "<" << 1.0;
        QTest::newRow("exponent") << "x != 1e3" << true << "x"
                                  << "!=" << 1000.0;
        QTest::newRow("inside parentheses only") << "(x > 1) * 2" << false << ""
                                                 << "" << 0.0;
        QTest::newRow("label matcher") << "up{code!=\"200\"}" << false << ""
                                       << "" << 0.0;
        QTest::newRow("vector on the right") << "a > b" << false << ""
                                             << "" << 0.0;
        QTest::newRow("vector(1) > 0") << "vector(1) > 0" << true << "vector(1)"
                                       << ">" << 0.0;
    }

    void expressionThresholds() {
        QFETCH(QString, expr);
        QFETCH(bool, found);
        const auto threshold = expressionThreshold(expr);
        QCOMPARE(bool(threshold), found);
        if (found) {
            QFETCH(QString, lhs);
            QFETCH(QString, op);
            QFETCH(double, value);
            QCOMPARE(threshold->lhs, lhs);
            QCOMPARE(threshold->op, op);
            QCOMPARE(threshold->value, value);
        }
    }

    void ruleUnderTheCursor() {
        const QString content = QString::fromUtf8(kGoodRuleFile);
        QVERIFY(checkRuleFile(content).isEmpty());
        // Line 12 is AlwaysOn's expr.
        const auto rule = ruleAtLine(content, 12);
        QVERIFY(rule);
        QCOMPARE(rule->name, QStringLiteral("AlwaysOn"));
        QCOMPARE(rule->intervalMs, 30000);
        QCOMPARE(rule->yaml, QStringLiteral("alert: AlwaysOn\nexpr: vector(1) > 0\nfor: 0s\n"));
        const auto first = ruleAtLine(content, 7);
        QVERIFY(first);
        QCOMPARE(first->name, QStringLiteral("HighErrorRatio"));
        QVERIFY(first->yaml.startsWith(QStringLiteral("alert: HighErrorRatio\nexpr: ")));
        QVERIFY(first->yaml.endsWith(QStringLiteral("labels:\n  severity: critical\n")));
        // The group's header is in no rule.
        QVERIFY(!ruleAtLine(content, 2));
    }

    void editorMarksBrokenRuleFile() {
        Session session;
        RuleEditorPanel panel(&session);
        panel.resize(1280, 640);
        panel.show();
        QVERIFY(QTest::qWaitForWindowExposed(&panel));
        panel.newFile(QStringLiteral("services.yaml"), QString::fromUtf8(kBrokenRuleFile));
        const QList<ContentProblem> problems = panel.editor()->problems();
        QVERIFY(!problems.isEmpty());
        // `for: two minutes` on line 7, named with its group and rule.
        QCOMPARE(problems.first().line, 7);
        QVERIFY2(problems.first().message.contains(QStringLiteral("HighErrorRatio")),
                 qPrintable(problems.first().message));
        QCOMPARE(panel.editor()->problemLine(), 7);
        QVERIFY(panel.grab().save(artifact(QStringLiteral("console-alerts-rule-editor.png"))));

        // Fixing it clears the marker once typing pauses.
        QTextCursor cursor(panel.editor()->document()->findBlockByNumber(6));
        cursor.select(QTextCursor::LineUnderCursor);
        cursor.insertText(QStringLiteral("        for: 2m"));
        QTRY_VERIFY_WITH_TIMEOUT(panel.editor()->problems().isEmpty(), 3000);
        // Problems found by the daemon join the local ones until the next edit.
        panel.editor()->setExternalProblems({{6, 15, QStringLiteral("unknown metric")}});
        QCOMPARE(panel.editor()->problemLine(), 6);
    }

    void silenceDialogChecksMatchers() {
        Session session;
        SilenceDialog dialog(
            &session, {{QStringLiteral("alertname"), QStringLiteral("HighErrorRatio"), false, true},
                       {QStringLiteral("service"), QStringLiteral("checkout"), false, true}});
        dialog.show();
        QVERIFY(QTest::qWaitForWindowExposed(&dialog));
        QCOMPARE(dialog.matchers().size(), 2);
        QCOMPARE(dialog.durationMs(), 3600 * 1000);
        // No comment yet.
        QVERIFY(dialog.problem().contains(QStringLiteral("comment")));
        dialog.setComment(QStringLiteral("deploying the fix"));
        QVERIFY2(dialog.problem().isEmpty(), qPrintable(dialog.problem()));
        dialog.setDurationMs(4 * 3600 * 1000);
        QCOMPARE(dialog.durationMs(), 4 * 3600 * 1000);
        // A matcher that matches the empty label selects everything.
        dialog.setMatchers({{QStringLiteral("service"), QStringLiteral(".*"), true, true}});
        QVERIFY(dialog.problem().contains(QStringLiteral("empty")));
        dialog.setMatchers({{QStringLiteral("service"), QStringLiteral("("), true, true}});
        QVERIFY(!dialog.problem().isEmpty());
        dialog.setMatchers({{QStringLiteral("severity"), QStringLiteral("critical"), false, true}});
        QVERIFY2(dialog.problem().isEmpty(), qPrintable(dialog.problem()));
        dialog.addMatcherRow({QStringLiteral("service"), QStringLiteral("check.*"), true, true});
        QCOMPARE(dialog.matchers().size(), 2);
        // Rows added to the shown dialog appear on the next turn of the event loop.
        QTest::qWait(50);
        QVERIFY(dialog.grab().save(artifact(QStringLiteral("console-alerts-silence-dialog.png"))));
    }

    void notifierShowsCriticalAlerts() {
        CriticalHealthNotifier notifier(nullptr);
        QStringList titles;
        QStringList texts;
        notifier.setSink([&](const QString &title, const QString &text) {
            titles.append(title);
            texts.append(text);
        });
        const QList<AlertInfo> alerts = fleetAlerts();
        notifier.notifyAlertsFiring({alerts.at(0)});
        QVERIFY(titles.isEmpty());
        notifier.setAlertsEnabled(true);
        notifier.notifyAlertsFiring({alerts.at(0)});
        QCOMPARE(titles, QStringList{"HighErrorRatio is firing on checkout"});
        QCOMPARE(texts, QStringList{"checkout fails 7% of requests"});
        notifier.notifyAlertsFiring({alerts.at(0), alerts.at(1)});
        QCOMPARE(titles.last(), QStringLiteral("2 critical alert(s) firing"));
    }

    void badgeAndOverviewCounts() {
        ThemeController theme;
        theme.setMode(ThemeMode::Light);
        Session session;
        MainWindow window(&session, &theme);
        QVERIFY(MainWindow::pageNames().contains(QStringLiteral("alerts")));
        QVERIFY(window.showPage(QStringLiteral("alerts")));
        QCOMPARE(window.currentPage(), QStringLiteral("alerts"));
        QCOMPARE(window.alertBadge(), 0);
        // Not known before the daemon said.
        QCOMPARE(window.overviewPage()->cardValue(QStringLiteral("firing")), QStringLiteral("—"));
        window.alertsPage()->model()->reset(fleetAlerts());
        window.alertsPage()->model()->setReferenceTime(kNow);
        QCOMPARE(window.alertBadge(), 1);
        window.overviewPage()->setAlertCounts(window.alertsPage()->model()->counts());
        QCOMPARE(window.overviewPage()->cardValue(QStringLiteral("firing")), QStringLiteral("3"));
        QCOMPARE(window.overviewPage()->cardValue(QStringLiteral("pending")), QStringLiteral("2"));
        // The pages kept their shortcuts; Alerts has Ctrl+7.
        QStringList shortcuts;
        for (QAction *action : window.findChildren<QAction *>()) {
            if (!action->shortcut().isEmpty()) {
                shortcuts.append(action->text() + QLatin1Char(' ') + action->shortcut().toString());
            }
        }
        QVERIFY2(shortcuts.contains(QStringLiteral("A&lerts Ctrl+7")),
                 qPrintable(shortcuts.join(", ")));
        QVERIFY2(shortcuts.contains(QStringLiteral("&Config Ctrl+5")),
                 qPrintable(shortcuts.join(", ")));
        QVERIFY2(shortcuts.contains(QStringLiteral("&Metrics Ctrl+4")),
                 qPrintable(shortcuts.join(", ")));
        window.resize(1280, 800);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        QVERIFY(window.grab().save(artifact(QStringLiteral("console-alerts-window.png"))));
    }

    void pageScreenshots() {
        Session session;
        AlertsPage page(&session);
        page.resize(1280, 800);
        page.show();
        QVERIFY(QTest::qWaitForWindowExposed(&page));
        const QDateTime now = QDateTime::currentDateTimeUtc();
        QList<AlertInfo> alerts = fleetAlerts();
        // Shift the fixed times to now, so the ages read as in use.
        for (AlertInfo &alert : alerts) {
            const qint64 shift = kNow.msecsTo(now);
            alert.activeAt = alert.activeAt.addMSecs(shift);
            if (alert.firedAt.isValid()) {
                alert.firedAt = alert.firedAt.addMSecs(shift);
            }
        }
        alerts[0].annotations.append({QStringLiteral("description"),
                                      QStringLiteral("5xx responses of checkout over the last "
                                                     "minute, by colour: blue 0.2%, green 7.1%.")});
        alerts[0].annotations.append(
            {QStringLiteral("runbook_url"), QStringLiteral("https://runbooks.example/checkout")});
        page.model()->reset(alerts);
        page.model()->setReferenceTime(now);
        page.setSilenceList(
            {{QStringLiteral("4b1f"),
              {{QStringLiteral("service"), QStringLiteral("payments"), false, true}},
              now.addSecs(-600),
              now.addSecs(3 * 3600),
              QStringLiteral("admin"),
              QStringLiteral("maintenance CHG-1234"),
              SilenceState::Active}});
        QVERIFY(page.selectAlert(QStringLiteral("a1")));
        QCOMPARE(page.detail()->alert()->id, QStringLiteral("a1"));
        QVERIFY(page.detail()->annotationsText().contains(QStringLiteral("runbook_url")));

        // The chart as QueryRange would fill it: the error ratio crossing 5 %.
        TimeSeriesChart *chart = page.detail()->chart();
        MetricSeries ratio;
        ratio.labels = {{QStringLiteral("service"), QStringLiteral("checkout")}};
        const qint64 start = now.addSecs(-21 * 60).toMSecsSinceEpoch();
        for (int i = 0; i <= 84; ++i) {
            const double t = i / 84.0;
            ratio.timestampsMs.append(start + i * 15000);
            ratio.values.append(t < 0.7 ? 0.012 + 0.004 * std::sin(i / 3.0)
                                        : 0.065 + 0.006 * std::sin(i / 2.0));
        }
        chart->setRoleSeries(0, {ratio}, 15000);
        chart->setMessage({});
        chart->setThreshold(0.05, QStringLiteral("> 0.05"));
        chart->setTimeRange(double(start) / 1000.0, double(now.toMSecsSinceEpoch()) / 1000.0);
        page.detail()->history()->reset({{QStringLiteral("a1"),
                                          {},
                                          {},
                                          AlertState::Inactive,
                                          AlertState::Pending,
                                          0.061,
                                          alerts[0].activeAt},
                                         {QStringLiteral("a1"),
                                          {},
                                          {},
                                          AlertState::Pending,
                                          AlertState::Firing,
                                          0.066,
                                          alerts[0].firedAt}});
        chart->setSpans(alertSpans(page.detail()->history()->transitions(), alerts[0], now));
        QCOMPARE(chart->spans().size(), 2);
        QCOMPARE(chart->threshold(), std::optional<double>(0.05));
        chart->flush();
        // The threshold stays in view.
        QVERIFY(chart->plot()->yAxis->range().upper > 0.05);

        for (const QSize size : {QSize(1280, 800), QSize(1920, 1080)}) {
            for (const ThemeMode mode : {ThemeMode::Light, ThemeMode::Dark}) {
                applyTheme(*qApp, mode, m_platformPalette);
                page.resize(size);
                QTest::qWait(200);
                chart->flush();
                const QString name = QStringLiteral("console-alerts-%1x%2-%3.png")
                                         .arg(size.width())
                                         .arg(size.height())
                                         .arg(mode == ThemeMode::Dark ? QStringLiteral("dark")
                                                                      : QStringLiteral("light"));
                QVERIFY(page.grab().save(artifact(name)));
            }
        }
        applyTheme(*qApp, ThemeMode::Light, m_platformPalette);
        page.resize(1280, 800);
        page.showTab(AlertsPage::SilencesTab);
        QTest::qWait(100);
        QVERIFY(page.grab().save(artifact(QStringLiteral("console-alerts-silences.png"))));
        // A filter that does not parse leaves the list as it was.
        page.showTab(AlertsPage::AlertsTab);
        QVERIFY(!page.setFilterText(QStringLiteral("service=~\"(\"")));
        QCOMPARE(page.model()->rowCount(), 3);
        QVERIFY(page.setFilterText(QStringLiteral("severity=\"critical\"")));
        QCOMPARE(page.model()->rowCount(), 1);
    }

    void pageAgainstRealDaemon() {
        testing::TempDir config;
        const auto file = config.path() / "aegisd.yaml";
        std::ofstream(file) << "metrics:\n  backend: managed\n  scrape_interval: 1s\n"
                               "alerting:\n  evaluation_interval: 1s\n  default_rules: false\n";
        testing::DaemonOptions options;
        options.extraArgs = {"--config", file.string(),    "--metrics-backend",
                             "managed",  "--alertmanager", "managed"};
        auto daemon = testing::DaemonProcess::start(options);
        QVERIFY2(daemon.isOk(), daemon.status().toString().c_str());
        Session session;
        AlertsPage page(&session);
        page.resize(1280, 800);
        page.show();
        QVERIFY(QTest::qWaitForWindowExposed(&page));
        ConnectionSettings settings;
        settings.address = QString::fromStdString((*daemon)->grpcAddress());
        settings.tokenFile = QString::fromStdString((*daemon)->adminTokenFile().string());
        session.connectTo(settings);
        QTRY_VERIFY_WITH_TIMEOUT(page.hasData(), 20000);

        // Put the rule file as the Rules tab does; the daemon checks the expression against its
        // metrics backend, which answers once the managed Prometheus is up.
        AlertsApi api(&session);
        QString putError;
        bool put = false;
        const bool published = testing::pollUntil(
            [&] {
                bool answered = false;
                api.putRuleFile(QStringLiteral("smoke.yaml"), QString::fromUtf8(kAlwaysFiring), 0,
                                QStringLiteral("console test"), &page,
                                [&](const CallResult<RuleFilePut> &result) {
                                    answered = true;
                                    put = result.ok();
                                    putError = put ? QString() : result.error().describe();
                                });
                if (!QTest::qWaitFor([&] { return answered; }, 10000)) {
                    return false;
                }
                if (!put) {
                    QTest::qWait(500);
                }
                return put;
            },
            60s);
        QVERIFY2(published, qPrintable(putError));

        // The page lists what the daemon reports, grouped under the rule's service label.
        QTRY_VERIFY_WITH_TIMEOUT(alertNamed(*page.model(), QStringLiteral("AlwaysOn")) &&
                                     alertNamed(*page.model(), QStringLiteral("AlwaysOn"))->state ==
                                         AlertState::Firing,
                                 30000);
        QVERIFY(childNames(*page.model(), {}).contains(QStringLiteral("smoke")));
        QVERIFY(page.model()->counts().criticalFiring >= 1);
        const AlertInfo firing = *alertNamed(*page.model(), QStringLiteral("AlwaysOn"));
        QVERIFY(page.selectAlert(firing.id));
        QTRY_VERIFY_WITH_TIMEOUT(page.detail()->history()->rowCount() >= 1, 10000);
        QTRY_VERIFY_WITH_TIMEOUT(!page.detail()->chart()->series().isEmpty(), 15000);
        QCOMPARE(page.detail()->chart()->threshold(), std::optional<double>(0));
        QVERIFY(page.grab().save(artifact(QStringLiteral("console-alerts-daemon.png"))));

        // The silence dialog previews the alerts its matchers select, then creates the silence.
        SilenceDialog *dialog = page.openSilenceDialog(
            {{QStringLiteral("alertname"), QStringLiteral("AlwaysOn"), false, true}});
        dialog->refreshPreview();
        QTRY_COMPARE_WITH_TIMEOUT(dialog->preview()->rowCount(), 1, 10000);
        QCOMPARE(dialog->preview()->alerts().first().id, firing.id);
        QVERIFY(dialog->previewSummary().contains(QStringLiteral("1 alert")));
        dialog->setMatchers(
            {{QStringLiteral("alertname"), QStringLiteral("NoSuchAlert"), false, true}});
        dialog->refreshPreview();
        QTRY_VERIFY_WITH_TIMEOUT(dialog->previewSummary().startsWith(QStringLiteral("No alert")),
                                 10000);
        QCOMPARE(dialog->preview()->rowCount(), 0);
        dialog->setMatchers({{QStringLiteral("alertname"), QStringLiteral("AlwaysOn"), false, true},
                             {QStringLiteral("service"), QStringLiteral("smo.*"), true, true}});
        dialog->setComment(QStringLiteral("console test"));
        dialog->refreshPreview();
        QTRY_COMPARE_WITH_TIMEOUT(dialog->preview()->rowCount(), 1, 10000);
        QVERIFY(
            dialog->grab().save(artifact(QStringLiteral("console-alerts-silence-preview.png"))));
        QPointer<SilenceDialog> open(dialog);
        dialog->accept();
        QTRY_VERIFY_WITH_TIMEOUT(!open || !open->isVisible(), 15000);
        page.showTab(AlertsPage::SilencesTab);
        QTRY_COMPARE_WITH_TIMEOUT(page.silences()->rowCount(), 1, 10000);
        QCOMPARE(page.silences()->silenceAt(0).comment, QStringLiteral("console test"));
        // The daemon says which silences match an alert when it answers; the page asks again
        // after silences change (Alertmanager's list reaches aegisd within its refresh).
        const bool silenced = testing::pollUntil(
            [&] {
                page.reload();
                QTest::qWait(1000);
                const auto alert = alertNamed(*page.model(), QStringLiteral("AlwaysOn"));
                return alert && alert->isSilenced();
            },
            30s);
        QVERIFY(silenced);
        QCOMPARE(page.model()->counts().criticalFiring, 0);

        // The Rules tab lists the file; what only the metrics backend refuses is marked by the
        // daemon's diagnostics; the rule under the cursor is evaluated now.
        page.showTab(AlertsPage::RulesTab);
        RuleEditorPanel *rules = page.rules();
        QTRY_VERIFY_WITH_TIMEOUT(!rules->files().isEmpty(), 10000);
        QTRY_COMPARE_WITH_TIMEOUT(rules->fileName(), QStringLiteral("smoke.yaml"), 10000);
        QTRY_VERIFY_WITH_TIMEOUT(rules->editor()->toPlainText() == QString::fromUtf8(kAlwaysFiring),
                                 10000);
        QCOMPARE(rules->baseVersion(),
                 (*std::find_if(rules->files().cbegin(), rules->files().cend(),
                                [](const RuleFileSummary &f) { return f.name == "smoke.yaml"; }))
                     .version);
        QTextCursor cursor(rules->editor()->document()->findBlockByNumber(5));
        rules->editor()->setTextCursor(cursor);
        rules->testRuleUnderCursor();
        QTRY_COMPARE_WITH_TIMEOUT(rules->preview()->rowCount(), 1, 15000);
        QCOMPARE(rules->preview()->alerts().first().name(), QStringLiteral("AlwaysOn"));
        rules->newFile(QStringLiteral("broken.yaml"), QString::fromUtf8(kBadExpression));
        rules->validateRemotely();
        QTRY_VERIFY_WITH_TIMEOUT(
            std::any_of(rules->editor()->problems().cbegin(), rules->editor()->problems().cend(),
                        [](const ContentProblem &problem) { return problem.line == 5; }),
            15000);
        QVERIFY(page.grab().save(artifact(QStringLiteral("console-alerts-rules-daemon.png"))));
    }

private:
    QPalette m_platformPalette;
};

QTEST_MAIN(TestConsoleAlerts)
#include "tst_console_alerts.moc"
