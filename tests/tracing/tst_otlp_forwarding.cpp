// Forwarding to an external OTLP/gRPC collector, with a second real aegisd as the collector:
// spans reach it; while it is down they wait in the bounded queue and arrive once it is back;
// beyond the queue the oldest are dropped and counted.

#include "aegis/v1/tracing.grpc.pb.h"
#include "api_test_helpers.h"
#include "daemon_process.h"
#include "http_get.h"
#include "loopback_ports.h"
#include "otlp_test_client.h"
#include "otlp_test_spans.h"
#include "poll_until.h"
#include "required_tool.h"

#include <QtTest>

#include <fstream>

using namespace aegis;
using namespace aegis::testing;
namespace v1 = aegis::v1;

namespace {

double metric(const DaemonProcess &daemon, const std::string &series) {
    return metricValue(httpGet(daemon.httpAddress(), "/metrics").body, series);
}

std::string received() {
    return "aegis_tracing_spans_received_total{protocol=\"grpc\"}";
}

constexpr const char *kCollectorToken = "collector-s3cret";

// A forwarding aegisd: tracing.store false, so the collector is the only destination; it sends
// kCollectorToken.
StatusOr<std::unique_ptr<DaemonProcess>>
startForwarder(const TempDir &dir, const std::string &collector, int queueSpans,
               const std::string &caFile = {}, std::int64_t queueBytes = 0) {
    std::ofstream(dir.path() / "forward.token") << kCollectorToken << "\n";
    std::ofstream(dir.path() / "aegisd.yaml")
        << "tracing:\n"
        << "  store: false\n"
        << "  forward:\n"
        << "    endpoints: [" << collector << "]\n"
        << "    bearer_token_file: " << (dir.path() / "forward.token").string() << "\n"
        << "    queue_spans: " << queueSpans << "\n"
        << (caFile.empty() ? std::string() : "    ca_file: " + caFile + "\n")
        << (queueBytes == 0 ? std::string()
                            : "    queue_bytes: " + std::to_string(queueBytes) + "\n");
    DaemonOptions options;
    options.extraArgs = {"--config", (dir.path() / "aegisd.yaml").string()};
    return DaemonProcess::start(options);
}

} // namespace

