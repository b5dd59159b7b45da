// The Traces page: its models (results with the duration bar's share, sorting, the scatter's
// series and trace ids, the service graph's layers and health, the comparison's differences),
// the search form's parsing (durations, tag query values, the jumps' searches, completion
// contexts, the tag query check with the daemon's parser), the scatter's point picking and
// keyboard, the navigation entry and the Metrics/Releases jumps, and screenshots at 1280×800 and
// 1920×1080, light and dark, with data set on the page. Then the page against a real aegisd fed
// over OTLP: the empty state names the OTLP address, a search lists the traces, a trace opens in
// the trace view, the graph draws the calls, two traces compare, and the export writes OTLP JSON.

#include "app/main_window.h"
#include "app/theme_controller.h"
#include "daemon_process.h"
#include "models/service_graph_layout.h"
#include "models/trace_comparison_model.h"
#include "models/trace_results_model.h"
#include "models/trace_search_form.h"
#include "net/session.h"
#include "trace_test_spans.h"
#include "tracing/otlp_json.h"
#include "views/metrics_page.h"
#include "views/page_skeleton.h"
#include "views/service_graph_view.h"
#include "views/tag_query_editor.h"
#include "views/theme.h"
#include "views/time_series_chart.h"
#include "views/trace_view.h"
#include "views/traces_page.h"

#include <QAbstractItemModelTester>
#include <QApplication>
#include <QComboBox>
#include <QDir>
#include <QFile>
#include <QLineEdit>
#include <QPushButton>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTableView>
#include <QTest>
#include <QToolButton>

#include <qcustomplot.h>

using namespace aegis;
using namespace aegis::console;

namespace {

QString artifact(const QString &name) {
    return QDir(QCoreApplication::applicationDirPath()).filePath(name);
}

QString traceIdOf(int n) {
    return QStringLiteral("4bf92f3577b34da6a3ce929d0e0e%1").arg(n, 4, 16, QLatin1Char('0'));
}

TraceSummary makeTrace(int n, const QDateTime &start, qint64 durationMs, int spans, int errors,
                       const QString &operation = QStringLiteral("POST /orders")) {
    TraceSummary trace;
    trace.traceId = traceIdOf(n);
    trace.rootService = QStringLiteral("checkout");
    trace.rootOperation = operation;
    trace.startTime = start;
    trace.durationNanos = durationMs * 1000000;
    trace.spanCount = spans;
    trace.errorCount = errors;
    trace.hasRoot = true;
    trace.services = {{QStringLiteral("checkout"), spans / 2, 0},
                      {QStringLiteral("payments"), spans / 4, errors},
                      {QStringLiteral("inventory"), spans - spans / 2 - spans / 4, 0}};
    return trace;
}

// A morning of checkout traffic: mostly quick, a slow tail, a few failing payments.
QList<TraceSummary> fleetTraces(const QDateTime &end, int count = 60) {
    QList<TraceSummary> traces;
    for (int i = 0; i < count; ++i) {
        const QDateTime start = end.addSecs(-3600 + i * 3600 / count + (i * 37) % 50);
        const qint64 duration = 40 + (i * 53) % 180 + (i % 11 == 0 ? 1200 + i * 7 : 0);
        const int errors = i % 9 == 4 ? 1 + i % 3 : 0;
        traces.append(
            makeTrace(i + 1, start, duration, 8 + (i * 7) % 30, errors,
                      i % 4 == 1 ? QStringLiteral("GET /cart") : QStringLiteral("POST /orders")));
    }
    return traces;
}

ServiceGraph fleetGraph(bool byRelease = false) {
    ServiceGraph graph;
    auto node = [&graph](const QString &service, double rate, double errors,
                         const QString &version = {}, const QString &colour = {}) {
        graph.nodes.append({service, version, colour, rate, errors});
        return int(graph.nodes.size() - 1);
    };
    const int gateway = node(QStringLiteral("gateway"), 42, 0.002);
    const int checkout = byRelease ? node(QStringLiteral("checkout"), 30, 0.004,
                                          QStringLiteral("1.4.1"), QStringLiteral("blue"))
                                   : node(QStringLiteral("checkout"), 38, 0.012);
    const int canary = byRelease ? node(QStringLiteral("checkout"), 8, 0.071,
                                        QStringLiteral("1.5.0"), QStringLiteral("green"))
                                 : -1;
    const int inventory = node(QStringLiteral("inventory"), 55, 0.0);
    const int payments = node(QStringLiteral("payments"), 21, 0.064);
    const int postgres = node(QStringLiteral("postgres"), 0, 0);
    auto edge = [&graph](int caller, int callee, double rate, double errors, qint64 p99Ms) {
        graph.edges.append({caller, callee, rate, errors, p99Ms * 1000000 / 4, p99Ms * 1000000,
                            qint64(rate * 900)});
    };
    edge(gateway, checkout, byRelease ? 30 : 38, 0.004, 420);
    if (canary >= 0) {
        edge(gateway, canary, 8, 0.071, 1450);
        edge(canary, payments, 8, 0.09, 1300);
        edge(canary, inventory, 9, 0, 35);
    }
    edge(checkout, inventory, 46, 0, 31);
    edge(checkout, payments, byRelease ? 13 : 21, byRelease ? 0.01 : 0.064, 880);
    edge(inventory, postgres, 55, 0, 12);
    edge(payments, postgres, 21, 0.001, 18);
    graph.end = QDateTime::currentDateTimeUtc();
    graph.start = graph.end.addSecs(-900);
    return graph;
}

TraceComparison fleetComparison(const QDateTime &now) {
    TraceComparison comparison;
    comparison.left = makeTrace(7, now.addSecs(-1200), 180, 9, 0);
    comparison.right = makeTrace(12, now.addSecs(-300), 1450, 14, 2);
    auto path = [&comparison](const QString &text, int depth, int left, int right, qint64 leftMs,
                              qint64 rightMs, int leftErrors = 0, int rightErrors = 0) {
        comparison.paths.append({text, depth, left, right, leftMs * 1000000, rightMs * 1000000,
                                 leftErrors, rightErrors});
    };
    path(QStringLiteral("checkout:POST /orders"), 0, 1, 1, 180, 1450, 0, 1);
    path(QStringLiteral("checkout:POST /orders > inventory:reserve"), 1, 1, 1, 31, 33);
    path(QStringLiteral("checkout:POST /orders > inventory:reserve > postgres:SELECT"), 2, 2, 2, 12,
         13);
    path(QStringLiteral("checkout:POST /orders > payments:charge"), 1, 1, 3, 120, 1320, 0, 2);
    path(QStringLiteral("checkout:POST /orders > payments:charge > postgres:INSERT"), 2, 1, 3, 9,
         30);
    path(QStringLiteral("checkout:POST /orders > payments:charge > fraud:score"), 2, 0, 1, 0, 410);
    path(QStringLiteral("checkout:POST /orders > cache:get"), 1, 1, 0, 2, 0);
    return comparison;
}

} // namespace

