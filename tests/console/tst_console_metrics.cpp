// The Metrics page against the real aegisd: with metrics off it says so; with the managed
// Prometheus scraping two colours of aegis-sample (found through HTTP service discovery) under
// load from aegis-loadgen, its charts show both colours, the PromQL editor completes metric
// names and marks an error where the daemon says it is, and a rollout's markers are drawn.
// Screenshots at 1280×800 and 1920×1080, light and dark.

#include "child_process.h"
#include "daemon_process.h"
#include "models/chart_series.h"
#include "models/service_summary_model.h"
#include "net/session.h"
#include "poll_until.h"
#include "views/metrics_page.h"
#include "views/promql_editor.h"
#include "views/services_page.h"
#include "views/theme.h"
#include "views/time_series_chart.h"

#include "console_test_support.h"

#include <QApplication>
#include <QDir>
#include <QStandardPaths>
#include <QTest>

#include <fstream>

using namespace aegis;
using testing::artifact;
using namespace aegis::console;
using namespace std::chrono_literals;

namespace {

std::unique_ptr<testing::ChildProcess>
startSample(const testing::DaemonProcess &daemon, const testing::TempDir &logs,
            const std::string &id, const std::string &color, const std::string &version,
            const std::string &latency, const std::string &errorRate) {
    const auto log = logs.path() / (id + ".log");
    return testing::ChildProcess::start({AEGIS_SAMPLE_PATH,
                                         "--service",
                                         "checkout",
                                         "--id",
                                         id,
                                         "--listen",
                                         "127.0.0.1:0",
                                         "--version",
                                         version,
                                         "--color",
                                         color,
                                         "--zone",
                                         "a",
                                         "--aegis",
                                         daemon.grpcAddress(),
                                         "--token-file",
                                         daemon.adminTokenFile().string(),
                                         "--latency",
                                         latency,
                                         "--error-rate",
                                         errorRate,
                                         "--ttl",
                                         "10s"},
                                        log, log);
}

// Whether every chart of `charts` holds a series with points.
bool allHaveData(const QList<TimeSeriesChart *> &charts) {
    for (TimeSeriesChart *chart : charts) {
        bool points = false;
        for (const ChartSeries &series : chart->series()) {
            points = points || series.keys.size() >= 2;
        }
        if (!points) {
            return false;
        }
    }
    return true;
}

} // namespace

class TestConsoleMetrics : public QObject {
    Q_OBJECT
private slots:
    void initTestCase() {
        QStandardPaths::setTestModeEnabled(true);
        m_platformPalette = QApplication::palette();
        applyTheme(*qApp, ThemeMode::Light, m_platformPalette);
    }

    void metricsTurnedOff() {
        // Test daemons run with --metrics-backend none unless told otherwise.
        auto daemon = testing::DaemonProcess::start();
        QVERIFY2(daemon.isOk(), daemon.status().toString().c_str());
        Session session;
        MetricsPage page(&session);
        page.resize(1280, 800);
        page.show();
        session.connectTo(testing::adminSettings(**daemon));
        QTRY_VERIFY_WITH_TIMEOUT(page.hasData(), 10000);
        // The charts lay themselves out on the next turn of the event loop.
        QTest::qWait(100);
        QVERIFY(page.grab().save(artifact(QStringLiteral("console-metrics-off.png"))));
        QVERIFY2(page.backendNote().contains(QStringLiteral("turned off")),
                 qPrintable(page.backendNote()));
        for (TimeSeriesChart *chart : page.serviceCharts()) {
            QCOMPARE(chart->message(), QStringLiteral("Metrics unavailable"));
        }
    }