class TestOtlpForwarding : public QObject {
    Q_OBJECT

private slots:
    void forwardsAndSurvivesTheCollectorGoingAway() {
        // The collector requires a bearer token, which the forwarder sends.
        TempDir collectorDir;
        std::ofstream(collectorDir.path() / "otlp.token") << kCollectorToken;
        std::ofstream(collectorDir.path() / "aegisd.yaml")
            << "tracing:\n  bearer_token_file: " << (collectorDir.path() / "otlp.token").string()
            << "\n";
        DaemonOptions collectorOptions;
        collectorOptions.dataDir = collectorDir.path() / "collector";
        collectorOptions.extraArgs = {"--config", (collectorDir.path() / "aegisd.yaml").string()};
        auto collector = DaemonProcess::start(collectorOptions);
        QVERIFY2(collector, collector.status().toString().c_str());
        const std::string collectorOtlp = (*collector)->otlpAddress();

        TempDir forwarderDir;
        auto forwarder = startForwarder(forwarderDir, collectorOtlp, 1000);
        QVERIFY2(forwarder, forwarder.status().toString().c_str());
        const std::string sent =
            "aegis_tracing_forward_spans_sent_total{endpoint=\"" + collectorOtlp + "\"}";

        auto call =
            otlpExport((*forwarder)->otlpAddress(),
                       makeExport("checkout", {makeSpan(1, 1), makeSpan(1, 2), makeSpan(1, 3)}));
        QVERIFY2(call.status.ok(), call.status.error_message().c_str());
        QVERIFY(pollUntil([&] { return metric(**collector, received()) == 3; }));
        QVERIFY(pollUntil([&] { return metric(**forwarder, sent) == 3; }));

        // The collector goes away: exports are still answered at once, and queued.
        QCOMPARE((*collector)->terminate(), 0);
        for (std::uint64_t i = 0; i < 5; ++i) {
            call = otlpExport((*forwarder)->otlpAddress(),
                              makeExport("checkout", {makeSpan(2, 10 + i)}));
            QVERIFY(call.status.ok());
        }
        const std::string queued =
            "aegis_tracing_forward_queue_spans{endpoint=\"" + collectorOtlp + "\"}";
        QVERIFY(pollUntil([&] { return metric(**forwarder, queued) == 5; }));
        QCOMPARE(metric(**forwarder, sent), 3.0);

        // Back at the same address: the queue drains in order, nothing is dropped.
        collectorOptions.extraArgs.insert(collectorOptions.extraArgs.end(),
                                          {"--otlp-listen", collectorOtlp});
        collector = DaemonProcess::start(collectorOptions);
        QVERIFY2(collector, collector.status().toString().c_str());
        QVERIFY(pollUntil([&] { return metric(**collector, received()) == 5; },
                          std::chrono::seconds(30)));
        QVERIFY(pollUntil([&] { return metric(**forwarder, sent) == 8; }));
        QCOMPARE(metric(**forwarder, "aegis_tracing_forward_spans_dropped_total{endpoint=\"" +
                                         collectorOtlp + "\"}"),
                 0.0);

        // GetTracingStatus reports the destination.
        auto traces = v1::TraceService::NewStub(
            channelFor((*forwarder)->grpcAddress(), (*forwarder)->adminToken()));
        grpc::ClientContext context;
        v1::GetTracingStatusResponse status;
        QVERIFY(traces->GetTracingStatus(&context, {}, &status).ok());
        QCOMPARE(status.forwarding_size(), 1);
        QCOMPARE(status.forwarding(0).endpoint(), collectorOtlp);
        QVERIFY(status.forwarding(0).connected());
        QCOMPARE(status.forwarding(0).spans_sent(), std::uint64_t{8});
        QCOMPARE(status.forwarding(0).last_error(), std::string());
        QVERIFY(!status.store_enabled());
        QCOMPARE(status.spans_received(), std::uint64_t{8});
    }

    // A collector serving TLS (aegisd with tls.cert_file serves OTLP with it too), trusted
    // through tracing.forward.ca_file.
    void forwardsOverTls() {
        AEGIS_REQUIRE_TOOL("openssl", "openssl");
        TempDir certs;
        const auto path = [&](const std::string &name) { return (certs.path() / name).string(); };
        std::ofstream(path("openssl.cnf")) << "[req]\ndistinguished_name = dn\n[dn]\n"
                                           << "[ca]\nbasicConstraints = critical, CA:TRUE\n"
                                           << "keyUsage = critical, keyCertSign, cRLSign\n"
                                           << "[server]\nbasicConstraints = CA:FALSE\n"
                                           << "extendedKeyUsage = serverAuth\n"
                                           << "subjectAltName = IP:127.0.0.1, DNS:localhost\n";
        const std::string openssl = toolPath("openssl");
        for (const std::vector<std::string> &args :
             {std::vector<std::string>{openssl,
                                       "req",
                                       "-x509",
                                       "-config",
                                       path("openssl.cnf"),
                                       "-extensions",
                                       "ca",
                                       "-newkey",
                                       "ec",
                                       "-pkeyopt",
                                       "ec_paramgen_curve:prime256v1",
                                       "-nodes",
                                       "-keyout",
                                       path("ca.key"),
                                       "-out",
                                       path("ca.crt"),
                                       "-days",
                                       "2",
                                       "-subj",
                                       "/CN=Aegis test CA"},
              {openssl, "req", "-new", "-config", path("openssl.cnf"), "-newkey", "ec", "-pkeyopt",
               "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", path("server.key"), "-out",
               path("server.csr"), "-subj", "/CN=localhost"},
              {openssl, "x509", "-req", "-in", path("server.csr"), "-CA", path("ca.crt"), "-CAkey",
               path("ca.key"), "-CAcreateserial", "-days", "2", "-extfile", path("openssl.cnf"),
               "-extensions", "server", "-out", path("server.crt")}}) {
            const auto result = runCommand(args);
            QVERIFY2(result.exitCode == 0, result.err.c_str());
        }
        DaemonOptions collectorOptions;
        collectorOptions.extraArgs = {"--tls-cert", path("server.crt"), "--tls-key",
                                      path("server.key")};
        auto collector = DaemonProcess::start(collectorOptions);
        QVERIFY2(collector, collector.status().toString().c_str());
        // Plaintext is refused by the TLS listener.
        QVERIFY(!otlpExport((*collector)->otlpAddress(), makeExport("checkout", {makeSpan(9, 1)}))
                     .status.ok());

        TempDir dir;
        auto forwarder = startForwarder(dir, (*collector)->otlpAddress(), 1000, path("ca.crt"));
        QVERIFY2(forwarder, forwarder.status().toString().c_str());
        QVERIFY(otlpExport((*forwarder)->otlpAddress(),
                           makeExport("checkout", {makeSpan(8, 1), makeSpan(8, 2)}))
                    .status.ok());
        QVERIFY(pollUntil([&] { return metric(**collector, received()) == 2; }));
    }