class TestConsoleTraces final : public QObject {
    Q_OBJECT

private slots:
    void initTestCase() {
        QStandardPaths::setTestModeEnabled(true);
        QCoreApplication::setOrganizationName(QStringLiteral("aegis-tests"));
        QCoreApplication::setApplicationName(QStringLiteral("tst_console_traces"));
        m_platformPalette = QApplication::palette();
        applyTheme(*qApp, ThemeMode::Light, m_platformPalette);
    }

    void durations() {
        QCOMPARE(parseDurationNanos(QString()), std::optional<qint64>(-1));
        QCOMPARE(parseDurationNanos(QStringLiteral("  ")), std::optional<qint64>(-1));
        QCOMPARE(parseDurationNanos(QStringLiteral("250ms")), std::optional<qint64>(250000000));
        QCOMPARE(parseDurationNanos(QStringLiteral("250")), std::optional<qint64>(250000000));
        QCOMPARE(parseDurationNanos(QStringLiteral("1.5s")), std::optional<qint64>(1500000000));
        QCOMPARE(parseDurationNanos(QStringLiteral("800us")), std::optional<qint64>(800000));
        QCOMPARE(parseDurationNanos(QStringLiteral("800 µs")), std::optional<qint64>(800000));
        QCOMPARE(parseDurationNanos(QStringLiteral("2m")), std::optional<qint64>(120000000000));
        QCOMPARE(parseDurationNanos(QStringLiteral("1h")), std::optional<qint64>(3600000000000));
        QCOMPARE(parseDurationNanos(QStringLiteral("15 ns")), std::optional<qint64>(15));
        QCOMPARE(parseDurationNanos(QStringLiteral("fast")), std::nullopt);
        QCOMPARE(parseDurationNanos(QStringLiteral("-5ms")), std::nullopt);
        QCOMPARE(parseDurationNanos(QStringLiteral("5 parsecs")), std::nullopt);

        QCOMPARE(formatDurationNanos(850), QStringLiteral("850 ns"));
        QCOMPARE(formatDurationNanos(12500), QStringLiteral("12.5 µs"));
        QCOMPARE(formatDurationNanos(12500000), QStringLiteral("12.5 ms"));
        QCOMPARE(formatDurationNanos(250000000), QStringLiteral("250 ms"));
        QCOMPARE(formatDurationNanos(1450000000), QStringLiteral("1.45 s"));
        QCOMPARE(formatDurationNanos(2000000000), QStringLiteral("2 s"));
        QCOMPARE(formatDurationNanos(125000000000), QStringLiteral("2 min 5 s"));
        QCOMPARE(formatDurationNanos(7260000000000), QStringLiteral("2 h 1 min"));
    }

