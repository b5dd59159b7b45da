// aegisctl's alerts commands end to end: the real aegisctl against a real aegisd whose metrics
// backend is a real Prometheus and whose Alertmanager is a real prometheus-alertmanager.

#include "aegisctl_fixture.h"
#include "alertmanager_process.h"
#include "poll_until.h"
#include "prometheus_process.h"
#include "required_tool.h"

#include <nlohmann/json.hpp>

#include <QtTest>

#include <fstream>
#include <sstream>

using namespace std::chrono_literals;
using aegis::testing::Args;
using aegis::testing::jsonInt;
using aegis::testing::lines;
using aegis::testing::pollUntil;

namespace {

bool contains(const std::string &text, const std::string &part) {
    return text.find(part) != std::string::npos;
}

std::string readAll(const std::filesystem::path &path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

// As an operator's Prometheus rule file: comments and spacing of its own.
const std::string kNodeRules = R"(groups:
- name: node   # from the node exporter guide
  rules:
  - alert: HighCPUUsage
    expr: 100 - (avg by (instance) (rate(process_cpu_seconds_total[1m])) * 100) > 80
    for: 2m
    labels: {severity: warning}
    annotations:
      summary: "High CPU on {{ $labels.instance }}"
)";

const std::string kTeamRules = R"(groups:
  - name: api
    interval: 1s
    rules:
      - alert: AlwaysOn
        expr: vector(1)
        labels:
          severity: page
          service: checkout
        annotations:
          summary: always on
)";

} // namespace

class TestAegisctlAlerts : public QObject, private aegis::testing::AegisctlFixture {
    Q_OBJECT

private slots:
    void initTestCase();
    void cleanupTestCase();

    void importThenExportIsByteForByte();
    void putListAndGet();
    void putShowsWhereARuleIsWrong();
    void listAndWatchShowAFiringAlert();
    void historyOfARule();
    void testEvaluatesADraftRule();
    void silenceAddListExpire();
    void usageErrors_data();
    void usageErrors();

private:
    std::filesystem::path write(const std::string &name, const std::string &content);

    aegis::testing::TempDir m_dir;
    std::unique_ptr<aegis::testing::PrometheusProcess> m_prometheus;
    std::unique_ptr<aegis::testing::AlertmanagerProcess> m_alertmanager;
};

void TestAegisctlAlerts::initTestCase() {
    AEGIS_REQUIRE_TOOL(aegis::testing::PrometheusProcess::kBinary,
                       aegis::testing::PrometheusProcess::kPackage);
    AEGIS_REQUIRE_TOOL(aegis::testing::AlertmanagerProcess::kBinary,
                       aegis::testing::AlertmanagerProcess::kPackage);
    auto prometheus = aegis::testing::PrometheusProcess::start(m_dir.path() / "prometheus", {});
    QVERIFY2(prometheus, prometheus.status().toString().c_str());
    m_prometheus = std::move(*prometheus);
    auto alertmanager = aegis::testing::AlertmanagerProcess::start(
        m_dir.path() / "alertmanager",
        aegis::testing::AlertmanagerProcess::webhookConfig("http://127.0.0.1:9/hook"));
    QVERIFY2(alertmanager, alertmanager.status().toString().c_str());
    m_alertmanager = std::move(*alertmanager);
    aegis::testing::DaemonOptions options;
    options.extraArgs = {"--metrics-backend",  "external",           "--metrics-url",
                         m_prometheus->url(),  "--alertmanager",     "external",
                         "--alertmanager-url", m_alertmanager->url()};
    startDaemon(options);
}

void TestAegisctlAlerts::cleanupTestCase() {
    stopDaemon();
}

std::filesystem::path TestAegisctlAlerts::write(const std::string &name,
                                                const std::string &content) {
    const auto path = m_dir.path() / name;
    std::ofstream(path, std::ios::binary) << content;
    return path;
}

void TestAegisctlAlerts::importThenExportIsByteForByte() {
    const auto file = write("node.yml", kNodeRules);
    const auto imported =
        ctl({"alerts", "rules", "import", file.string(), "--comment", "bring our rules"});
    CHECK_EXIT(imported, 0);
    QVERIFY2(contains(imported.out, "Published rule file node v1 (1 groups, 1 rules"),
             imported.out.c_str());

    const auto exported = ctl({"alerts", "rules", "export", "node"});
    CHECK_EXIT(exported, 0);
    QCOMPARE(exported.out, kNodeRules);
    const auto copy = m_dir.path() / "node-copy.yml";
    CHECK_EXIT(ctl({"alerts", "rules", "export", "node", "--output-file", copy.string()}), 0);
    QCOMPARE(readAll(copy), kNodeRules);

    // Under another name, and again over the current version.
    CHECK_EXIT(ctl({"alerts", "rules", "import", file.string(), "--name", "node-copy", "--comment",
                    "a copy"}),
               0);
    const auto again = ctl({"alerts", "rules", "import", file.string(), "--comment", "same again"});
    CHECK_EXIT(again, 0);
    QVERIFY2(contains(again.out, "node v2"), again.out.c_str());
}