    void dropsTheOldestBeyondTheQueue() {
        RefusingLoopbackAddress nowhere;
        QVERIFY(nowhere.port() != 0);
        TempDir dir;
        auto forwarder = startForwarder(dir, nowhere.address(), 10);
        QVERIFY2(forwarder, forwarder.status().toString().c_str());
        for (std::uint64_t batch = 0; batch < 4; ++batch) {
            auto call =
                otlpExport((*forwarder)->otlpAddress(),
                           makeExport("checkout", {makeSpan(3 + batch, 1), makeSpan(3 + batch, 2),
                                                   makeSpan(3 + batch, 3), makeSpan(3 + batch, 4),
                                                   makeSpan(3 + batch, 5)}));
            QVERIFY(call.status.ok());
        }
        const std::string label = "{endpoint=\"" + nowhere.address() + "\"}";
        QCOMPARE(metric(**forwarder, "aegis_tracing_forward_spans_dropped_total" + label), 10.0);
        QCOMPARE(metric(**forwarder, "aegis_tracing_forward_queue_spans" + label), 10.0);
        QCOMPARE(metric(**forwarder, "aegis_tracing_forward_spans_sent_total" + label), 0.0);
    }

    void dropsTheOldestBeyondTheQueueBytes() {
        // Room for two of the four batches by bytes, for all of them by spans: large spans
        // cannot pin unbounded memory while a collector is down.
        RefusingLoopbackAddress nowhere;
        QVERIFY(nowhere.port() != 0);
        const auto exportOf = [](std::uint64_t batch) {
            return makeExport("checkout", {makeSpan(3 + batch, 1), makeSpan(3 + batch, 2),
                                           makeSpan(3 + batch, 3), makeSpan(3 + batch, 4),
                                           makeSpan(3 + batch, 5)});
        };
        const auto batchBytes = static_cast<std::int64_t>(exportOf(0).ByteSizeLong());
        TempDir dir;
        auto forwarder = startForwarder(dir, nowhere.address(), 1000, {}, batchBytes * 5 / 2);
        QVERIFY2(forwarder, forwarder.status().toString().c_str());
        for (std::uint64_t batch = 0; batch < 4; ++batch) {
            auto call = otlpExport((*forwarder)->otlpAddress(), exportOf(batch));
            QVERIFY(call.status.ok());
        }
        const std::string label = "{endpoint=\"" + nowhere.address() + "\"}";
        QCOMPARE(metric(**forwarder, "aegis_tracing_forward_spans_dropped_total" + label), 10.0);
        QCOMPARE(metric(**forwarder, "aegis_tracing_forward_queue_spans" + label), 10.0);
    }
};

QTEST_GUILESS_MAIN(TestOtlpForwarding)
#include "tst_otlp_forwarding.moc"