    void tagQueryValuesAndJumps() {
        QCOMPARE(tagQueryValue(QStringLiteral("green")), QStringLiteral("green"));
        QCOMPARE(tagQueryValue(QStringLiteral("1.4.2")), QStringLiteral("\"1.4.2\""));
        QCOMPARE(tagQueryValue(QStringLiteral("eu west")), QStringLiteral("\"eu west\""));
        QCOMPARE(tagQueryValue(QStringLiteral("say \"hi\"")), QStringLiteral("\"say \\\"hi\\\"\""));
        QCOMPARE(tagQueryValue(QStringLiteral("a*b")), QStringLiteral("\"a\\*b\""));
        // Keywords and booleans would read as something else.
        QCOMPARE(tagQueryValue(QStringLiteral("OR")), QStringLiteral("\"OR\""));
        QCOMPARE(tagQueryValue(QStringLiteral("true")), QStringLiteral("\"true\""));

        const QDateTime end = QDateTime::fromMSecsSinceEpoch(1700000000000, Qt::UTC);
        const TraceSearch jump =
            traceJumpSearch(QStringLiteral("checkout"), QStringLiteral("green"),
                            QStringLiteral("1.5.0"), end.addSecs(-900), end);
        QCOMPARE(jump.service, QStringLiteral("checkout"));
        QCOMPARE(jump.tagQuery, QStringLiteral("colour = green AND version = \"1.5.0\""));
        QCOMPARE(jump.start, end.addSecs(-900));
        QCOMPARE(jump.end, end);
        const TraceSearch serviceOnly =
            traceJumpSearch(QStringLiteral("payments"), {}, {}, {}, end);
        QVERIFY(serviceOnly.tagQuery.isEmpty());
        QCOMPARE(serviceOnly.start, end.addSecs(-3600));
        // The jump's query is one the daemon's parser accepts.
        QVERIFY(checkTagQuery(jump.tagQuery).ok);
    }

    void tagQueryCheckMarksWhereItStops() {
        QVERIFY(checkTagQuery(QString()).ok);
        QVERIFY(checkTagQuery(QStringLiteral("http.response.status_code >= 500 AND (region = "
                                             "\"eu-*\" OR NOT retry = true)"))
                    .ok);
        const TagQueryCheck missingValue = checkTagQuery(QStringLiteral("service = "));
        QVERIFY(!missingValue.ok);
        QVERIFY2(missingValue.message.startsWith(QStringLiteral("1:")),
                 qPrintable(missingValue.message));
        QVERIFY(missingValue.offset >= 8 && missingValue.offset <= 10);
        const TagQueryCheck unbalanced = checkTagQuery(QStringLiteral("(error AND kind = server"));
        QVERIFY(!unbalanced.ok);
        // Characters, not bytes: a multi-byte value before the error moves it by characters.
        const TagQueryCheck afterUnicode = checkTagQuery(QStringLiteral("city = \"Zürich\" AND >"));
        QVERIFY(!afterUnicode.ok);
        QCOMPARE(afterUnicode.offset, 20);
    }

    void completionContexts_data() {
        QTest::addColumn<QString>("text");
        QTest::addColumn<int>("kind");
        QTest::addColumn<QString>("prefix");
        QTest::addColumn<QString>("key");
        QTest::addColumn<int>("start");
        using Kind = TagQueryCompletionContext::Kind;
        QTest::newRow("empty") << "" << int(Kind::Key) << ""
                               << "" << 0;
        QTest::newRow("key") << "http.re" << int(Kind::Key) << "http.re"
                             << "" << 0;
        QTest::newRow("after and") << "error AND ser" << int(Kind::Key) << "ser"
                                   << "" << 10;
        QTest::newRow("after paren") << "(reg" << int(Kind::Key) << "reg"
                                     << "" << 1;
        QTest::newRow("value") << "service = che" << int(Kind::Value) << "che"
                               << "service" << 10;
        QTest::newRow("value no space") << "service=che" << int(Kind::Value) << "che"
                                        << "service" << 8;
        QTest::newRow("empty value") << "colour != " << int(Kind::Value) << ""
                                     << "colour" << 10;
        QTest::newRow("quoted value") << "version = \"1.4" << int(Kind::Value) << "1.4"
                                      << "version" << 11;
        QTest::newRow("next key") << "service = checkout AND co" << int(Kind::Key) << "co"
                                  << "" << 23;
        QTest::newRow("number") << "http.status >= 5" << int(Kind::Value) << "5"
                                << "http.status" << 15;
        QTest::newRow("bare number") << "42" << int(Kind::None) << ""
                                     << "" << 0;
    }

    void completionContexts() {
        QFETCH(QString, text);
        QFETCH(int, kind);
        QFETCH(QString, prefix);
        QFETCH(QString, key);
        QFETCH(int, start);
        const TagQueryCompletionContext context = tagQueryCompletionAt(text, int(text.size()));
        QCOMPARE(int(context.kind), kind);
        if (context.kind != TagQueryCompletionContext::Kind::None) {
            QCOMPARE(context.prefix, prefix);
            QCOMPARE(context.key, key);
            QCOMPARE(context.start, start);
        }
    }

