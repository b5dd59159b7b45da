// Forwarding to an external OTLP/gRPC collector, with a second real aegisd as the collector:
// spans reach it; while it is down they wait in the bounded queue and arrive once it is back;
// beyond the queue the oldest are dropped and counted.

#include "daemon_process.h"
#include "http_get.h"
#include "loopback_ports.h"
#include "otlp_test_client.h"
#include "otlp_test_spans.h"
#include "poll_until.h"

#include <QtTest>

#include <fstream>

using namespace aegis;
using namespace aegis::testing;

namespace {

double metric(const DaemonProcess &daemon, const std::string &series) {
    return metricValue(httpGet(daemon.httpAddress(), "/metrics").body, series);
}

std::string received() {
    return "aegis_tracing_spans_received_total{protocol=\"grpc\"}";
}

// A forwarding aegisd: tracing.store false, so the collector is the only destination.
StatusOr<std::unique_ptr<DaemonProcess>>
startForwarder(const TempDir &dir, const std::string &collector, int queueSpans) {
    std::ofstream(dir.path() / "aegisd.yaml") << "tracing:\n"
                                              << "  store: false\n"
                                              << "  forward:\n"
                                              << "    endpoints: [" << collector << "]\n"
                                              << "    queue_spans: " << queueSpans << "\n";
    DaemonOptions options;
    options.extraArgs = {"--config", (dir.path() / "aegisd.yaml").string()};
    return DaemonProcess::start(options);
}

} // namespace

class TestOtlpForwarding : public QObject {
    Q_OBJECT

private slots:
    void forwardsAndSurvivesTheCollectorGoingAway() {
        TempDir collectorDir;
        DaemonOptions collectorOptions;
        collectorOptions.dataDir = collectorDir.path() / "collector";
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
        collectorOptions.extraArgs = {"--otlp-listen", collectorOtlp};
        collector = DaemonProcess::start(collectorOptions);
        QVERIFY2(collector, collector.status().toString().c_str());
        QVERIFY(pollUntil([&] { return metric(**collector, received()) == 5; },
                          std::chrono::seconds(30)));
        QVERIFY(pollUntil([&] { return metric(**forwarder, sent) == 8; }));
        QCOMPARE(metric(**forwarder, "aegis_tracing_forward_spans_dropped_total{endpoint=\"" +
                                         collectorOtlp + "\"}"),
                 0.0);
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
};

QTEST_GUILESS_MAIN(TestOtlpForwarding)
#include "tst_otlp_forwarding.moc"
