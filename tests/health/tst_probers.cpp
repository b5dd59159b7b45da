// Each prober against real local servers: an HTTP server (Boost.Beast), a TCP listener, a gRPC
// server with the standard health service, and a black hole that accepts and never answers.

#include "health/grpc_prober.h"
#include "health/http_prober.h"
#include "health/prober.h"
#include "loopback_ports.h"
#include "test_servers.h"

#include <QtTest>

#include <boost/asio/strand.hpp>
#include <grpcpp/generic/async_generic_service.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/health_check_service_interface.h>

using namespace aegis;
using namespace aegis::health;
using namespace aegis::health::testing;
using namespace std::chrono_literals;

namespace {

struct Target {
    ProberPtr prober;
    asio::any_io_executor strand;
};

class GrpcHealthServer {
public:
    GrpcHealthServer() {
        grpc::EnableDefaultHealthCheckService(true);
        grpc::ServerBuilder builder;
        builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &m_port);
        // A server needs at least one service of its own besides the health service.
        builder.RegisterCallbackGenericService(&m_generic);
        m_server = builder.BuildAndStart();
    }
    ~GrpcHealthServer() { m_server->Shutdown(std::chrono::system_clock::now() + 1s); }
    std::uint16_t port() const { return static_cast<std::uint16_t>(m_port); }
    void setServing(const std::string &service, bool serving) {
        m_server->GetHealthCheckService()->SetServingStatus(service, serving);
    }

private:
    int m_port = 0;
    grpc::CallbackGenericService m_generic;
    std::unique_ptr<grpc::Server> m_server;
};

} // namespace

class TestProbers : public QObject {
    Q_OBJECT

private:
    StatusOr<Target> make(const std::string &kind, std::uint16_t port,
                          std::map<std::string, std::string> options = {}) {
        auto strand = asio::make_strand(m_io->io());
        auto prober = m_registry.create({kind, "127.0.0.1", port, std::move(options)},
                                        ProberContext{strand, m_clock});
        if (!prober) {
            return prober.status();
        }
        return Target{*prober, strand};
    }

    Target mustMake(const std::string &kind, std::uint16_t port,
                    std::map<std::string, std::string> options = {}) {
        auto target = make(kind, port, std::move(options));
        if (!target) {
            qFatal("cannot build prober: %s", target.status().toString().c_str());
        }
        return *target;
    }

    // Runs one probe on the target's strand and waits (bounded) for its result.
    ProbeResult run(const Target &target, std::chrono::milliseconds timeout = 2s) {
        auto promise = std::make_shared<std::promise<ProbeResult>>();
        auto future = promise->get_future();
        asio::post(target.strand, [target, timeout, promise] {
            target.prober->probe(timeout, [promise](ProbeResult r) { promise->set_value(r); });
        });
        if (future.wait_for(timeout + 5s) != std::future_status::ready) {
            return {HealthState::Unknown, "probe did not complete"};
        }
        return future.get();
    }

    std::unique_ptr<IoThread> m_io;
    ProberRegistry m_registry;
    std::shared_ptr<ManualClock> m_clock = std::make_shared<ManualClock>();

private slots:
    void initTestCase() { registerBuiltinProbers(m_registry); }
    void init() { m_io = std::make_unique<IoThread>(); }
    void cleanup() { m_io.reset(); }

    void registryRejectsUnknownKindsAndBadOptions() {
        QCOMPARE(make("smtp", 25).status().code(), StatusCode::InvalidArgument);
        QCOMPARE(make("http", 80, {{"status", "200-100"}}).status().code(),
                 StatusCode::InvalidArgument);
        QCOMPARE(make("http", 80, {{"path", "health"}}).status().code(),
                 StatusCode::InvalidArgument);
        QCOMPARE(make("http", 0).status().code(), StatusCode::InvalidArgument);
        QCOMPARE(make("tcp", 80, {{"path", "/"}}).status().code(), StatusCode::InvalidArgument);
        QCOMPARE(make("ttl", 0, {{"ttl", "soon"}}).status().code(), StatusCode::InvalidArgument);
        QCOMPARE(m_registry.add(makeHttpProberFactory()).code(), StatusCode::AlreadyExists);
    }

