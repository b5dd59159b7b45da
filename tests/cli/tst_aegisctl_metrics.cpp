// aegisctl's metrics commands end to end: the real aegisctl against a real aegisd whose metrics
// backend is a real Prometheus scraping itself and aegisd every second.

#include "aegisctl_fixture.h"
#include "poll_until.h"
#include "prometheus_process.h"
#include "required_tool.h"

#include <nlohmann/json.hpp>

#include <QtTest>

using namespace std::chrono_literals;
using aegis::testing::Args;
using aegis::testing::jsonInt;
using aegis::testing::lines;
using aegis::testing::pollUntil;
using nlohmann::json;

namespace {

bool contains(const std::string &text, const std::string &part) {
    return text.find(part) != std::string::npos;
}

// The lines of `text` that contain `part`.
std::vector<std::string> linesWith(const std::string &text, const std::string &part) {
    std::vector<std::string> found;
    for (const auto &line : lines(text)) {
        if (contains(line, part)) {
            found.push_back(line);
        }
    }
    return found;
}

} // namespace

class TestAegisctlMetrics : public QObject, private aegis::testing::AegisctlFixture {
    Q_OBJECT

private slots:
    void initTestCase();
    void cleanupTestCase();

    void queryPrintsScalarAndVector();
    void queryAtTime();
    void queryJson();
    void syntaxErrorPointsAtThePosition();
    void rangeWidensTheStep();
    void targetsShowTheBackendThenATable();
    void seriesAndLabels();
    void usageErrors_data();
    void usageErrors();
    void help();

private:
    aegis::testing::TempDir m_dir;
    std::unique_ptr<aegis::testing::PrometheusProcess> m_prometheus;
};

void TestAegisctlMetrics::initTestCase() {
    AEGIS_REQUIRE_TOOL(aegis::testing::PrometheusProcess::kBinary,
                       aegis::testing::PrometheusProcess::kPackage);
    auto prometheus = aegis::testing::PrometheusProcess::start(m_dir.path() / "prometheus", {});
    QVERIFY2(prometheus, prometheus.status().toString().c_str());
    m_prometheus = std::move(*prometheus);
    aegis::testing::DaemonOptions options;
    options.extraArgs = {"--metrics-backend", "external", "--metrics-url", m_prometheus->url()};
    startDaemon(options);
    const std::string aegisd = daemon().httpAddress();
    QVERIFY(m_prometheus
                ->reconfigure([aegisd](std::uint16_t port) {
                    return aegis::testing::PrometheusProcess::staticJob("aegisd", {aegisd},
                                                                        {{"service", "aegisd"}}) +
                           aegis::testing::PrometheusProcess::staticJob(
                               "prometheus", {"127.0.0.1:" + std::to_string(port)});
                })
                .isOk());
    QVERIFY(pollUntil(
        [&] {
            const auto result = ctl({"metrics", "query", "scalar(count(up == 1))"});
            return result.exitCode == 0 && lines(result.out) == std::vector<std::string>{"2"};
        },
        30s));
}

void TestAegisctlMetrics::cleanupTestCase() {
    stopDaemon();
}

void TestAegisctlMetrics::queryPrintsScalarAndVector() {
    const auto scalar = ctl({"metrics", "query", "1 + 1"});
    CHECK_EXIT(scalar, 0);
    QCOMPARE(scalar.out, std::string("2\n"));

    const auto vector = ctl({"metrics", "query", R"(up{job="aegisd"})"});
    CHECK_EXIT(vector, 0);
    const auto rows = lines(vector.out);
    QCOMPARE(rows.size(), std::size_t(2));
    QVERIFY2(rows[0].starts_with("SERIES") && contains(rows[0], "VALUE"), vector.out.c_str());
    QVERIFY2(rows[1].starts_with(R"(up{instance=")" + daemon().httpAddress() +
                                 R"(",job="aegisd",service="aegisd"})"),
             vector.out.c_str());
    QVERIFY2(rows[1].ends_with(" 1"), vector.out.c_str());

    const auto nothing = ctl({"metrics", "query", R"(up{job="nobody"})"});
    CHECK_EXIT(nothing, 0);
    QCOMPARE(nothing.out, std::string("no series\n"));

    const auto special = ctl({"metrics", "query", "0/0"});
    CHECK_EXIT(special, 0);
    QCOMPARE(special.out, std::string("NaN\n"));
}

void TestAegisctlMetrics::queryAtTime() {
    const auto at = ctl({"metrics", "query", "time()", "--time", "2024-05-01T12:00:00Z"});
    CHECK_EXIT(at, 0);
    QCOMPARE(at.out, std::string("1714564800\n"));
}

void TestAegisctlMetrics::queryJson() {
    const json response = ctlJson({"metrics", "query", R"(up{job="aegisd"})"});
    QVERIFY(!response.is_null());
    QCOMPARE(response["resultType"].get<std::string>(), std::string("RESULT_TYPE_VECTOR"));
    QCOMPARE(response["series"].size(), std::size_t(1));
    QCOMPARE(response["series"][0]["values"][0].get<double>(), 1.0);
    QVERIFY(jsonInt(response["series"][0]["timestampsMs"][0]) > 0);
}

void TestAegisctlMetrics::syntaxErrorPointsAtThePosition() {
    const auto result = ctl({"metrics", "query", "sum(rate(up[1m])"});
    CHECK_EXIT(result, 1);
    QVERIFY(result.out.empty());
    const auto errors = lines(result.err);
    QVERIFY2(errors.size() >= 3, result.err.c_str());
    QVERIFY2(errors[0].starts_with("error: INVALID_ARGUMENT: query: 1:"), result.err.c_str());
    QCOMPARE(errors[1], std::string("  sum(rate(up[1m])"));
    // The caret stands under the column the message names.
    const int column =
        std::stoi(errors[0].substr(std::string("error: INVALID_ARGUMENT: query: 1:").size()));
    QCOMPARE(errors[2], std::string(2 + column - 1, ' ') + "^");
}

