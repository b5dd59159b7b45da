// PrometheusClient against a real Prometheus that scrapes itself every second: each answer shape
// of the HTTP API, the error mapping of QueryBackend's contract, and deadlines that hold when the
// backend does not answer or is gone.

#include "daemon_process.h"
#include "loopback_ports.h"
#include "metrics/no_metrics_backend.h"
#include "metrics/prometheus_client.h"
#include "metrics/query_error.h"
#include "poll_until.h"
#include "prometheus_process.h"
#include "required_tool.h"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include <QtTest>

#include <arpa/inet.h>
#include <cmath>
#include <future>
#include <mutex>
#include <netinet/in.h>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>

using namespace aegis;
using namespace aegis::metrics;
using namespace std::chrono_literals;

namespace {

// Runs one call of the backend and waits for its `done`, which must come on an io thread.
template <typename T, typename Start>
StatusOr<T> await(Start start, std::chrono::milliseconds limit = 60s) {
    auto promise = std::make_shared<std::promise<StatusOr<T>>>();
    auto future = promise->get_future();
    const auto caller = std::this_thread::get_id();
    auto onCallerThread = std::make_shared<bool>(false);
    start([promise, caller, onCallerThread](StatusOr<T> result) {
        *onCallerThread = std::this_thread::get_id() == caller;
        promise->set_value(std::move(result));
    });
    if (future.wait_for(limit) != std::future_status::ready) {
        return internalError("no answer within the test's limit");
    }
    auto result = future.get();
    if (*onCallerThread) {
        return internalError("done ran on the caller's thread");
    }
    return result;
}

// A loopback port that accepts connections (the kernel's backlog) and never answers.
class SilentServer {
public:
    SilentServer() {
        m_fd = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        ::bind(m_fd, reinterpret_cast<sockaddr *>(&address), sizeof address);
        ::listen(m_fd, 16);
        socklen_t length = sizeof address;
        ::getsockname(m_fd, reinterpret_cast<sockaddr *>(&address), &length);
        m_port = ntohs(address.sin_port);
    }
    ~SilentServer() { ::close(m_fd); }
    std::string url() const { return "http://127.0.0.1:" + std::to_string(m_port); }

private:
    int m_fd = -1;
    std::uint16_t m_port = 0;
};

// A loopback HTTP server answering every request with what the test sets, keeping the last
// request it read: for what a real Prometheus does not show (the headers sent) or does not do.
class FakeBackend {
public:
    FakeBackend() {
        m_fd = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        ::bind(m_fd, reinterpret_cast<sockaddr *>(&address), sizeof address);
        ::listen(m_fd, 16);
        socklen_t length = sizeof address;
        ::getsockname(m_fd, reinterpret_cast<sockaddr *>(&address), &length);
        m_port = ntohs(address.sin_port);
        m_thread = std::thread([this] { serve(); });
    }
    ~FakeBackend() {
        ::shutdown(m_fd, SHUT_RDWR);
        ::close(m_fd);
        m_thread.join();
    }
    std::string url() const { return "http://127.0.0.1:" + std::to_string(m_port); }
    void answer(int status, std::string body) {
        std::lock_guard lock(m_mutex);
        m_status = status;
        m_body = std::move(body);
    }
    std::string lastRequest() const {
        std::lock_guard lock(m_mutex);
        return m_request;
    }

private:
    void serve() {
        for (;;) {
            const int client = ::accept(m_fd, nullptr, nullptr);
            if (client < 0) {
                return;
            }
            std::string request;
            char buffer[4096];
            std::size_t headersEnd = std::string::npos;
            std::size_t wanted = 0;
            for (ssize_t n; (n = ::recv(client, buffer, sizeof buffer, 0)) > 0;) {
                request.append(buffer, static_cast<std::size_t>(n));
                if (headersEnd == std::string::npos &&
                    (headersEnd = request.find("\r\n\r\n")) != std::string::npos) {
                    const auto length = request.find("Content-Length: ");
                    wanted = headersEnd + 4 +
                             (length < headersEnd ? std::stoul(request.substr(length + 16)) : 0);
                }
                if (headersEnd != std::string::npos && request.size() >= wanted) {
                    break;
                }
            }
            std::string response;
            {
                std::lock_guard lock(m_mutex);
                m_request = request;
                response = "HTTP/1.1 " + std::to_string(m_status) +
                           " Whatever\r\nContent-Type: text/plain\r\nContent-Length: " +
                           std::to_string(m_body.size()) + "\r\nConnection: close\r\n\r\n" + m_body;
            }
            ::send(client, response.data(), response.size(), MSG_NOSIGNAL);
            ::close(client);
        }
    }