    // Each kind describes itself; its options are refused by that description, naming the known.
    void kindsDescribeTheirOptions() {
        std::vector<std::string> kinds;
        for (const ExtensionDescription *description : m_registry.descriptions()) {
            QCOMPARE(description->kind, ExtensionKind::HealthProber);
            QVERIFY(m_registry.find(description->name) != nullptr);
            QCOMPARE(m_registry.find(description->name)->kind(), description->name);
            kinds.push_back(description->name);
            const auto refused = make(description->name, 80, {{"no_such_option", "1"}});
            QCOMPARE(refused.status().code(), StatusCode::InvalidArgument);
            QVERIFY2(refused.status().message().find("unknown option 'no_such_option'") !=
                         std::string::npos,
                     refused.status().message().c_str());
        }
        QCOMPARE(kinds, (std::vector<std::string>{"grpc", "http", "tcp", "ttl"}));
        const auto missingTtl = make("ttl", 0);
        QVERIFY2(missingTtl.status().message().starts_with("ttl check: ttl: required"),
                 missingTtl.status().message().c_str());
    }

    void httpStatuses_data() {
        QTest::addColumn<unsigned>("serverStatus");
        QTest::addColumn<QString>("expected");
        QTest::addColumn<int>("state");
        QTest::newRow("200") << 200u << "" << int(HealthState::Passing);
        QTest::newRow("204") << 204u << "" << int(HealthState::Passing);
        QTest::newRow("301 outside 2xx") << 301u << "" << int(HealthState::Critical);
        QTest::newRow("301 within 200-399") << 301u << "200-399" << int(HealthState::Passing);
        QTest::newRow("429 is warning") << 429u << "" << int(HealthState::Warning);
        QTest::newRow("500") << 500u << "" << int(HealthState::Critical);
        QTest::newRow("503 with exact 200") << 503u << "200" << int(HealthState::Critical);
    }
    void httpStatuses() {
        QFETCH(unsigned, serverStatus);
        QFETCH(QString, expected);
        QFETCH(int, state);
        TestHttpServer server;
        server.respondWith(serverStatus);
        std::map<std::string, std::string> options{{"path", "/healthz"}};
        if (!expected.isEmpty()) {
            options["status"] = expected.toStdString();
        }
        const auto result = run(mustMake("http", server.port(), options));
        QCOMPARE(int(result.status), state);
        QVERIFY2(result.output.starts_with("HTTP " + std::to_string(serverStatus)),
                 result.output.c_str());
    }

    void httpBodyAndHeaders() {
        TestHttpServer server;
        server.respondWith(200, "{\"status\":\"green\"}");
        auto green = mustMake("http", server.port(),
                              {{"body_contains", "green"}, {"header.X-Probe", "aegis"}});
        QCOMPARE(run(green).status, HealthState::Passing);
        QCOMPARE(server.lastHeader("X-Probe"), std::string("aegis"));
        auto red = mustMake("http", server.port(), {{"body_contains", "red"}});
        const auto result = run(red);
        QCOMPARE(result.status, HealthState::Critical);
        QVERIFY2(result.output.find("body does not contain") != std::string::npos,
                 result.output.c_str());
    }

    void httpReusesItsConnection() {
        TestHttpServer server;
        auto target = mustMake("http", server.port());
        for (int i = 0; i < 5; ++i) {
            QCOMPARE(run(target).status, HealthState::Passing);
        }
        QCOMPARE(server.requests(), 5);
        QCOMPARE(server.connections(), 1);
    }

    void httpReconnectsWhenTheServerClosedTheIdleConnection() {
        TestHttpServer server;
        auto target = mustMake("http", server.port());
        QCOMPARE(run(target).status, HealthState::Passing);
        server.dropConnections();
        const auto result = run(target);
        QVERIFY2(result.status == HealthState::Passing, result.output.c_str());
        QCOMPARE(server.connections(), 2);
    }