void TestAegisctlMetrics::rangeWidensTheStep() {
    const auto fine = ctl({"metrics", "range", "vector(1)", "--since", "1m", "--step", "10s"});
    CHECK_EXIT(fine, 0);
    QCOMPARE(lines(fine.out).at(0), std::string("step 10s"));
    QCOMPARE(linesWith(fine.out, "{}").size(), std::size_t(7));

    const auto widened = ctl(
        {"metrics", "range", "vector(1)", "--since", "1m", "--step", "1s", "--max-points", "3"});
    CHECK_EXIT(widened, 0);
    QCOMPARE(lines(widened.out).at(0), std::string("step 30s"));
    QCOMPARE(linesWith(widened.out, "{}").size(), std::size_t(3));

    const json response = ctlJson(
        {"metrics", "range", "vector(1)", "--since", "1m", "--step", "1s", "--max-points", "3"});
    QVERIFY(!response.is_null());
    QCOMPARE(jsonInt(response["stepMs"]), std::int64_t(30000));
    QCOMPARE(response["resultType"].get<std::string>(), std::string("RESULT_TYPE_MATRIX"));
    QCOMPARE(response["series"][0]["values"].size(), std::size_t(3));
}

void TestAegisctlMetrics::targetsShowTheBackendThenATable() {
    const auto all = ctl({"metrics", "targets"});
    CHECK_EXIT(all, 0);
    const auto rows = lines(all.out);
    QVERIFY2(rows.size() == 4, all.out.c_str());
    QVERIFY2(rows[0].starts_with("backend: external " + m_prometheus->url() + ", ready since "),
             all.out.c_str());
    QVERIFY2(rows[1].starts_with("JOB") && contains(rows[1], "HEALTH"), all.out.c_str());
    const auto aegisd = linesWith(all.out, "http://" + daemon().httpAddress() + "/metrics");
    QCOMPARE(aegisd.size(), std::size_t(1));
    QVERIFY2(aegisd[0].starts_with("aegisd") && contains(aegisd[0], " up "), all.out.c_str());

    const auto one = ctl({"metrics", "targets", "--service", "aegisd"});
    CHECK_EXIT(one, 0);
    QCOMPARE(lines(one.out).size(), std::size_t(3));

    const auto none = ctl({"metrics", "targets", "--service", "checkout"});
    CHECK_EXIT(none, 0);
    QCOMPARE(lines(none.out).at(1), std::string("no targets"));

    const json response = ctlJson({"metrics", "targets"});
    QCOMPARE(response["backend"]["state"].get<std::string>(),
             std::string("METRICS_BACKEND_STATE_READY"));
    QCOMPARE(response["backend"]["mode"].get<std::string>(),
             std::string("METRICS_BACKEND_MODE_EXTERNAL"));
    QCOMPARE(response["targets"].size(), std::size_t(2));
}

void TestAegisctlMetrics::seriesAndLabels() {
    const auto series = ctl({"metrics", "series", "up", R"(scrape_samples_scraped{job="aegisd"})"});
    CHECK_EXIT(series, 0);
    QCOMPARE(lines(series.out).size(), std::size_t(3));
    QCOMPARE(linesWith(series.out, R"(job="prometheus")").size(), std::size_t(1));
    QCOMPARE(linesWith(series.out, "scrape_samples_scraped{").size(), std::size_t(1));

    const auto limited = ctl({"metrics", "series", "up", "--limit", "1"});
    CHECK_EXIT(limited, 0);
    QCOMPARE(lines(limited.out).size(), std::size_t(1));
    QVERIFY2(contains(limited.err, "raise --limit"), limited.err.c_str());

    const auto names = ctl({"metrics", "labels", "--match", R"(up{job="aegisd"})"});
    CHECK_EXIT(names, 0);
    QCOMPARE(lines(names.out),
             (std::vector<std::string>{"__name__", "instance", "job", "service"}));

    const auto jobs = ctl({"metrics", "labels", "job"});
    CHECK_EXIT(jobs, 0);
    QCOMPARE(lines(jobs.out), (std::vector<std::string>{"aegisd", "prometheus"}));

    const json values = ctlJson({"metrics", "labels", "job", "--match", R"(up{job="aegisd"})"});
    QCOMPARE(values["values"], json::array({"aegisd"}));
}

void TestAegisctlMetrics::usageErrors_data() {
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<QString>("message");
    QTest::newRow("query without expression") << QStringList{"metrics", "query"} << "missing EXPR";
    QTest::newRow("bad time") << QStringList{"metrics", "query", "up", "--time", "yesterday"}
                              << "--time";
    QTest::newRow("too few points")
        << QStringList{"metrics", "range", "up", "--max-points", "1"} << "--max-points";
    QTest::newRow("bad step") << QStringList{"metrics", "range", "up", "--step", "often"}
                              << "--step";
    QTest::newRow("series without matcher") << QStringList{"metrics", "series"} << "MATCHER";
}

void TestAegisctlMetrics::usageErrors() {
    QFETCH(QStringList, args);
    QFETCH(QString, message);
    checkUsageError(args, message);
}

void TestAegisctlMetrics::help() {
    const auto result = ctl({"metrics", "--help"});
    CHECK_EXIT(result, 0);
    for (const char *command : {"metrics query", "metrics range", "metrics targets",
                                "metrics series", "metrics labels"}) {
        QVERIFY2(contains(result.out, command), result.out.c_str());
    }
}

QTEST_GUILESS_MAIN(TestAegisctlMetrics)
#include "tst_aegisctl_metrics.moc"