    int m_fd = -1;
    std::uint16_t m_port = 0;
    std::thread m_thread;
    mutable std::mutex m_mutex;
    int m_status = 200;
    std::string m_body;
    std::string m_request;
};

constexpr const char *kScalarOne =
    R"({"status":"success","data":{"resultType":"scalar","result":[1700000000.5,"1"]}})";

} // namespace

class PrometheusClientTest : public QObject {
    Q_OBJECT

private slots:
    void initTestCase();
    void cleanupTestCase();
    void answersEachResultType();
    void readsNaNAndInfinities();
    void queryRangeGivesAscendingPoints();
    void listsSeriesLabelsAndValues();
    void listsTargetsWithHealth();
    void rejectedQueryIsInvalidArgumentWithPosition();
    void longQueryIsPosted();
    void refusedConnectionIsUnavailableNamingTheUrl();
    void silentBackendHitsTheDeadline();
    void sendsCredentialsAndKeepsThePathPrefix();
    void mapsHttpFailures();
    void httpsVerifiesTheServerAgainstTheCaFile();
    void badUrlIsRejected();
    void noMetricsBackendRefuses();
    void killedBackendIsUnavailableAndStatusDown();

private:
    PrometheusClientPtr client(const std::string &url, PrometheusClientOptions options = {});

    testing::TempDir m_dir;
    boost::asio::io_context m_io;
    std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> m_work;
    std::vector<std::thread> m_threads;
    std::unique_ptr<testing::PrometheusProcess> m_prometheus;
    PrometheusClientPtr m_client;
};

PrometheusClientPtr PrometheusClientTest::client(const std::string &url,
                                                 PrometheusClientOptions options) {
    auto created = PrometheusClient::create(m_io.get_executor(), url, std::move(options));
    if (!created) {
        qWarning("%s", created.status().toString().c_str());
        return nullptr;
    }
    return std::move(*created);
}

void PrometheusClientTest::initTestCase() {
    AEGIS_REQUIRE_TOOL(testing::PrometheusProcess::kBinary, testing::PrometheusProcess::kPackage);
    m_work.emplace(m_io.get_executor());
    for (int i = 0; i < 2; ++i) {
        m_threads.emplace_back([this] { m_io.run(); });
    }
    testing::PrometheusProcess::Options options;
    options.scrapeConfigs = [](std::uint16_t port) {
        return testing::PrometheusProcess::staticJob(
            "prometheus", {"127.0.0.1:" + std::to_string(port)}, {{"team", "metrics"}});
    };
    auto prometheus = testing::PrometheusProcess::start(m_dir.path() / "prometheus", options);
    QVERIFY2(prometheus, prometheus.status().toString().c_str());
    m_prometheus = std::move(*prometheus);
    PrometheusClientOptions clientOptions;
    clientOptions.probeInterval = 200ms;
    m_client = client(m_prometheus->url(), clientOptions);
    QVERIFY(m_client);
    QCOMPARE(m_client->url(), m_prometheus->url());
    // Scraped at least twice, so range queries have points.
    QVERIFY(testing::pollUntil(
        [&] {
            const auto result = await<QueryResult>([&](auto done) {
                m_client->query({"count_over_time(up[1m])", {}, 5s}, done);
            });
            return result && result->series.size() == 1 && result->series[0].values[0] >= 2;
        },
        30s));
    QVERIFY(testing::pollUntil([&] { return m_client->status().state == BackendState::Ready; }));
}

void PrometheusClientTest::cleanupTestCase() {
    m_client.reset();
    m_work.reset();
    m_io.stop();
    for (auto &thread : m_threads) {
        thread.join();
    }
}

