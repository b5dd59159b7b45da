// MetricsService end to end: aegisd with metrics.backend external on a real Prometheus that
// scrapes two aegis-sample instances and aegisd itself every second. Counts are checked against
// the traffic sent; errors against the contract of metrics.proto.

#include "../sample/child_process.h"
#include "aegis/v1/metrics.grpc.pb.h"
#include "aegis/v1/registry.grpc.pb.h"
#include "api_test_helpers.h"
#include "client/connection.h"
#include "daemon_process.h"
#include "poll_until.h"
#include "prometheus_process.h"
#include "required_tool.h"
#include "sample/keep_alive_http_client.h"

#include <grpcpp/grpcpp.h>

#include <QtTest>

#include <csignal>
#include <fstream>
#include <future>
#include <map>

using namespace aegis;
using namespace std::chrono_literals;
namespace v1 = aegis::v1;

namespace {

// Requests to "/" by colour, whatever the sample's counter is named this release.
constexpr const char *kRequestsByColor =
    R"(sum by (color) ({__name__=~"http_requests_total|aegis_sample_requests_total",route="/"}))";

std::string label(const v1::Series &series, const std::string &name) {
    for (const auto &l : series.labels()) {
        if (l.name() == name) {
            return l.value();
        }
    }
    return {};
}

std::string label(const v1::Target &target, const std::string &name) {
    for (const auto &l : target.labels()) {
        if (l.name() == name) {
            return l.value();
        }
    }
    return {};
}

std::string trailer(const grpc::ClientContext &context, const std::string &key) {
    const auto &trailers = context.GetServerTrailingMetadata();
    const auto it = trailers.find(key);
    return it == trailers.end() ? std::string() : std::string(it->second.data(), it->second.size());
}

} // namespace

class MetricsServiceTest : public QObject {
    Q_OBJECT

private slots:
    void initTestCase();
    void cleanupTestCase();
    void queryCountsMatchTheTraffic();
    void queryRangePacksPointsAndWidensTheStep();
    void listsSeriesLabelNamesAndValues();
    void syntaxErrorIsInvalidArgumentWithPosition();
    void requestsAreValidatedAtTheEdge();
    void viewersMayQuery();
    void watchQuerySendsSnapshotThenOnlyNewerPoints();
    void targetsShowUpAndDown();
    void killedBackendIsUnavailableAndWatchRecovers();
    void backendNoneIsFailedPrecondition();
    void shutdownEndsTheWatch();

private:
    std::unique_ptr<v1::MetricsService::Stub> stub(const std::string &token = {}) const;
    std::unique_ptr<testing::ChildProcess>
    startSample(const std::string &id, const std::string &color, const std::string &version);
    std::map<std::string, std::string> instanceAddresses() const;
    std::map<std::string, double> requestsByColor();
    grpc::Status query(const std::string &expr, v1::QueryResponse *response,
                       grpc::ClientContext *context = nullptr);
    grpc::Status targets(const std::string &service, v1::TargetsResponse *response);

    testing::TempDir m_dir;
    std::unique_ptr<testing::PrometheusProcess> m_prometheus;
    std::unique_ptr<testing::DaemonProcess> m_daemon;
    std::filesystem::path m_serviceTokenFile;
    std::map<std::string, std::unique_ptr<testing::ChildProcess>> m_samples;
    std::map<std::string, std::string> m_addresses;
};

std::unique_ptr<v1::MetricsService::Stub> MetricsServiceTest::stub(const std::string &token) const {
    return v1::MetricsService::NewStub(testing::channelFor(
        m_daemon->grpcAddress(), token.empty() ? m_daemon->adminToken() : token));
}

std::unique_ptr<testing::ChildProcess> MetricsServiceTest::startSample(const std::string &id,
                                                                       const std::string &color,
                                                                       const std::string &version) {
    const auto log = m_dir.path() / (id + ".log");
    return testing::ChildProcess::start({AEGIS_SAMPLE_PATH,
                                         "--service",
                                         "shop",
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
                                         m_daemon->grpcAddress(),
                                         "--token-file",
                                         m_serviceTokenFile.string(),
                                         "--latency",
                                         "0s",
                                         "--error-rate",
                                         "0",
                                         "--ttl",
                                         "2s"},
                                        log, log);
}