    void editorCompletesKeysAndValues() {
        TagQueryEditor editor;
        editor.setKeys({QStringLiteral("http.route"), QStringLiteral("http.response.status_code"),
                        QStringLiteral("region")});
        QSignalSpy wanted(&editor, &TagQueryEditor::valuesWanted);
        editor.setQuery(QStringLiteral("http.r"));
        QCOMPARE(editor.currentCandidates(),
                 (QStringList{"http.response.status_code", "http.route"}));
        editor.setQuery(QStringLiteral("se"));
        QCOMPARE(editor.currentCandidates(), (QStringList{"service"}));
        editor.setQuery(QStringLiteral("region = "));
        editor.complete();
        QCOMPARE(wanted.size(), 1);
        QCOMPARE(wanted.first().first().toString(), QStringLiteral("region"));
        editor.setValues(QStringLiteral("region"), {"eu-west-1", "us-east-1"});
        QCOMPARE(editor.currentCandidates(), (QStringList{"eu-west-1", "us-east-1"}));
        // A broken query is marked as it is typed.
        QSignalSpy errors(&editor, &TagQueryEditor::errorChanged);
        editor.setQuery(QStringLiteral("region = eu AND"));
        QVERIFY(!editor.check().ok);
        QVERIFY(editor.errorOffset().has_value());
        QCOMPARE(errors.size(), 1);
        editor.setQuery(QStringLiteral("region = eu"));
        QVERIFY(editor.check().ok);
        QVERIFY(!editor.errorOffset().has_value());
    }