void PrometheusClientTest::answersEachResultType() {
    const auto scalar = await<QueryResult>([&](auto done) {
        m_client->query({"1 + 1", {}, 5s}, done);
    });
    QVERIFY2(scalar, scalar.status().toString().c_str());
    QCOMPARE(scalar->type, ResultType::Scalar);
    QCOMPARE(scalar->series.size(), std::size_t(1));
    QVERIFY(scalar->series[0].labels.empty());
    QCOMPARE(scalar->series[0].values, std::vector<double>{2});

    const auto at = std::chrono::system_clock::time_point(1'700'000'000'123ms);
    const auto vector = await<QueryResult>([&](auto done) {
        m_client->query({R"(label_replace(vector(7), "b", "x", "", ""))", at, 5s}, done);
    });
    QVERIFY2(vector, vector.status().toString().c_str());
    QCOMPARE(vector->type, ResultType::Vector);
    QCOMPARE(vector->series.size(), std::size_t(1));
    QCOMPARE(vector->series[0].labels, (Labels{{"b", "x"}}));
    QCOMPARE(vector->series[0].timestampsMs, std::vector<std::int64_t>{1'700'000'000'123});
    QCOMPARE(vector->series[0].values, std::vector<double>{7});

    const auto up = await<QueryResult>([&](auto done) { m_client->query({"up", {}, 5s}, done); });
    QVERIFY2(up, up.status().toString().c_str());
    QCOMPARE(up->series.size(), std::size_t(1));
    // Sorted by name, as Labels promises.
    QCOMPARE(up->series[0].labels,
             (Labels{{"__name__", "up"},
                     {"instance", "127.0.0.1:" + std::to_string(m_prometheus->port())},
                     {"job", "prometheus"},
                     {"team", "metrics"}}));

    const auto matrix = await<QueryResult>([&](auto done) {
        m_client->query({"up[1m]", {}, 5s}, done);
    });
    QVERIFY2(matrix, matrix.status().toString().c_str());
    QCOMPARE(matrix->type, ResultType::Matrix);
    QVERIFY(matrix->series[0].values.size() >= 2);

    const auto text = await<QueryResult>([&](auto done) {
        m_client->query({R"("hello")", {}, 5s}, done);
    });
    QVERIFY2(text, text.status().toString().c_str());
    QCOMPARE(text->type, ResultType::String);
    QCOMPARE(text->stringValue, std::string("hello"));
    QVERIFY(text->series.empty());
}

void PrometheusClientTest::readsNaNAndInfinities() {
    for (const auto &[query, check] : {std::pair<std::string, std::function<bool(double)>>{
                                           "0/0", [](double v) { return std::isnan(v); }},
                                       {"1/0", [](double v) { return std::isinf(v) && v > 0; }},
                                       {"-1/0", [](double v) { return std::isinf(v) && v < 0; }}}) {
        const auto result = await<QueryResult>([&](auto done) {
            m_client->query({query, {}, 5s}, done);
        });
        QVERIFY2(result, result.status().toString().c_str());
        QVERIFY2(check(result->series.at(0).values.at(0)), query.c_str());
    }
}

void PrometheusClientTest::queryRangeGivesAscendingPoints() {
    const auto end = std::chrono::system_clock::now();
    const auto start = end - 20s;
    const auto result = await<QueryResult>([&](auto done) {
        m_client->queryRange({"vector(3)", start, end, 2s, 5s}, done);
    });
    QVERIFY2(result, result.status().toString().c_str());
    QCOMPARE(result->type, ResultType::Matrix);
    QCOMPARE(result->series.size(), std::size_t(1));
    const auto &series = result->series[0];
    QCOMPARE(series.timestampsMs.size(), std::size_t(11));
    QCOMPARE(series.values.size(), std::size_t(11));
    for (std::size_t i = 1; i < series.timestampsMs.size(); ++i) {
        QCOMPARE(series.timestampsMs[i] - series.timestampsMs[i - 1], std::int64_t(2000));
        QCOMPARE(series.values[i], 3.0);
    }
    QCOMPARE(
        series.timestampsMs.front(),
        std::chrono::duration_cast<std::chrono::milliseconds>(start.time_since_epoch()).count());
}