std::map<std::string, std::string> MetricsServiceTest::instanceAddresses() const {
    auto registry = v1::RegistryService::NewStub(
        testing::channelFor(m_daemon->grpcAddress(), m_daemon->adminToken()));
    grpc::ClientContext context;
    client::setTimeout(context, 5s);
    v1::ListInstancesRequest request;
    request.set_service("shop");
    v1::ListInstancesResponse response;
    std::map<std::string, std::string> addresses;
    if (registry->ListInstances(&context, request, &response).ok()) {
        for (const auto &instance : response.instances()) {
            addresses[instance.id()] = instance.address();
        }
    }
    return addresses;
}

grpc::Status MetricsServiceTest::query(const std::string &expr, v1::QueryResponse *response,
                                       grpc::ClientContext *context) {
    grpc::ClientContext own;
    grpc::ClientContext &used = context ? *context : own;
    client::setTimeout(used, 15s);
    v1::QueryRequest request;
    request.set_query(expr);
    return stub()->Query(&used, request, response);
}

grpc::Status MetricsServiceTest::targets(const std::string &service,
                                         v1::TargetsResponse *response) {
    grpc::ClientContext context;
    client::setTimeout(context, 15s);
    v1::TargetsRequest request;
    request.set_service(service);
    return stub()->Targets(&context, request, response);
}

std::map<std::string, double> MetricsServiceTest::requestsByColor() {
    v1::QueryResponse response;
    std::map<std::string, double> counts;
    if (query(kRequestsByColor, &response).ok()) {
        for (const auto &series : response.series()) {
            counts[label(series, "color")] = series.values(0);
        }
    }
    return counts;
}

void MetricsServiceTest::initTestCase() {
    AEGIS_REQUIRE_TOOL(testing::PrometheusProcess::kBinary, testing::PrometheusProcess::kPackage);
    // Without targets at first: aegisd needs Prometheus' URL to start, Prometheus the samples'
    // addresses, which they get once aegisd runs.
    auto prometheus = testing::PrometheusProcess::start(m_dir.path() / "prometheus", {});
    QVERIFY2(prometheus, prometheus.status().toString().c_str());
    m_prometheus = std::move(*prometheus);

    testing::DaemonOptions options;
    options.extraArgs = {"--metrics-backend", "external", "--metrics-url", m_prometheus->url()};
    auto daemon = testing::DaemonProcess::start(options);
    QVERIFY2(daemon, daemon.status().toString().c_str());
    m_daemon = std::move(*daemon);

    std::string secret;
    const auto created =
        testing::createToken(testing::channelFor(m_daemon->grpcAddress(), m_daemon->adminToken()),
                             "shop", v1::ROLE_SERVICE, &secret, {"shop"});
    QVERIFY2(created.ok(), created.error_message().c_str());
    m_serviceTokenFile = m_dir.path() / "service.token";
    std::ofstream(m_serviceTokenFile) << secret << "\n";
    m_samples["shop-1"] = startSample("shop-1", "blue", "1.0.0");
    m_samples["shop-2"] = startSample("shop-2", "green", "2.0.0");
    QVERIFY(m_samples["shop-1"] && m_samples["shop-2"]);
    QVERIFY(testing::pollUntil([&] { return instanceAddresses().size() == 2; }, 20s));
    m_addresses = instanceAddresses();

    const std::string aegisd = m_daemon->httpAddress();
    const auto addresses = m_addresses;
    QVERIFY(m_prometheus
                ->reconfigure([addresses, aegisd](std::uint16_t) {
                    std::string yaml = "  - job_name: shop\n    static_configs:\n";
                    for (const auto &[id, color, version] :
                         {std::tuple{"shop-1", "blue", "1.0.0"}, {"shop-2", "green", "2.0.0"}}) {
                        yaml += "      - targets: ['" + addresses.at(id) +
                                "']\n        labels: {service: shop, instance: " + id +
                                ", color: " + color + ", version: '" + version + "'}\n";
                    }
                    return yaml + testing::PrometheusProcess::staticJob("aegisd", {aegisd});
                })
                .isOk());
    QVERIFY(testing::pollUntil(
        [&] {
            v1::TargetsResponse response;
            if (!targets("", &response).ok() || response.targets_size() != 3) {
                return false;
            }
            return std::all_of(
                response.targets().begin(), response.targets().end(),
                [](const v1::Target &t) { return t.health() == v1::TARGET_HEALTH_UP; });
        },
        30s));
}