    void resultsModel() {
        TraceResultsModel model;
        QAbstractItemModelTester tester(&model,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        const QDateTime now = QDateTime::fromMSecsSinceEpoch(1700000000000, Qt::UTC);
        model.setTraces({makeTrace(1, now.addSecs(-60), 200, 12, 0),
                         makeTrace(2, now.addSecs(-30), 1000, 40, 2),
                         makeTrace(3, now.addSecs(-90), 50, 5, 0)},
                        true);
        QVERIFY(model.isTruncated());
        QCOMPARE(model.rowCount(), 3);
        QCOMPARE(model.rowOf(traceIdOf(2)), 1);
        const QModelIndex duration = model.index(0, TraceResultsModel::DurationColumn);
        QCOMPARE(duration.data().toString(), QStringLiteral("200 ms"));
        QCOMPARE(duration.data(TraceResultsModel::DurationFractionRole).toDouble(), 0.2);
        QCOMPARE(model.index(1, TraceResultsModel::DurationColumn)
                     .data(TraceResultsModel::DurationFractionRole)
                     .toDouble(),
                 1.0);
        QCOMPARE(model.index(0, TraceResultsModel::RootColumn).data().toString(),
                 QStringLiteral("checkout: POST /orders"));
        QCOMPARE(model.index(0, TraceResultsModel::ErrorsColumn).data().toString(), QString());
        QCOMPARE(model.index(1, TraceResultsModel::ErrorsColumn).data().toString(),
                 QStringLiteral("2"));
        QVERIFY(model.index(1, 0).data(TraceResultsModel::HasErrorsRole).toBool());
        QCOMPARE(model.index(1, TraceResultsModel::ServicesColumn)
                     .data(TraceResultsModel::ServiceNamesRole)
                     .toStringList(),
                 (QStringList{"checkout", "payments", "inventory"}));
        QCOMPARE(model.index(1, TraceResultsModel::ServicesColumn)
                     .data(TraceResultsModel::ServiceErrorsRole)
                     .toList(),
                 (QVariantList{false, true, false}));
        // Sorting keeps the selection's persistent indexes on their traces.
        const QPersistentModelIndex slow = model.index(1, 0);
        model.sort(TraceResultsModel::DurationColumn, Qt::AscendingOrder);
        QCOMPARE(model.trace(0).traceId, traceIdOf(3));
        QCOMPARE(model.trace(2).traceId, traceIdOf(2));
        QCOMPARE(slow.row(), 2);
        model.sort(TraceResultsModel::StartColumn, Qt::DescendingOrder);
        QCOMPARE(model.trace(0).traceId, traceIdOf(2));
        QCOMPARE(model.trace(2).traceId, traceIdOf(3));
        // A trace whose root did not arrive says so.
        TraceSummary rootless = makeTrace(4, now, 10, 2, 0);
        rootless.hasRoot = false;
        model.setTraces({rootless}, false);
        QVERIFY(model.index(0, TraceResultsModel::RootColumn)
                    .data()
                    .toString()
                    .contains(QStringLiteral("root not received")));
    }

    void scatterSeries() {
        const QDateTime now = QDateTime::fromMSecsSinceEpoch(1700000000000, Qt::UTC);
        const TraceScatter scatter = traceScatter({makeTrace(1, now.addSecs(-10), 200, 12, 0),
                                                   makeTrace(2, now.addSecs(-30), 1000, 40, 2),
                                                   makeTrace(3, now.addSecs(-90), 50, 5, 0)});
        QCOMPARE(scatter.series.size(), 2);
        // Keys ascending: the plot's data must be sorted.
        QCOMPARE(scatter.series[0].keys, (QVector<double>{1699999910.0, 1699999990.0}));
        QCOMPARE(scatter.series[0].values, (QVector<double>{0.05, 0.2}));
        QCOMPARE(scatter.traceIds[0], (QStringList{traceIdOf(3), traceIdOf(1)}));
        QCOMPARE(scatter.series[1].key, traceScatterKey(true));
        QCOMPARE(scatter.traceIds[1], QStringList{traceIdOf(2)});
        QCOMPARE(scatter.find(traceIdOf(1)), qMakePair(0, 1));
        QCOMPARE(scatter.find(traceIdOf(9)), qMakePair(-1, -1));
        // Without errors there is one series.
        QCOMPARE(traceScatter({makeTrace(1, now, 5, 1, 0)}).series.size(), 1);
        QVERIFY(traceScatter({}).series.isEmpty());
    }

    void scatterPicksPointsByMouseAndKeyboard() {
        TimeSeriesChart chart(QStringLiteral("Duration"), MetricUnit::Seconds);
        chart.setPointMode(true);
        chart.resize(800, 400);
        chart.show();
        QVERIFY(QTest::qWaitForWindowExposed(&chart));
        const QDateTime now = QDateTime::currentDateTimeUtc();
        const TraceScatter scatter = traceScatter({makeTrace(1, now.addSecs(-600), 200, 12, 0),
                                                   makeTrace(2, now.addSecs(-300), 1000, 40, 2),
                                                   makeTrace(3, now.addSecs(-100), 50, 5, 0)});
        chart.setSeriesTone(traceScatterKey(true), TimeSeriesChart::SeriesTone::Danger);
        chart.setSeries(scatter.series);
        chart.setTimeRange(double(now.addSecs(-900).toMSecsSinceEpoch()) / 1000.0,
                           double(now.toMSecsSinceEpoch()) / 1000.0);
        chart.flush();
        chart.plot()->replot();
        QCOMPARE(chart.seriesColor(traceScatterKey(true)), themeColors(chart.palette()).danger);
        QSignalSpy activated(&chart, &TimeSeriesChart::pointActivated);
        QSignalSpy current(&chart, &TimeSeriesChart::currentPointChanged);
        const QPoint errorPoint = chart.pointPosition(traceScatterKey(true), 0);
        QCOMPARE(chart.pointAt(errorPoint), qMakePair(traceScatterKey(true), 0));
        QTest::mouseClick(chart.plot(), Qt::LeftButton, {}, errorPoint);
        QCOMPARE(activated.size(), 1);
        QCOMPARE(activated.first().at(0).toString(), traceScatterKey(true));
        QCOMPARE(chart.currentPointKey(), traceScatterKey(true));
        // A click away from every point picks nothing.
        QTest::mouseClick(chart.plot(), Qt::LeftButton, {}, QPoint(5, 5));
        QCOMPARE(activated.size(), 1);
        // Right moves to the next point in time (trace 3, in the other series), Enter opens it.
        chart.setFocus();
        QTest::keyClick(&chart, Qt::Key_Right);
        QCOMPARE(chart.currentPointKey(), scatter.series[0].key);
        QCOMPARE(chart.currentPointIndex(), 1);
        QTest::keyClick(&chart, Qt::Key_Home);
        QCOMPARE(chart.currentPointIndex(), 0);
        QTest::keyClick(&chart, Qt::Key_Return);
        QCOMPARE(activated.size(), 2);
        QCOMPARE(activated.last().at(1).toInt(), 0);
        QVERIFY(current.size() >= 3);
    }

    void graphLayout() {
        const ServiceGraph graph = fleetGraph();
        const ServiceGraphLayout layout = layoutServiceGraph(graph);
        // gateway → checkout → inventory/payments → postgres.
        QCOMPARE(layout.layers, 4);
        QCOMPARE(layout.layer, (QList<int>{0, 1, 2, 2, 3}));
        QCOMPARE(layout.rows, 2);
        QVERIFY(layout.row[2] != layout.row[3]);
        // A cycle does not loop: a call back from postgres to checkout is not followed.
        ServiceGraph cyclic = graph;
        cyclic.edges.append({4, 1, 0.1, 0, 0, 0, 10});
        const ServiceGraphLayout cyclicLayout = layoutServiceGraph(cyclic);
        QCOMPARE(cyclicLayout.layer, layout.layer);
        // Health bands.
        QCOMPARE(nodeHealth(graph.nodes[0]), NodeHealth::Healthy);
        QCOMPARE(nodeHealth(graph.nodes[1]), NodeHealth::Degraded);
        QCOMPARE(nodeHealth(graph.nodes[3]), NodeHealth::Failing);
        QCOMPARE(nodeHealth(graph.nodes[4]), NodeHealth::Idle);
        QCOMPARE(edgeLabel(graph.edges[2]), QStringLiteral("21/s · 6.4 % err · p99 880 ms"));
        QCOMPARE(nodeLabel({QStringLiteral("checkout"), QStringLiteral("1.5.0"),
                            QStringLiteral("green"), 1, 0}),
                 QStringLiteral("checkout 1.5.0 green"));
        QVERIFY(layoutServiceGraph({}).layer.isEmpty());
    }

    void graphViewSearchesAClickedService() {
        Session session;
        TracesPage page(&session);
        page.resize(1280, 800);
        page.show();
        QVERIFY(QTest::qWaitForWindowExposed(&page));
        page.showTab(TracesPage::GraphTab);
        page.setGraph(fleetGraph(true));
        QTest::qWait(50);
        ServiceGraphView *view = page.graphView();
        QCOMPARE(view->graph().nodes.size(), 6);
        QVERIFY(view->edgeText(1).contains(QStringLiteral("p99 1.45 s")));
        // A click on the green canary searches its traces with its release in the query.
        QTest::mouseClick(view->viewport(), Qt::LeftButton, {}, view->nodeCenter(2));
        QCOMPARE(page.currentTab(), int(TracesPage::SearchTab));
        QCOMPARE(page.serviceBox()->currentData().toString(), QStringLiteral("checkout"));
        QCOMPARE(page.tagQueryEditor()->query(),
                 QStringLiteral("colour = green AND version = \"1.5.0\""));
        const auto search = page.formSearch();
        QVERIFY(search.has_value());
        QCOMPARE(search->service, QStringLiteral("checkout"));
        QVERIFY(qAbs(search->start.secsTo(search->end) - 900) <= 1);
    }

    void comparisonModel() {
        TraceComparisonModel model;
        QAbstractItemModelTester tester(&model,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setComparison(fleetComparison(QDateTime::currentDateTimeUtc()));
        QCOMPARE(model.rowCount(), 7);
        auto difference = [&model](int row) {
            return static_cast<PathDifference>(
                model.index(row, 0).data(TraceComparisonModel::DifferenceRole).toInt());
        };
        QCOMPARE(difference(0), PathDifference::Slower);
        QCOMPARE(difference(1), PathDifference::Same);
        QCOMPARE(difference(2), PathDifference::Same);
        QCOMPARE(difference(3), PathDifference::CountDiffers);
        QCOMPARE(difference(5), PathDifference::OnlyRight);
        QCOMPARE(difference(6), PathDifference::OnlyLeft);
        QCOMPARE(model.differenceCount(), 5);
        QCOMPARE(model.index(3, TraceComparisonModel::PathColumn).data().toString(),
                 QStringLiteral("  payments:charge"));
        QCOMPARE(model.index(3, TraceComparisonModel::PathColumn).data(Qt::ToolTipRole).toString(),
                 QStringLiteral("checkout:POST /orders > payments:charge"));
        QCOMPARE(model.index(0, TraceComparisonModel::DeltaColumn).data().toString(),
                 QStringLiteral("+1.27 s"));
        QCOMPARE(model.index(6, TraceComparisonModel::DeltaColumn).data().toString(),
                 QStringLiteral("−2 ms"));
        QCOMPARE(model.index(5, TraceComparisonModel::LeftDurationColumn).data().toString(),
                 QString());
        // A small change in a quick span is not a difference.
        QCOMPARE(pathDifference({QStringLiteral("a"), 0, 1, 1, 100000, 900000, 0, 0}),
                 PathDifference::Same);
    }

    void formRefusesWhatDoesNotParse() {
        Session session;
        TracesPage page(&session);
        QString error;
        QVERIFY(page.formSearch(&error).has_value());
        page.tagQueryEditor()->setQuery(QStringLiteral("service = "));
        QVERIFY(!page.formSearch(&error).has_value());
        QVERIFY2(error.contains(QStringLiteral("tag query")), qPrintable(error));
        page.tagQueryEditor()->setQuery(QString());
        // Searching with a broken field says why in the status line and sends nothing.
        page.openSearch(traceJumpSearch(QStringLiteral("checkout"), {}, {}, {}, {}));
        QCOMPARE(page.serviceBox()->currentData().toString(), QStringLiteral("checkout"));
    }

    void jumpsFromMetricsAndReleases() {
        ThemeController theme;
        theme.setMode(ThemeMode::Light);
        Session session;
        MainWindow window(&session, &theme);
        QVERIFY(MainWindow::pageNames().contains(QStringLiteral("traces")));
        QStringList shortcuts;
        for (QAction *action : window.findChildren<QAction *>()) {
            if (!action->shortcut().isEmpty()) {
                shortcuts.append(action->text() + QLatin1Char(' ') + action->shortcut().toString());
            }
        }
        QVERIFY2(shortcuts.contains(QStringLiteral("&Traces Ctrl+8")),
                 qPrintable(shortcuts.join(", ")));
        QVERIFY2(shortcuts.contains(QStringLiteral("A&lerts Ctrl+7")),
                 qPrintable(shortcuts.join(", ")));
        QVERIFY(window.showPage(QStringLiteral("metrics")));
        const QDateTime end = QDateTime::currentDateTimeUtc();
        emit window.metricsPage()->tracesRequested(
            QStringLiteral("payments"), QStringLiteral("blue"), {}, end.addSecs(-1800), end);
        QCOMPARE(window.currentPage(), QStringLiteral("traces"));
        TracesPage *traces = window.tracesPage();
        QCOMPARE(traces->serviceBox()->currentData().toString(), QStringLiteral("payments"));
        QCOMPARE(traces->tagQueryEditor()->query(), QStringLiteral("colour = blue"));
        const auto search = traces->formSearch();
        QVERIFY(search.has_value());
        QVERIFY(qAbs(search->start.secsTo(end.addSecs(-1800))) <= 1);
        QVERIFY(qAbs(search->end.secsTo(end)) <= 1);
        // The Metrics page's button asks for the service it shows, in its window.
        QSignalSpy requested(window.metricsPage(), &MetricsPage::tracesRequested);
        window.metricsPage()->requestTraces(QStringLiteral("green"));
        QCOMPARE(requested.size(), 1);
        QCOMPARE(requested.first().at(1).toString(), QStringLiteral("green"));
        QVERIFY(window.metricsPage()->tracesButton() != nullptr);

        window.resize(1280, 800);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        QVERIFY(window.grab().save(artifact(QStringLiteral("console-traces-window.png"))));
    }

    void pageScreenshots() {
        Session session;
        TracesPage page(&session);
        page.resize(1280, 800);
        page.show();
        QVERIFY(QTest::qWaitForWindowExposed(&page));
        const QDateTime now = QDateTime::currentDateTimeUtc();

        // Before any trace arrived: what to do.
        TracingStatus status;
        status.storeEnabled = true;
        status.otlpGrpcAddress = QStringLiteral("127.0.0.1:4317");
        status.otlpHttpPath = QStringLiteral("/v1/traces");
        page.setTracingStatus(status);
        TraceSearch search;
        search.end = now;
        search.start = now.addSecs(-3600);
        page.setSearchResult(search, {});
        QVERIFY(page.emptyResultsMessage().contains(QStringLiteral("127.0.0.1:4317")));
        page.scatter()->flush();
        QTest::qWait(50);
        QVERIFY(page.grab().save(artifact(QStringLiteral("console-traces-empty.png"))));

        status.tracesStored = 4210;
        status.spansStored = 61803;
        page.setTracingStatus(status);
        page.setServices(
            {{QStringLiteral("checkout"), 30000, 4, {"1.4.1", "1.5.0"}, {"blue", "green"}},
             {QStringLiteral("inventory"), 20000, 3, {"2.0.3"}, {"blue"}},
             {QStringLiteral("payments"), 11803, 2, {"0.9.7"}, {"green"}}});
        const QList<TraceSummary> traces = fleetTraces(now);
        page.setSearchResult(search, {traces, true});
        QCOMPARE(page.results()->rowCount(), 60);
        QCOMPARE(page.scatter()->series().size(), 2);
        QVERIFY(page.skeleton()->statusText().contains(QStringLiteral("60 trace(s)")));
        // Selecting a row rings its point; two rows allow a comparison.
        page.resultsView()->selectRow(3);
        QVERIFY(!page.scatter()->currentPointKey().isEmpty());
        QVERIFY(!page.compareSelectedButton()->isEnabled());
        page.resultsView()->selectionModel()->select(
            page.results()->index(5, 0), QItemSelectionModel::Select | QItemSelectionModel::Rows);
        QVERIFY(page.compareSelectedButton()->isEnabled());
        page.resultsView()->selectRow(2);
        page.tagQueryEditor()->setQuery(QStringLiteral("http.response.status_code >= 500 AND "
                                                       "(region = \"eu-*\" OR NOT retry = true)"));

        for (const QSize size : {QSize(1280, 800), QSize(1920, 1080)}) {
            for (const ThemeMode mode : {ThemeMode::Light, ThemeMode::Dark}) {
                applyTheme(*qApp, mode, m_platformPalette);
                page.resize(size);
                page.showTab(TracesPage::SearchTab);
                QTest::qWait(150);
                page.scatter()->flush();
                const QString suffix = QStringLiteral("%1x%2-%3")
                                           .arg(size.width())
                                           .arg(size.height())
                                           .arg(mode == ThemeMode::Dark ? QStringLiteral("dark")
                                                                        : QStringLiteral("light"));
                QVERIFY(page.grab().save(
                    artifact(QStringLiteral("console-traces-search-%1.png").arg(suffix))));
                page.showTab(TracesPage::GraphTab);
                page.setGraph(fleetGraph(size.width() > 1280));
                QTest::qWait(100);
                QVERIFY(page.grab().save(
                    artifact(QStringLiteral("console-traces-graph-%1.png").arg(suffix))));
                page.showTab(TracesPage::CompareTab);
                page.setComparison(fleetComparison(now));
                QTest::qWait(100);
                QVERIFY(page.grab().save(
                    artifact(QStringLiteral("console-traces-compare-%1.png").arg(suffix))));
            }
        }
        applyTheme(*qApp, ThemeMode::Light, m_platformPalette);
        // A broken tag query is marked and explained under the box.
        page.resize(1280, 800);
        page.showTab(TracesPage::SearchTab);
        page.tagQueryEditor()->setQuery(QStringLiteral("service = checkout AND (error OR"));
        QTest::qWait(100);
        QVERIFY(page.tagQueryEditor()->errorOffset().has_value());
        QVERIFY(page.grab().save(artifact(QStringLiteral("console-traces-query-error.png"))));
    }

    void pageAgainstRealDaemon() {
        auto daemon = testing::DaemonProcess::start();
        QVERIFY2(daemon.isOk(), daemon.status().toString().c_str());
        Session session;
        TracesPage page(&session);
        page.resize(1280, 800);
        page.show();
        QVERIFY(QTest::qWaitForWindowExposed(&page));
        ConnectionSettings settings;
        settings.address = QString::fromStdString((*daemon)->grpcAddress());
        settings.tokenFile = QString::fromStdString((*daemon)->adminTokenFile().string());
        session.connectTo(settings);
        QTRY_VERIFY_WITH_TIMEOUT(page.hasData(), 20000);
        // Nothing sent yet: the page says where to send spans.
        const QString otlp = QString::fromStdString((*daemon)->otlpAddress());
        QTRY_VERIFY_WITH_TIMEOUT(page.emptyResultsMessage().contains(otlp), 10000);
        QCOMPARE(page.results()->rowCount(), 0);
        QVERIFY(page.grab().save(artifact(QStringLiteral("console-traces-daemon-empty.png"))));

        const std::uint64_t now = std::uint64_t(QDateTime::currentMSecsSinceEpoch()) * 1000000;
        const std::uint64_t second = 1000000000;
        for (std::uint64_t trace = 1; trace <= 6; ++trace) {
            const grpc::Status exported = testing::exportSpans(
                (*daemon)->otlpAddress(),
                testing::checkoutTrace(trace, now - (70 - trace * 10) * second, trace % 3 == 0));
            QVERIFY2(exported.ok(), exported.error_message().c_str());
        }
        // Ingest is batched: search again until all six are in.
        QTRY_VERIFY_WITH_TIMEOUT(
            [&page] {
                if (page.results()->rowCount() < 6) {
                    page.search();
                    QTest::qWait(200);
                }
                return page.results()->rowCount() == 6;
            }(),
            20000);
        QCOMPARE(page.scatter()->series().size(), 2);
        // The services box is filled from ListServices.
        QTRY_VERIFY_WITH_TIMEOUT(page.serviceBox()->findData(QStringLiteral("payments")) > 0,
                                 10000);

        // A tag query narrows it; one the daemon refuses is marked.
        page.tagQueryEditor()->setQuery(QStringLiteral("error AND service = payments"));
        page.search();
        QTRY_COMPARE_WITH_TIMEOUT(page.results()->rowCount(), 2, 10000);

        // Opening a trace shows it in the trace view.
        const QString failing = page.results()->trace(0).traceId;
        page.openTrace(failing);
        QCOMPARE(page.currentTab(), int(TracesPage::TraceTab));
        QTRY_COMPARE_WITH_TIMEOUT(page.openTraceId(), failing, 10000);
        QTRY_VERIFY_WITH_TIMEOUT(page.exportButton()->isEnabled(), 10000);
        QCOMPARE(page.traceView()->summary().spanCount, 5);
        QTest::qWait(100);
        QVERIFY(page.grab().save(artifact(QStringLiteral("console-traces-daemon-trace.png"))));

        // The export writes OTLP JSON that reads back as the trace's five spans.
        const QString path = QDir(QCoreApplication::applicationDirPath())
                                 .filePath(QStringLiteral("console-traces-export.json"));
        QFile::remove(path);
        QSignalSpy exported(&page, &TracesPage::exportFinished);
        page.exportOpenTraceTo(path);
        QTRY_COMPARE_WITH_TIMEOUT(exported.size(), 1, 20000);
        QCOMPARE(exported.first().at(1).toString(), QString());
        QFile file(path);
        QVERIFY(file.open(QIODevice::ReadOnly));
        const auto decoded = tracing::fromOtlpJson(file.readAll().toStdString());
        QVERIFY2(decoded.isOk(), decoded.status().toString().c_str());
        int spans = 0;
        for (const auto &resource : decoded->resource_spans()) {
            for (const auto &scope : resource.scope_spans()) {
                spans += scope.spans_size();
            }
        }
        QCOMPARE(spans, 5);
        QVERIFY(page.skeleton()->statusText().contains(QStringLiteral("saved")));

        // The graph: checkout calls payments and inventory.
        page.showTab(TracesPage::GraphTab);
        QTRY_COMPARE_WITH_TIMEOUT(page.graphView()->graph().edges.size(), 2, 10000);
        QTest::qWait(100);
        QVERIFY(page.grab().save(artifact(QStringLiteral("console-traces-daemon-graph.png"))));

        // Two traces compared: the failing one is slower on its payments path.
        page.compareTraces(testing::traceHex(1), testing::traceHex(3));
        QTRY_VERIFY_WITH_TIMEOUT(page.comparison()->rowCount() > 0, 10000);
        QVERIFY(page.comparison()->differenceCount() > 0);
        QTest::qWait(100);
        QVERIFY(page.grab().save(artifact(QStringLiteral("console-traces-daemon-compare.png"))));
    }

private:
    QPalette m_platformPalette;
};

QTEST_MAIN(TestConsoleTraces)
#include "tst_console_traces.moc"
