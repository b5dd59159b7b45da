// What aegisd hands its managed Prometheus: durations in Prometheus' notation and a configuration
// file that Prometheus' own checker accepts, with the discovery URL, token file and intervals.

#include "daemon_process.h"
#include "metrics/managed_prometheus.h"
#include "required_tool.h"

#include <QtTest>

#include <fstream>

using namespace aegis;
using namespace std::chrono_literals;

class PrometheusConfigTest : public QObject {
    Q_OBJECT

private slots:
    void durations_data();
    void durations();
    void configPassesPromtool();
};

void PrometheusConfigTest::durations_data() {
    QTest::addColumn<qint64>("milliseconds");
    QTest::addColumn<QString>("expected");
    QTest::newRow("zero") << qint64(0) << "0s";
    QTest::newRow("seconds") << qint64(5000) << "5s";
    QTest::newRow("milliseconds") << qint64(1500) << "1500ms";
    QTest::newRow("minutes") << qint64(120000) << "2m";
    QTest::newRow("fifteen days") << qint64(15LL * 24 * 3600 * 1000) << "360h";
    QTest::newRow("seconds past a minute") << qint64(90000) << "90s";
}

void PrometheusConfigTest::durations() {
    QFETCH(qint64, milliseconds);
    QFETCH(QString, expected);
    QCOMPARE(QString::fromStdString(
                 metrics::prometheusDuration(std::chrono::milliseconds(milliseconds))),
             expected);
}

void PrometheusConfigTest::configPassesPromtool() {
    AEGIS_REQUIRE_TOOL("promtool", "prometheus");
    testing::TempDir dir;
    metrics::ManagedPrometheusOptions options;
    options.settings.scrapeInterval = 5s;
    options.discoveryUrl = "http://127.0.0.1:7401/sd/prometheus";
    // A path YAML would misread unquoted.
    options.discoveryTokenFile = dir.path() / "odd: name #1" / "sd.token";
    options.discoveryRefresh = 2s;
    std::filesystem::create_directories(options.discoveryTokenFile.parent_path());
    std::ofstream(options.discoveryTokenFile) << "secret\n";
    const std::string config = metrics::managedPrometheusConfig(options);
    std::ofstream(dir.path() / "prometheus.yml") << config;

    const auto checked = testing::runCommand({testing::toolPath("promtool"), "check", "config",
                                              (dir.path() / "prometheus.yml").string()});
    QVERIFY2(checked.exitCode == 0, (checked.out + checked.err + "\n" + config).c_str());
    QVERIFY(config.find("scrape_interval: 5s") != std::string::npos);
    QVERIFY(config.find("refresh_interval: 2s") != std::string::npos);
    QVERIFY(config.find("url: \"http://127.0.0.1:7401/sd/prometheus\"") != std::string::npos);
    QVERIFY(config.find("type: Bearer") != std::string::npos);
}

QTEST_GUILESS_MAIN(PrometheusConfigTest)
#include "tst_prometheus_config.moc"