void MetricsServiceTest::cleanupTestCase() {
    for (auto &[id, sample] : m_samples) {
        if (sample) {
            sample->signal(SIGTERM);
            sample->wait(10s);
        }
    }
    if (m_daemon && m_daemon->running()) {
        QCOMPARE(m_daemon->terminate(), 0);
    }
}

void MetricsServiceTest::queryCountsMatchTheTraffic() {
    sample::KeepAliveHttpClient http(5s);
    for (int i = 0; i < 7; ++i) {
        QCOMPARE(http.get(m_addresses.at("shop-1"), "/").status, 200);
    }
    for (int i = 0; i < 3; ++i) {
        QCOMPARE(http.get(m_addresses.at("shop-2"), "/").status, 200);
    }
    // Exactly what was sent, once the next scrapes have landed.
    const std::map<std::string, double> expected{{"blue", 7}, {"green", 3}};
    QVERIFY(testing::pollUntil([&] { return requestsByColor() == expected; }, 15s));
    // And it stays so: nothing else counted.
    QTest::qWait(1500);
    QCOMPARE(requestsByColor(), expected);

    v1::QueryResponse self;
    const auto status = query(R"(up{job="aegisd"})", &self);
    QVERIFY2(status.ok(), status.error_message().c_str());
    QCOMPARE(self.result_type(), v1::RESULT_TYPE_VECTOR);
    QCOMPARE(self.series_size(), 1);
    QCOMPARE(self.series(0).values(0), 1.0);
    QCOMPARE(self.series(0).timestamps_ms_size(), 1);
    QVERIFY(self.header().revision() > 0);
}

void MetricsServiceTest::queryRangePacksPointsAndWidensTheStep() {
    const auto now = std::chrono::system_clock::now();
    v1::QueryRangeRequest request;
    request.set_query(R"(up{job="shop"})");
    request.mutable_start()->set_seconds(
        std::chrono::duration_cast<std::chrono::seconds>((now - 60s).time_since_epoch()).count());
    request.mutable_end()->set_seconds(request.start().seconds() + 60);
    request.set_step_ms(1000);
    request.set_max_points(5);
    {
        grpc::ClientContext context;
        client::setTimeout(context, 15s);
        v1::QueryRangeResponse response;
        const auto status = stub()->QueryRange(&context, request, &response);
        QVERIFY2(status.ok(), status.error_message().c_str());
        QCOMPARE(response.result_type(), v1::RESULT_TYPE_MATRIX);
        // 60 s in at most 5 points: 4 steps of 15 s.
        QCOMPARE(response.step_ms(), std::int64_t(15000));
        QCOMPARE(response.series_size(), 2);
        for (const auto &series : response.series()) {
            QVERIFY(series.timestamps_ms_size() >= 1 && series.timestamps_ms_size() <= 5);
            QCOMPARE(series.values_size(), series.timestamps_ms_size());
            for (int i = 1; i < series.timestamps_ms_size(); ++i) {
                QCOMPARE(series.timestamps_ms(i) - series.timestamps_ms(i - 1),
                         std::int64_t(15000));
            }
            for (double value : series.values()) {
                QCOMPARE(value, 1.0);
            }
        }
    }
    {
        request.set_max_points(0); // default 1100: 61 points fit at 1 s
        grpc::ClientContext context;
        client::setTimeout(context, 15s);
        v1::QueryRangeResponse response;
        QVERIFY(stub()->QueryRange(&context, request, &response).ok());
        QCOMPARE(response.step_ms(), std::int64_t(1000));
    }
    {
        request.set_step_ms(0); // as fine as max_points allows
        request.set_max_points(61);
        grpc::ClientContext context;
        client::setTimeout(context, 15s);
        v1::QueryRangeResponse response;
        QVERIFY(stub()->QueryRange(&context, request, &response).ok());
        QCOMPARE(response.step_ms(), std::int64_t(1000));
    }
}