void PrometheusClientTest::listsSeriesLabelsAndValues() {
    const auto now = std::chrono::system_clock::now();
    const SeriesSelection selection{{R"(up{job="prometheus"})"}, now - 1h, now};
    const auto series =
        await<std::vector<Labels>>([&](auto done) { m_client->series(selection, done); });
    QVERIFY2(series, series.status().toString().c_str());
    QCOMPARE(series->size(), std::size_t(1));
    QCOMPARE(series->at(0).at(0), (std::pair<std::string, std::string>{"__name__", "up"}));

    const auto names =
        await<std::vector<std::string>>([&](auto done) { m_client->labelNames(selection, done); });
    QVERIFY2(names, names.status().toString().c_str());
    QCOMPARE(*names, (std::vector<std::string>{"__name__", "instance", "job", "team"}));

    const auto all = await<std::vector<std::string>>([&](auto done) {
        m_client->labelNames({{}, now - 1h, now}, done);
    });
    QVERIFY2(all, all.status().toString().c_str());
    QVERIFY(std::find(all->begin(), all->end(), "job") != all->end());

    const auto jobs = await<std::vector<std::string>>([&](auto done) {
        m_client->labelValues("job", {{}, now - 1h, now}, done);
    });
    QVERIFY2(jobs, jobs.status().toString().c_str());
    QCOMPARE(*jobs, std::vector<std::string>{"prometheus"});

    const auto metricNames = await<std::vector<std::string>>([&](auto done) {
        m_client->labelValues("__name__", {{"up"}, now - 1h, now}, done);
    });
    QVERIFY2(metricNames, metricNames.status().toString().c_str());
    QCOMPARE(*metricNames, std::vector<std::string>{"up"});
}

void PrometheusClientTest::listsTargetsWithHealth() {
    const auto targets = await<std::vector<Target>>([&](auto done) { m_client->targets(done); });
    QVERIFY2(targets, targets.status().toString().c_str());
    QCOMPARE(targets->size(), std::size_t(1));
    const Target &target = targets->at(0);
    QCOMPARE(target.health, TargetHealth::Up);
    QCOMPARE(target.scrapePool, std::string("prometheus"));
    QCOMPARE(target.scrapeUrl, m_prometheus->url() + "/metrics");
    QVERIFY(target.lastError.empty());
    const auto age = std::chrono::system_clock::now() - target.lastScrape;
    QVERIFY2(age >= -1s && age < 10s, "the last scrape is recent");
    QVERIFY(target.lastScrapeDuration > std::chrono::microseconds(0));
    QVERIFY(std::find(target.labels.begin(), target.labels.end(),
                      std::pair<std::string, std::string>{"team", "metrics"}) !=
            target.labels.end());
}

void PrometheusClientTest::rejectedQueryIsInvalidArgumentWithPosition() {
    const auto syntax = await<QueryResult>([&](auto done) {
        m_client->query({"sum(up", {}, 5s}, done);
    });
    QCOMPARE(syntax.status().code(), StatusCode::InvalidArgument);
    QVERIFY2(syntax.status().message().starts_with("query: 1:"), syntax.status().message().c_str());
    QVERIFY2(syntax.status().message().find("parse error") != std::string::npos,
             syntax.status().message().c_str());
    const auto position = queryErrorPosition(syntax.status().message());
    QVERIFY(position);
    QCOMPARE(position->line, 1);
    QVERIFY(position->column >= 1 && position->column <= 7);

    const auto secondLine = await<QueryResult>([&](auto done) {
        const auto now = std::chrono::system_clock::now();
        m_client->queryRange({"up\n  + )", now - 1min, now, 1s, 5s}, done);
    });
    QCOMPARE(secondLine.status().code(), StatusCode::InvalidArgument);
    const auto later = queryErrorPosition(secondLine.status().message());
    QVERIFY2(later, secondLine.status().message().c_str());
    QCOMPARE(later->line, 2);

    // Rejected at evaluation (HTTP 422, "execution"): no position, still the query's fault.
    const auto execution = await<QueryResult>([&](auto done) {
        m_client->query(
            {R"(label_replace(vector(1), "a", "x", "", "") + on() )"
             R"(label_replace(vector(1) or label_replace(vector(1), "b", "y", "", ""), "a", "x", "", ""))",
             {},
             5s},
            done);
    });
    QCOMPARE(execution.status().code(), StatusCode::InvalidArgument);
    QVERIFY2(execution.status().message().starts_with("query: "),
             execution.status().message().c_str());
    QVERIFY(!queryErrorPosition(execution.status().message()));

    const auto matcher = await<std::vector<Labels>>([&](auto done) {
        m_client->series({{"up{"}, {}, {}}, done);
    });
    QCOMPARE(matcher.status().code(), StatusCode::InvalidArgument);
    QVERIFY2(matcher.status().message().starts_with("matchers: "),
             matcher.status().message().c_str());
}