void TestAegisctlAlerts::putListAndGet() {
    const auto file = write("team.yaml", kTeamRules);
    const auto put = ctl({"alerts", "rules", "put", "team", "--file", file.string(), "--comment",
                          "the team's rules"});
    CHECK_EXIT(put, 0);
    QVERIFY2(contains(put.out, "Published rule file team v1"), put.out.c_str());
    const auto got = ctl({"alerts", "rules", "get", "team"});
    CHECK_EXIT(got, 0);
    QCOMPARE(got.out, kTeamRules);
    const auto json = ctlJson({"alerts", "rules", "get", "team"});
    QCOMPARE(jsonInt(json["file"]["version"]), std::int64_t(1));
    QCOMPARE(json["file"]["author"].get<std::string>(), std::string("admin"));

    QVERIFY(pollUntil(
        [&] {
            const auto listed = ctl({"alerts", "rules", "list"});
            return listed.exitCode == 0 && contains(listed.out, "team") &&
                   contains(listed.out, "AlwaysOn") && contains(listed.out, "aegis-defaults");
        },
        10s));
    // A stale base version is refused.
    const auto stale = ctl({"alerts", "rules", "put", "team", "--file", file.string(),
                            "--base-version", "0", "--comment", "again"});
    CHECK_EXIT(stale, 1);
    QVERIFY2(contains(stale.err, "ABORTED"), stale.err.c_str());
}

void TestAegisctlAlerts::putShowsWhereARuleIsWrong() {
    const auto result = ctl({"alerts", "rules", "put", "broken", "--content",
                             "groups:\n  - name: api\n    rules:\n      - alert: Slow\n"
                             "        expr: up == 0\n        for: soon\n",
                             "--comment", "broken"});
    CHECK_EXIT(result, 1);
    QVERIFY2(contains(result.err, "INVALID_ARGUMENT") && contains(result.err, "Slow") &&
                 contains(result.err, "line 6"),
             result.err.c_str());
}

void TestAegisctlAlerts::listAndWatchShowAFiringAlert() {
    QVERIFY(pollUntil(
        [&] {
            const auto listed = ctl({"alerts", "list", "--match", "service=checkout"});
            return listed.exitCode == 0 && contains(listed.out, "firing") &&
                   contains(listed.out, "AlwaysOn") && contains(listed.out, "page");
        },
        15s));
    const auto none = ctl({"alerts", "list", "--match", "service=nobody"});
    CHECK_EXIT(none, 0);
    QCOMPARE(none.out, std::string("no alerts\n"));
    const auto watched = ctl({"alerts", "watch", "--match", "alertname=AlwaysOn", "--count", "1"});
    CHECK_EXIT(watched, 0);
    const auto rows = lines(watched.out);
    QVERIFY2(rows.size() == 2 && contains(rows[0], "STATE") && contains(rows[1], "current") &&
                 contains(rows[1], "firing") && contains(rows[1], "AlwaysOn"),
             watched.out.c_str());
}

void TestAegisctlAlerts::historyOfARule() {
    const auto history = ctl({"alerts", "history", "--rule", "team/api/AlwaysOn"});
    CHECK_EXIT(history, 0);
    QVERIFY2(contains(history.out, "AlwaysOn") && contains(history.out, "firing"),
             history.out.c_str());
}

void TestAegisctlAlerts::testEvaluatesADraftRule() {
    const auto tested = ctl({"alerts", "rules", "test", "--content",
                             "alert: Draft\nexpr: vector(1)\n", "--interval", "1s"});
    CHECK_EXIT(tested, 0);
    QVERIFY2(contains(tested.out, "1 series; 1 would be active") && contains(tested.out, "Draft"),
             tested.out.c_str());
}

void TestAegisctlAlerts::silenceAddListExpire() {
    const auto added = ctl({"alerts", "silence", "add", "alertname=AlwaysOn", "severity=~pa.*",
                            "--duration", "1h", "--comment", "known"});
    CHECK_EXIT(added, 0);
    QVERIFY2(contains(added.out, R"(Silenced {alertname="AlwaysOn", severity=~"pa.*"})"),
             added.out.c_str());
    const auto json = ctlJson({"alerts", "silence", "list"});
    QCOMPARE(json["silences"].size(), std::size_t(1));
    const std::string id = json["silences"][0]["id"].get<std::string>();
    QVERIFY(contains(added.out, id));
    const auto listed = ctl({"alerts", "silence", "list"});
    CHECK_EXIT(listed, 0);
    QVERIFY2(contains(listed.out, id) && contains(listed.out, "active") &&
                 contains(listed.out, "known"),
             listed.out.c_str());
    QVERIFY(pollUntil(
        [&] {
            const auto alerts = ctl({"alerts", "list", "--match", "alertname=AlwaysOn"});
            return alerts.exitCode == 0 && contains(alerts.out, "yes");
        },
        15s));

    const auto expired = ctl({"alerts", "silence", "expire", id});
    CHECK_EXIT(expired, 0);
    QCOMPARE(expired.out, "Expired silence " + id + ".\n");
    const auto after = ctl({"alerts", "silence", "list"});
    CHECK_EXIT(after, 0);
    QCOMPARE(after.out, std::string("no silences\n"));
}

void TestAegisctlAlerts::usageErrors_data() {
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<QString>("message");
    QTest::newRow("silence without a comment")
        << QStringList{"alerts", "silence", "add", "service=checkout"} << "--comment";
    QTest::newRow("silence with a bad matcher")
        << QStringList{"alerts", "silence", "add", "service", "--comment", "c"} << "matchers";
    QTest::newRow("history of nothing") << QStringList{"alerts", "history"} << "--rule";
    QTest::newRow("put without content")
        << QStringList{"alerts", "rules", "put", "team", "--comment", "c"} << "--file";
    QTest::newRow("list with a bad matcher")
        << QStringList{"alerts", "list", "--match", "=x"} << "--match";
}

void TestAegisctlAlerts::usageErrors() {
    QFETCH(QStringList, args);
    QFETCH(QString, message);
    checkUsageError(args, message);
}

QTEST_GUILESS_MAIN(TestAegisctlAlerts)

#include "tst_aegisctl_alerts.moc"