void MetricsServiceTest::listsSeriesLabelNamesAndValues() {
    {
        grpc::ClientContext context;
        client::setTimeout(context, 15s);
        v1::SeriesRequest request;
        request.add_matchers("up");
        v1::SeriesResponse response;
        QVERIFY(stub()->Series(&context, request, &response).ok());
        QCOMPARE(response.series_size(), 3);
        QVERIFY(!response.truncated());
        QCOMPARE(response.series(0).labels(0).name(), std::string("__name__"));
        QCOMPARE(response.series(0).timestamps_ms_size(), 0);
    }
    {
        grpc::ClientContext context;
        client::setTimeout(context, 15s);
        v1::SeriesRequest request;
        request.add_matchers("up");
        request.set_limit(2);
        v1::SeriesResponse response;
        QVERIFY(stub()->Series(&context, request, &response).ok());
        QCOMPARE(response.series_size(), 2);
        QVERIFY(response.truncated());
    }
    {
        grpc::ClientContext context;
        client::setTimeout(context, 15s);
        v1::LabelNamesRequest request;
        request.add_matchers(R"(up{job="shop"})");
        v1::LabelNamesResponse response;
        QVERIFY(stub()->LabelNames(&context, request, &response).ok());
        const std::vector<std::string> names(response.names().begin(), response.names().end());
        QCOMPARE(names, (std::vector<std::string>{"__name__", "color", "instance", "job", "service",
                                                  "version"}));
    }
    {
        grpc::ClientContext context;
        client::setTimeout(context, 15s);
        v1::LabelValuesRequest request;
        request.set_name("color");
        v1::LabelValuesResponse response;
        QVERIFY(stub()->LabelValues(&context, request, &response).ok());
        const std::vector<std::string> values(response.values().begin(), response.values().end());
        QCOMPARE(values, (std::vector<std::string>{"blue", "green"}));
    }
    {
        grpc::ClientContext context;
        client::setTimeout(context, 15s);
        v1::LabelValuesRequest request;
        request.set_name("job");
        request.set_limit(1);
        v1::LabelValuesResponse response;
        QVERIFY(stub()->LabelValues(&context, request, &response).ok());
        QCOMPARE(response.values_size(), 1);
        QCOMPARE(response.values(0), std::string("aegisd"));
        QVERIFY(response.truncated());
    }
}