void PrometheusClientTest::longQueryIsPosted() {
    // Far beyond what a URL may carry (Go's limit on request headers is 1 MiB).
    const std::string query = R"(vector(1) or up{job=")" + std::string(1'500'000, 'x') + R"("})";
    const auto result = await<QueryResult>([&](auto done) {
        m_client->query({query, {}, 30s}, done);
    });
    QVERIFY2(result, result.status().toString().c_str());
    QCOMPARE(result->series.at(0).values.at(0), 1.0);
}

void PrometheusClientTest::refusedConnectionIsUnavailableNamingTheUrl() {
    testing::RefusingLoopbackAddress refusing;
    const std::string url = "http://" + refusing.address();
    PrometheusClientOptions options;
    options.probeInterval = 0ms;
    auto refused = client(url, options);
    QVERIFY(refused);
    const auto result = await<QueryResult>([&](auto done) {
        refused->query({"up", {}, 5s}, done);
    });
    QCOMPARE(result.status().code(), StatusCode::Unavailable);
    QVERIFY2(result.status().message().find(url) != std::string::npos,
             result.status().message().c_str());
    QVERIFY2(result.status().message().find("refused") != std::string::npos,
             result.status().message().c_str());
    QCOMPARE(refused->status().state, BackendState::Down);
    QCOMPARE(refused->status().detail, result.status().message());
}

void PrometheusClientTest::silentBackendHitsTheDeadline() {
    SilentServer silent;
    PrometheusClientOptions options;
    options.probeInterval = 0ms;
    options.deadlineMargin = 300ms;
    options.requestTimeout = 500ms;
    auto stuck = client(silent.url(), options);
    QVERIFY(stuck);
    const auto started = std::chrono::steady_clock::now();
    const auto result = await<QueryResult>([&](auto done) {
        stuck->query({"up", {}, 700ms}, done);
    });
    const auto took = std::chrono::steady_clock::now() - started;
    QCOMPARE(result.status().code(), StatusCode::DeadlineExceeded);
    QVERIFY2(result.status().message().find(silent.url()) != std::string::npos,
             result.status().message().c_str());
    QVERIFY(took >= 1000ms && took < 5s);

    const auto targets = await<std::vector<Target>>([&](auto done) { stuck->targets(done); });
    QCOMPARE(targets.status().code(), StatusCode::DeadlineExceeded);
}

void PrometheusClientTest::sendsCredentialsAndKeepsThePathPrefix() {
    FakeBackend fake;
    fake.answer(200, kScalarOne);
    PrometheusClientOptions bearer;
    bearer.probeInterval = 0ms;
    bearer.bearerToken = "s3cret";
    auto withToken = client(fake.url() + "/prometheus/", bearer);
    QVERIFY(withToken);
    QCOMPARE(withToken->url(), fake.url() + "/prometheus");
    const auto result = await<QueryResult>([&](auto done) {
        withToken->query(
            {"rate(x[5m]) > 0", std::chrono::system_clock::time_point(1'700'000'000'250ms), 7s},
            done);
    });
    QVERIFY2(result, result.status().toString().c_str());
    QCOMPARE(result->series.at(0).timestampsMs, std::vector<std::int64_t>{1'700'000'000'500});
    const std::string request = fake.lastRequest();
    QVERIFY2(request.starts_with("POST /prometheus/api/v1/query HTTP/1.1\r\n"), request.c_str());
    QVERIFY2(request.find("\r\nAuthorization: Bearer s3cret\r\n") != std::string::npos,
             request.c_str());
    QVERIFY2(request.find("\r\nContent-Type: application/x-www-form-urlencoded\r\n") !=
                 std::string::npos,
             request.c_str());
    QVERIFY2(request.ends_with("\r\n\r\nquery=rate%28x%5B5m%5D%29%20%3E%200&time=1700000000.250"
                               "&timeout=7000ms"),
             request.c_str());

    PrometheusClientOptions basic;
    basic.probeInterval = 0ms;
    basic.basicAuthUser = "aegis";
    basic.basicAuthPassword = "pa:ss";
    auto withPassword = client(fake.url(), basic);
    QVERIFY(await<QueryResult>([&](auto done) { withPassword->query({"1", {}, 5s}, done); }));
    // base64("aegis:pa:ss")
    QVERIFY2(fake.lastRequest().find("\r\nAuthorization: Basic YWVnaXM6cGE6c3M=\r\n") !=
                 std::string::npos,
             fake.lastRequest().c_str());

    fake.answer(200, R"({"status":"success","data":["a","b"]})");
    QVERIFY(await<std::vector<std::string>>([&](auto done) {
        withPassword->labelValues("__name__", {{"up"}, {}, {}}, done);
    }));
    QVERIFY2(fake.lastRequest().starts_with("GET /api/v1/label/__name__/values?match%5B%5D=up "),
             fake.lastRequest().c_str());
}