    void dashboardWithRealData() {
        testing::TempDir config;
        const auto file = config.path() / "aegisd.yaml";
        std::ofstream(file) << "metrics:\n  backend: managed\n  scrape_interval: 1s\n";
        testing::DaemonOptions options;
        options.extraArgs = {"--config", file.string(), "--metrics-backend", "managed"};
        auto daemon = testing::DaemonProcess::start(options);
        QVERIFY2(daemon.isOk(), daemon.status().toString().c_str());
        testing::TempDir logs;
        auto blue = startSample(**daemon, logs, "checkout-b1", "blue", "1.4.0", "8ms", "0");
        auto blue2 = startSample(**daemon, logs, "checkout-b2", "blue", "1.4.0", "9ms", "0");
        auto green = startSample(**daemon, logs, "checkout-g1", "green", "1.5.0", "20ms", "0.05");
        QVERIFY(blue && blue2 && green);
        const auto loadLog = logs.path() / "loadgen.log";
        auto load = testing::ChildProcess::start(
            {AEGIS_LOADGEN_PATH, "--aegis", (*daemon)->grpcAddress(), "--token-file",
             (*daemon)->adminTokenFile().string(), "--services", "checkout", "--rate", "60",
             "--concurrency", "4"},
            loadLog, loadLog);
        QVERIFY(load);

        Session session;
        MetricsPage page(&session);
        page.resize(1280, 800);
        page.show();
        QVERIFY(QTest::qWaitForWindowExposed(&page));
        session.connectTo(testing::adminSettings(**daemon));
        QTRY_VERIFY_WITH_TIMEOUT(page.hasData(), 20000);
        // The managed Prometheus finds the samples through discovery and scrapes them; the
        // page's service list comes from what is scraped.
        const bool scraped = testing::pollUntil(
            [&] {
                QCoreApplication::processEvents();
                if (page.service() != QLatin1String("checkout")) {
                    page.reload();
                    QTest::qWait(1000);
                    page.selectService(QStringLiteral("checkout"));
                }
                return page.service() == QLatin1String("checkout");
            },
            60s);
        QVERIFY2(scraped, qPrintable(page.backendNote()));
        page.setRangeSeconds(5 * 60);
        // Live: the charts fill as samples arrive.
        QTRY_VERIFY_WITH_TIMEOUT(allHaveData(page.serviceCharts().mid(0, 4)), 60000);
        TimeSeriesChart *rate = page.serviceCharts()[0];
        // Each colour appears once Prometheus has scraped its instances with their discovery
        // labels; until then the chart may hold fewer series, or one without a colour.
        const auto seriesNames = [rate] {
            QStringList names;
            for (const ChartSeries &series : rate->series()) {
                names.append(series.name);
            }
            names.sort();
            return names;
        };
        QTRY_COMPARE_WITH_TIMEOUT(seriesNames(), (QStringList{"blue", "green"}), 60000);
        // The error ratio shows green's injected errors and none for blue.
        TimeSeriesChart *errors = page.serviceCharts()[1];
        QTRY_VERIFY_WITH_TIMEOUT(
            [&] {
                for (const ChartSeries &series : errors->series()) {
                    if (series.name == QLatin1String("green") && !series.values.isEmpty() &&
                        series.values.last() > 0) {
                        return true;
                    }
                }
                return false;
            }(),
            30000);
        QTest::qWait(3000);
        for (const QSize size : {QSize(1280, 800), QSize(1920, 1080)}) {
            for (const ThemeMode mode : {ThemeMode::Light, ThemeMode::Dark}) {
                applyTheme(*qApp, mode, m_platformPalette);
                page.resize(size);
                QTest::qWait(300);
                const QString name = QStringLiteral("console-metrics-%1x%2-%3.png")
                                         .arg(size.width())
                                         .arg(size.height())
                                         .arg(mode == ThemeMode::Dark ? QStringLiteral("dark")
                                                                      : QStringLiteral("light"));
                QVERIFY(page.grab().save(artifact(name)));
            }
        }
        applyTheme(*qApp, ThemeMode::Light, m_platformPalette);
        page.resize(1280, 800);

        // The Services page's sparkline for checkout: both colours summed, green's errors in it.
        {
            ServicesPage services(&session);
            services.resize(1280, 800);
            services.show();
            QVERIFY(QTest::qWaitForWindowExposed(&services));
            // Made after the session connected: it lists when told to.
            services.reload();
            QTRY_VERIFY_WITH_TIMEOUT(services.hasData(), 10000);
            const auto traffic = [&] {
                return services.services()
                    ->index(services.services()->rowOf(QStringLiteral("checkout")),
                            ServiceSummaryModel::TrafficColumn)
                    .data(ServiceSummaryModel::TrafficRole)
                    .value<ServiceTraffic>();
            };
            QTRY_VERIFY_WITH_TIMEOUT(traffic().rate.keys.size() >= 2 &&
                                         traffic().currentRate() > 0 &&
                                         traffic().currentErrors() > 0,
                                     30000);
            QVERIFY(services.services()
                        ->index(services.services()->rowOf(QStringLiteral("checkout")),
                                ServiceSummaryModel::TrafficColumn)
                        .data()
                        .toString()
                        .contains(QStringLiteral("req/s")));
            for (const QSize size : {QSize(1280, 800), QSize(1920, 1080)}) {
                for (const ThemeMode mode : {ThemeMode::Light, ThemeMode::Dark}) {
                    applyTheme(*qApp, mode, m_platformPalette);
                    services.resize(size);
                    QTest::qWait(200);
                    const QString name =
                        QStringLiteral("console-services-traffic-%1x%2-%3.png")
                            .arg(size.width())
                            .arg(size.height())
                            .arg(mode == ThemeMode::Dark ? QStringLiteral("dark")
                                                         : QStringLiteral("light"));
                    QVERIFY(services.grab().save(artifact(name)));
                }
            }
            applyTheme(*qApp, ThemeMode::Light, m_platformPalette);
            // Hidden: the streams stop and nothing stale stays.
            services.hide();
            QVERIFY(!traffic().rate.keys.size());
        }

        // Drill down to one instance.
        QTRY_VERIFY_WITH_TIMEOUT(page.selectInstance(QStringLiteral("checkout-g1")), 10000);
        QTRY_VERIFY_WITH_TIMEOUT(allHaveData({rate}), 30000);
        QCOMPARE(rate->series().size(), 1);
        QCOMPARE(rate->series().first().labels.value(QStringLiteral("instance")),
                 QStringLiteral("checkout-g1"));

        // aegisd's own dashboard.
        page.showTab(MetricsPage::DaemonTab);
        QTRY_VERIFY_WITH_TIMEOUT(
            allHaveData({page.daemonCharts()[0], page.daemonCharts()[2], page.daemonCharts()[3]}),
            30000);
        QVERIFY(page.grab().save(artifact(QStringLiteral("console-metrics-aegisd.png"))));

        // The PromQL editor: completion of metric names from the backend, an error marked where
        // the daemon says it is, and a result charted.
        page.showTab(MetricsPage::QueryTab);
        PromqlEditor *editor = page.queryEditor();
        editor->setPlainText(QStringLiteral("http_requests_to"));
        QTextCursor end = editor->textCursor();
        end.movePosition(QTextCursor::End);
        editor->setTextCursor(end);
        QTRY_VERIFY_WITH_TIMEOUT(
            editor->currentCandidates().contains(QStringLiteral("http_requests_total")), 10000);
        editor->setPlainText(QStringLiteral("sum(rate(http_requests_total[1m])"));
        page.runQuery();
        QTRY_VERIFY_WITH_TIMEOUT(!page.queryError().isEmpty(), 10000);
        QVERIFY(editor->errorOffset().has_value());
        QVERIFY(page.grab().save(artifact(QStringLiteral("console-metrics-query-error.png"))));
        editor->setPlainText(QStringLiteral("sum by (color) (rate(http_requests_total[1m]))"));
        page.runQuery();
        QTRY_VERIFY_WITH_TIMEOUT(allHaveData({page.queryChart()}), 10000);
        QVERIFY(page.queryError().isEmpty());
        QVERIFY(page.grab().save(artifact(QStringLiteral("console-metrics-query.png"))));
    }

private:
    QPalette m_platformPalette;
};

QTEST_MAIN(TestConsoleMetrics)
#include "tst_console_metrics.moc"