void MetricsServiceTest::syntaxErrorIsInvalidArgumentWithPosition() {
    grpc::ClientContext context;
    v1::QueryResponse response;
    const auto status = query("sum(rate(up[1m])", &response, &context);
    QCOMPARE(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    QVERIFY2(status.error_message().rfind("query: 1:", 0) == 0, status.error_message().c_str());
    const std::string position = trailer(context, "aegis-query-position");
    QVERIFY2(position.rfind("1:", 0) == 0, position.c_str());
    QVERIFY2(status.error_message().rfind("query: " + position + ": ", 0) == 0,
             status.error_message().c_str());

    grpc::ClientContext second;
    const auto multiLine = query("sum(\n  rate(up[1m]) +\n)", &response, &second);
    QCOMPARE(multiLine.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    QVERIFY2(trailer(second, "aegis-query-position").rfind("3:", 0) == 0,
             multiLine.error_message().c_str());
}

void MetricsServiceTest::requestsAreValidatedAtTheEdge() {
    const auto expectInvalid = [](const grpc::Status &status, const std::string &mentions) {
        QCOMPARE(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
        QVERIFY2(status.error_message().find(mentions) != std::string::npos,
                 status.error_message().c_str());
    };
    v1::QueryResponse response;
    expectInvalid(query("", &response), "query must be 1 to 16384 bytes");
    expectInvalid(query(std::string(16385, 'x'), &response), "16384");
    {
        grpc::ClientContext context;
        v1::QueryRequest request;
        request.set_query("up");
        request.set_timeout_ms(200000);
        expectInvalid(stub()->Query(&context, request, &response),
                      "timeout_ms must be 0 to 120000");
    }
    {
        grpc::ClientContext context;
        v1::QueryRangeRequest request;
        request.set_query("up");
        request.mutable_start()->set_seconds(1'700'000'000);
        request.set_max_points(1);
        v1::QueryRangeResponse out;
        expectInvalid(stub()->QueryRange(&context, request, &out), "max_points must be 2 to 11000");
    }
    {
        grpc::ClientContext context;
        v1::QueryRangeRequest request;
        request.set_query("up");
        v1::QueryRangeResponse out;
        expectInvalid(stub()->QueryRange(&context, request, &out), "start is required");
    }
    {
        grpc::ClientContext context;
        v1::SeriesRequest request;
        v1::SeriesResponse out;
        expectInvalid(stub()->Series(&context, request, &out), "matchers must have 1 to 32");
    }
    {
        grpc::ClientContext context;
        v1::LabelValuesRequest request;
        request.set_name("not-a-label");
        v1::LabelValuesResponse out;
        expectInvalid(stub()->LabelValues(&context, request, &out), "name must be a label name");
    }
    {
        grpc::ClientContext context;
        v1::WatchQueryRequest request;
        request.set_query("up");
        request.set_interval_ms(100);
        auto reader = stub()->WatchQuery(&context, request);
        v1::WatchQueryResponse message;
        QVERIFY(!reader->Read(&message));
        expectInvalid(reader->Finish(), "interval_ms must be 1000 to 600000");
    }
}

void MetricsServiceTest::viewersMayQuery() {
    std::string viewer;
    QVERIFY(
        testing::createToken(testing::channelFor(m_daemon->grpcAddress(), m_daemon->adminToken()),
                             "viewer", v1::ROLE_VIEWER, &viewer)
            .ok());
    grpc::ClientContext context;
    client::setTimeout(context, 15s);
    v1::QueryRequest request;
    request.set_query("up");
    v1::QueryResponse response;
    const auto status = stub(viewer)->Query(&context, request, &response);
    QVERIFY2(status.ok(), status.error_message().c_str());
    QCOMPARE(response.series_size(), 3);

    grpc::ClientContext anonymous;
    const auto refused =
        v1::MetricsService::NewStub(testing::channelFor(m_daemon->grpcAddress(), ""))
            ->Query(&anonymous, request, &response);
    QCOMPARE(refused.error_code(), grpc::StatusCode::UNAUTHENTICATED);
}

void MetricsServiceTest::watchQuerySendsSnapshotThenOnlyNewerPoints() {
    grpc::ClientContext context;
    client::setTimeout(context, 60s);
    v1::WatchQueryRequest request;
    request.set_query(R"(up{job="shop"})");
    request.set_window_ms(20000);
    request.set_step_ms(1000);
    request.set_interval_ms(1000);
    auto reader = stub()->WatchQuery(&context, request);
    v1::WatchQueryResponse message;
    QVERIFY(reader->Read(&message));
    QVERIFY(message.snapshot());
    QCOMPARE(message.step_ms(), std::int64_t(1000));
    QCOMPARE(message.series_size(), 2);
    std::map<std::string, std::int64_t> newest;
    for (const auto &series : message.series()) {
        // The window's steps since the target was first scraped, on a grid of whole steps.
        QVERIFY(series.timestamps_ms_size() >= 1 && series.timestamps_ms_size() <= 21);
        for (std::int64_t time : series.timestamps_ms()) {
            QCOMPARE(time % 1000, std::int64_t(0));
        }
        newest[label(series, "instance")] = series.timestamps_ms(series.timestamps_ms_size() - 1);
    }
    for (int received = 0; received < 3; ++received) {
        QVERIFY(reader->Read(&message));
        QVERIFY(!message.snapshot());
        QVERIFY(message.backend_error().empty());
        QVERIFY(message.series_size() >= 1);
        for (const auto &series : message.series()) {
            auto &last = newest[label(series, "instance")];
            QVERIFY(series.timestamps_ms_size() >= 1);
            for (std::int64_t time : series.timestamps_ms()) {
                QVERIFY2(time > last, "only points newer than those sent");
                QCOMPARE(time - last, std::int64_t(1000));
                last = time;
            }
        }
    }
    context.TryCancel();
    reader->Finish();
}

void MetricsServiceTest::targetsShowUpAndDown() {
    v1::TargetsResponse response;
    QVERIFY(targets("shop", &response).ok());
    QCOMPARE(response.targets_size(), 2);
    QCOMPARE(response.backend().mode(), v1::METRICS_BACKEND_MODE_EXTERNAL);
    QCOMPARE(response.backend().state(), v1::METRICS_BACKEND_STATE_READY);
    QCOMPARE(response.backend().url(), m_prometheus->url());
    QVERIFY(response.backend().has_since());
    for (const auto &target : response.targets()) {
        QCOMPARE(target.health(), v1::TARGET_HEALTH_UP);
        QCOMPARE(target.scrape_pool(), std::string("shop"));
        QCOMPARE(target.scrape_url(),
                 "http://" + m_addresses.at(label(target, "instance")) + "/metrics");
        QVERIFY(target.has_last_scrape());
        QVERIFY(target.last_error().empty());
    }
    QVERIFY(targets("checkout", &response).ok());
    QCOMPARE(response.targets_size(), 0);

    m_samples.at("shop-2")->signal(SIGKILL);
    m_samples.at("shop-2")->wait(10s);
    QVERIFY(testing::pollUntil(
        [&] {
            v1::TargetsResponse now;
            if (!targets("shop", &now).ok()) {
                return false;
            }
            for (const auto &target : now.targets()) {
                if (label(target, "instance") == "shop-2") {
                    return target.health() == v1::TARGET_HEALTH_DOWN &&
                           !target.last_error().empty();
                }
            }
            return false;
        },
        15s));
}

void MetricsServiceTest::killedBackendIsUnavailableAndWatchRecovers() {
    grpc::ClientContext watchContext;
    client::setTimeout(watchContext, 90s);
    v1::WatchQueryRequest request;
    request.set_query(R"(up{job="aegisd"})");
    request.set_window_ms(10000);
    request.set_interval_ms(1000);
    auto reader = stub()->WatchQuery(&watchContext, request);
    v1::WatchQueryResponse message;
    QVERIFY(reader->Read(&message));
    QVERIFY(message.snapshot());

    m_prometheus->kill();
    const auto started = std::chrono::steady_clock::now();
    v1::QueryResponse response;
    const auto status = query("up", &response);
    QCOMPARE(status.error_code(), grpc::StatusCode::UNAVAILABLE);
    QVERIFY2(status.error_message().find(m_prometheus->url()) != std::string::npos,
             status.error_message().c_str());
    QVERIFY(std::chrono::steady_clock::now() - started < 10s);
    v1::TargetsResponse targetsResponse;
    QCOMPARE(targets("", &targetsResponse).error_code(), grpc::StatusCode::UNAVAILABLE);

    // The watch says so and keeps trying...
    bool sawError = false;
    while (!sawError && reader->Read(&message)) {
        sawError = !message.backend_error().empty();
    }
    QVERIFY(sawError);
    QVERIFY2(message.backend_error().find(m_prometheus->url()) != std::string::npos,
             message.backend_error().c_str());

    // ...and starts over with a snapshot once the backend is back.
    QVERIFY(m_prometheus->restart().isOk());
    bool sawSnapshot = false;
    while (!sawSnapshot && reader->Read(&message)) {
        sawSnapshot = message.snapshot();
    }
    QVERIFY(sawSnapshot);
    QVERIFY(message.backend_error().empty());
    watchContext.TryCancel();
    reader->Finish();
}

void MetricsServiceTest::backendNoneIsFailedPrecondition() {
    auto none = testing::DaemonProcess::start();
    QVERIFY2(none, none.status().toString().c_str());
    auto noneStub = v1::MetricsService::NewStub(
        testing::channelFor((*none)->grpcAddress(), (*none)->adminToken()));
    grpc::ClientContext context;
    client::setTimeout(context, 10s);
    v1::QueryRequest request;
    request.set_query("up");
    v1::QueryResponse response;
    const auto status = noneStub->Query(&context, request, &response);
    QCOMPARE(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
    QCOMPARE(status.error_message(), std::string("metrics are turned off (metrics.backend: none)"));

    grpc::ClientContext watchContext;
    client::setTimeout(watchContext, 10s);
    v1::WatchQueryRequest watch;
    watch.set_query("up");
    auto reader = noneStub->WatchQuery(&watchContext, watch);
    v1::WatchQueryResponse message;
    QVERIFY(!reader->Read(&message));
    QCOMPARE(reader->Finish().error_code(), grpc::StatusCode::FAILED_PRECONDITION);
    QCOMPARE((*none)->terminate(), 0);
}

void MetricsServiceTest::shutdownEndsTheWatch() {
    grpc::ClientContext context;
    client::setTimeout(context, 60s);
    v1::WatchQueryRequest request;
    request.set_query("up");
    request.set_window_ms(10000);
    auto reader = stub()->WatchQuery(&context, request);
    v1::WatchQueryResponse message;
    QVERIFY(testing::pollUntil([&] { return reader->Read(&message) && message.snapshot(); }, 30s));
    auto stopped = std::async(std::launch::async, [&] { return m_daemon->terminate(); });
    while (reader->Read(&message)) {
    }
    const auto status = reader->Finish();
    QCOMPARE(status.error_code(), grpc::StatusCode::UNAVAILABLE);
    QVERIFY2(status.error_message().find("shutting down") != std::string::npos,
             status.error_message().c_str());
    QCOMPARE(stopped.get(), 0);
}

QTEST_GUILESS_MAIN(MetricsServiceTest)
#include "tst_metrics_service.moc"