void PrometheusClientTest::mapsHttpFailures() {
    FakeBackend fake;
    PrometheusClientOptions options;
    options.probeInterval = 0ms;
    auto failing = client(fake.url(), options);
    QVERIFY(failing);
    const auto queryOnce = [&] {
        return await<QueryResult>([&](auto done) {
                   failing->query({"up", {}, 5s}, done);
               })
            .status();
    };

    fake.answer(503, "overloaded");
    Status status = queryOnce();
    QCOMPARE(status.code(), StatusCode::Unavailable);
    QVERIFY2(status.message().find(fake.url()) != std::string::npos, status.message().c_str());
    QVERIFY2(status.message().find("HTTP 503") != std::string::npos, status.message().c_str());
    QVERIFY2(status.message().find("overloaded") != std::string::npos, status.message().c_str());

    fake.answer(401, "no");
    status = queryOnce();
    QCOMPARE(status.code(), StatusCode::Unavailable);
    QVERIFY2(status.message().find("credentials") != std::string::npos, status.message().c_str());

    fake.answer(503, R"({"status":"error","errorType":"timeout","error":"query timed out in )"
                     R"(expression evaluation"})");
    QCOMPARE(queryOnce().code(), StatusCode::DeadlineExceeded);

    fake.answer(200, "<html>a login page</html>");
    status = queryOnce();
    QCOMPARE(status.code(), StatusCode::Unavailable);
    QVERIFY2(status.message().find("a login page") != std::string::npos, status.message().c_str());

    fake.answer(200, R"({"status":"success","data":{"resultType":"vector","result":[{"metric":{},)"
                     R"("value":"oops"}]}})");
    status = queryOnce();
    QCOMPARE(status.code(), StatusCode::Unavailable);
    QVERIFY2(status.message().find("cannot read") != std::string::npos, status.message().c_str());

    fake.answer(404, "404 page not found");
    QCOMPARE(queryOnce().code(), StatusCode::Unimplemented);
}