    void httpBlackHoleTimesOut() {
        BlackHoleServer blackHole;
        const auto started = std::chrono::steady_clock::now();
        const auto result = run(mustMake("http", blackHole.port()), 300ms);
        const auto elapsed = std::chrono::steady_clock::now() - started;
        QCOMPARE(result.status, HealthState::Critical);
        QVERIFY2(result.output.find("timed out") != std::string::npos, result.output.c_str());
        QVERIFY(elapsed >= 300ms);
        QVERIFY(elapsed < 3s);
    }

    void httpConnectionRefused() {
        const aegis::testing::RefusingLoopbackAddress nowhere;
        const auto result = run(mustMake("http", nowhere.port()));
        QCOMPARE(result.status, HealthState::Critical);
        QVERIFY2(result.output.starts_with("connect:"), result.output.c_str());
    }

    void tcpConnects() {
        TestHttpServer listener;
        const auto result = run(mustMake("tcp", listener.port()));
        QCOMPARE(result.status, HealthState::Passing);
        const aegis::testing::RefusingLoopbackAddress nowhere;
        const auto refused = run(mustMake("tcp", nowhere.port()));
        QCOMPARE(refused.status, HealthState::Critical);
        QVERIFY2(refused.output.starts_with("connect:"), refused.output.c_str());
    }

    void grpcHealthService() {
        GrpcHealthServer server;
        server.setServing("svc", true);
        QCOMPARE(run(mustMake("grpc", server.port())).status, HealthState::Passing);
        auto svc = mustMake("grpc", server.port(), {{"service", "svc"}});
        QCOMPARE(run(svc).status, HealthState::Passing);

        server.setServing("svc", false);
        auto result = run(svc);
        QCOMPARE(result.status, HealthState::Critical);
        QCOMPARE(result.output, std::string("NOT_SERVING"));

        result = run(mustMake("grpc", server.port(), {{"service", "missing"}}));
        QCOMPARE(result.status, HealthState::Critical);
        QVERIFY2(result.output.find("code 5") != std::string::npos, result.output.c_str());
    }

    void grpcBlackHoleTimesOut() {
        BlackHoleServer blackHole;
        const auto started = std::chrono::steady_clock::now();
        const auto result = run(mustMake("grpc", blackHole.port()), 300ms);
        QCOMPARE(result.status, HealthState::Critical);
        QVERIFY2(result.output.find("timed out") != std::string::npos, result.output.c_str());
        QVERIFY(std::chrono::steady_clock::now() - started < 3s);
    }

    void grpcMessageEncoding() {
        QCOMPARE(encodeHealthCheckRequest("svc"), std::string("\x0a\x03svc", 5));
        QCOMPARE(encodeHealthCheckRequest(""), std::string());
        QCOMPARE(decodeHealthCheckStatus(std::string("\x08\x01", 2)), 1);
        QCOMPARE(decodeHealthCheckStatus(std::string()), 0);
        QCOMPARE(decodeHealthCheckStatus(std::string("\x08", 1)), -1);
        QCOMPARE(decodeHealthCheckStatus(std::string("\x12\x01x\x08\x02", 5)), 2);
    }

    void ttlExpires() {
        auto target = mustMake("ttl", 0, {{"ttl", "10s"}});
        auto result = run(target);
        QCOMPARE(result.status, HealthState::Critical);
        QCOMPARE(result.output, std::string("no status reported yet"));

        QVERIFY(target.prober->acceptReport({HealthState::Warning, "disk 91%"}).isOk());
        m_clock->advance(10s);
        result = run(target);
        QCOMPARE(result.status, HealthState::Warning);
        QCOMPARE(result.output, std::string("disk 91%"));

        m_clock->advance(1ms);
        result = run(target);
        QCOMPARE(result.status, HealthState::Critical);
        QVERIFY2(result.output.find("expired") != std::string::npos, result.output.c_str());

        auto http = mustMake("http", 80);
        QCOMPARE(http.prober->acceptReport({HealthState::Passing, ""}).code(),
                 StatusCode::FailedPrecondition);
    }
};

QTEST_GUILESS_MAIN(TestProbers)
#include "tst_probers.moc"