void PrometheusClientTest::httpsVerifiesTheServerAgainstTheCaFile() {
    AEGIS_REQUIRE_TOOL("openssl", "openssl");
    const auto dir = m_dir.path() / "tls";
    std::filesystem::create_directories(dir);
    const auto cert = dir / "cert.pem";
    const auto key = dir / "key.pem";
    const auto made = testing::runCommand(
        {testing::toolPath("openssl"), "req", "-x509", "-newkey", "ec", "-pkeyopt",
         "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", key.string(), "-out", cert.string(),
         "-days", "1", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"});
    QVERIFY2(made.exitCode == 0, made.err.c_str());
    testing::PrometheusProcess::Options options;
    options.webConfig = "tls_server_config:\n  cert_file: " + cert.string() +
                        "\n  key_file: " + key.string() + "\n";
    auto tls = testing::PrometheusProcess::start(dir / "prometheus", options);
    QVERIFY2(tls, tls.status().toString().c_str());
    const std::string url = "https://127.0.0.1:" + std::to_string((*tls)->port());

    PrometheusClientOptions trusted;
    trusted.probeInterval = 0ms;
    trusted.caFile = cert;
    auto secure = client(url, trusted);
    QVERIFY(secure);
    QVERIFY(testing::pollUntil([&] {
        return await<QueryResult>([&](auto done) {
                   secure->query({"1 + 2", {}, 5s}, done);
               })
            .isOk();
    }));
    const auto answer = await<QueryResult>([&](auto done) {
        secure->query({"1 + 2", {}, 5s}, done);
    });
    QVERIFY2(answer, answer.status().toString().c_str());
    QCOMPARE(answer->series.at(0).values.at(0), 3.0);

    // The system's CAs do not know this certificate.
    PrometheusClientOptions system;
    system.probeInterval = 0ms;
    auto untrusted = client(url, system);
    const auto refused = await<QueryResult>([&](auto done) {
        untrusted->query({"1", {}, 5s}, done);
    });
    QCOMPARE(refused.status().code(), StatusCode::Unavailable);
    QVERIFY2(refused.status().message().find("TLS handshake failed") != std::string::npos,
             refused.status().message().c_str());

    // Trusted, but issued for another name.
    auto otherName = client("https://localhost:" + std::to_string((*tls)->port()), trusted);
    const auto mismatch = await<QueryResult>([&](auto done) {
        otherName->query({"1", {}, 5s}, done);
    });
    QCOMPARE(mismatch.status().code(), StatusCode::Unavailable);
    QVERIFY2(mismatch.status().message().find("TLS handshake failed") != std::string::npos,
             mismatch.status().message().c_str());
}

void PrometheusClientTest::badUrlIsRejected() {
    for (const char *url :
         {"127.0.0.1:9090", "ftp://host", "http://", "http://user:pw@host:1", "http://host:port"}) {
        const auto created = PrometheusClient::create(m_io.get_executor(), url);
        QVERIFY2(!created, url);
        QCOMPARE(created.status().code(), StatusCode::InvalidArgument);
    }
    PrometheusClientOptions options;
    options.caFile = m_dir.path() / "no-such-ca.pem";
    const auto missingCa = PrometheusClient::create(m_io.get_executor(), "https://host", options);
    QCOMPARE(missingCa.status().code(), StatusCode::InvalidArgument);
    QVERIFY(missingCa.status().message().find("ca_file") != std::string::npos);
}

void PrometheusClientTest::noMetricsBackendRefuses() {
    NoMetricsBackend none(m_io.get_executor());
    const auto result = await<QueryResult>([&](auto done) { none.query({"up", {}, 5s}, done); });
    QCOMPARE(result.status().code(), StatusCode::FailedPrecondition);
    QCOMPARE(result.status().message(),
             std::string("metrics are turned off (metrics.backend: none)"));
    const auto targets = await<std::vector<Target>>([&](auto done) { none.targets(done); });
    QCOMPARE(targets.status().code(), StatusCode::FailedPrecondition);
}

void PrometheusClientTest::killedBackendIsUnavailableAndStatusDown() {
    // A kept-alive connection first, so the kill also cuts one the client reuses.
    QVERIFY(await<QueryResult>([&](auto done) { m_client->query({"1", {}, 5s}, done); }));
    const auto readySince = m_client->status().since;
    m_prometheus->kill();
    const auto started = std::chrono::steady_clock::now();
    const auto result = await<QueryResult>([&](auto done) {
        m_client->query({"up", {}, 5s}, done);
    });
    QCOMPARE(result.status().code(), StatusCode::Unavailable);
    QVERIFY2(result.status().message().find(m_prometheus->url()) != std::string::npos,
             result.status().message().c_str());
    QVERIFY(std::chrono::steady_clock::now() - started < 5s);
    QVERIFY(testing::pollUntil([&] { return m_client->status().state == BackendState::Down; }));
    const BackendStatus down = m_client->status();
    QCOMPARE(down.mode, BackendMode::External);
    QCOMPARE(down.url, m_prometheus->url());
    QVERIFY2(down.detail.find("refused") != std::string::npos, down.detail.c_str());
    QVERIFY(down.since >= readySince);
}

QTEST_GUILESS_MAIN(PrometheusClientTest)
#include "tst_prometheus_client.moc"
