// aegisd traces its own RPCs when tracing.self.sample_ratio > 0: a server span per call, child of
// the caller's traceparent, exported to its own OTLP receiver and read back with GetTrace; with
// the default ratio 0 nothing is traced.

#include "aegis/v1/system.grpc.pb.h"
#include "aegis/v1/tracing.grpc.pb.h"
#include "client/connection.h"
#include "client/grpc_tracing.h"
#include "client/tracer.h"
#include "client/tracing_setup.h"
#include "daemon_process.h"
#include "poll_until.h"
#include "required_tool.h"
#include "tracing/trace_ids.h"

#include <grpcpp/grpcpp.h>

#include <QtTest>

#include <fstream>

using namespace aegis;
using namespace std::chrono_literals;
namespace otlp = opentelemetry::proto;

namespace {

client::SpanContext newCaller() {
    client::SpanContext caller;
    caller.traceId = client::newTraceId();
    caller.spanId = client::newSpanId();
    caller.traceFlags = client::kTraceFlagSampled | client::kTraceFlagRandom;
    return caller;
}

// The admin connection, over TLS trusting `caFile` when given.
client::ConnectionOptions connection(testing::DaemonProcess &daemon,
                                     const std::filesystem::path &caFile = {}) {
    auto options = daemon.adminConnection();
    options.caFile = caFile;
    return options;
}

// Calls GetStatus as a child of `caller`.
void getStatus(testing::DaemonProcess &daemon, const client::SpanContext &caller,
               const std::filesystem::path &caFile = {}) {
    auto stub = aegis::v1::SystemService::NewStub(*client::makeChannel(connection(daemon, caFile)));
    grpc::ClientContext context;
    client::setTimeout(context, 5s);
    client::injectContext(context, caller);
    aegis::v1::GetStatusRequest request;
    aegis::v1::GetStatusResponse response;
    const grpc::Status status = stub->GetStatus(&context, request, &response);
    QVERIFY2(status.ok(), status.error_message().c_str());
}

// The trace's spans with view FULL; an empty response while it is not stored.
aegis::v1::GetTraceResponse getTrace(testing::DaemonProcess &daemon, const tracing::TraceId &id,
                                     const std::filesystem::path &caFile = {}) {
    auto stub = aegis::v1::TraceService::NewStub(*client::makeChannel(connection(daemon, caFile)));
    grpc::ClientContext context;
    client::setTimeout(context, 5s);
    aegis::v1::GetTraceRequest request;
    request.set_trace_id(tracing::toHex(id));
    request.set_view(aegis::v1::TRACE_VIEW_FULL);
    aegis::v1::GetTraceResponse response;
    if (!stub->GetTrace(&context, request, &response).ok()) {
        return {};
    }
    return response;
}

std::string serviceOf(const otlp::trace::v1::ResourceSpans &resource) {
    for (const auto &kv : resource.resource().attributes()) {
        if (kv.key() == "service.name") {
            return kv.value().string_value();
        }
    }
    return {};
}

} // namespace

class SelfTracingTest : public QObject {
    Q_OBJECT

private slots:
    void rpcsAreTracedWhenARatioIsSet() {
        testing::TempDir dir;
        const auto config = dir.path() / "aegisd.yaml";
        std::ofstream(config) << "tracing:\n  self:\n    sample_ratio: 1\n";
        testing::DaemonOptions options;
        options.extraArgs = {"--config", config.string()};
        auto daemon = testing::DaemonProcess::start(options);
        QVERIFY2(daemon, daemon.status().toString().c_str());

        const auto caller = newCaller();
        getStatus(**daemon, caller);
        aegis::v1::GetTraceResponse trace;
        QVERIFY(testing::pollUntil(
            [&] {
                trace = getTrace(**daemon, caller.traceId);
                return trace.spans().resource_spans_size() > 0;
            },
            15s));
        const auto &resource = trace.spans().resource_spans(0);
        QCOMPARE(serviceOf(resource), std::string("aegisd"));
        const auto &span = resource.scope_spans(0).spans(0);
        QCOMPARE(span.name(), std::string("aegis.v1.SystemService/GetStatus"));
        QCOMPARE(span.kind(), otlp::trace::v1::Span::SPAN_KIND_SERVER);
        QCOMPARE(span.parent_span_id(), std::string(caller.spanId.begin(), caller.spanId.end()));
        QCOMPARE((*daemon)->terminate(), 0);
    }

    // With tls.cert_file aegisd serves OTLP over TLS too; its own spans still reach it.
    void rpcsAreTracedOverTls() {
        AEGIS_REQUIRE_TOOL("openssl", "openssl");
        testing::TempDir dir;
        const auto cert = dir.path() / "server.crt";
        const auto key = dir.path() / "server.key";
        const auto made = testing::runCommand(
            {testing::toolPath("openssl"), "req", "-x509", "-newkey", "ec", "-pkeyopt",
             "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", key.string(), "-out",
             cert.string(), "-days", "2", "-subj", "/CN=localhost", "-addext",
             "subjectAltName=IP:127.0.0.1,DNS:localhost"});
        QVERIFY2(made.exitCode == 0, made.err.c_str());
        const auto config = dir.path() / "aegisd.yaml";
        std::ofstream(config) << "tracing:\n  self:\n    sample_ratio: 1\n";
        testing::DaemonOptions options;
        options.extraArgs = {"--config",    config.string(), "--tls-cert",
                             cert.string(), "--tls-key",     key.string()};
        auto daemon = testing::DaemonProcess::start(options);
        QVERIFY2(daemon, daemon.status().toString().c_str());
        const auto caller = newCaller();
        getStatus(**daemon, caller, cert);
        QVERIFY(testing::pollUntil(
            [&] {
                return getTrace(**daemon, caller.traceId, cert).spans().resource_spans_size() > 0;
            },
            15s));
        QCOMPARE((*daemon)->terminate(), 0);
    }

    // Served on a name rather than a loopback address, aegisd's certificate is checked like any
    // server's, with itself as the trusted root: one that does not name the host is refused, so
    // no span of aegisd's own arrives.
    void certificateCheckedBeyondLiteralLoopback_data() {
        QTest::addColumn<QString>("names");
        QTest::addColumn<bool>("traced");
        QTest::newRow("names the host") << "localhost" << true;
        QTest::newRow("names another host") << "elsewhere.example" << false;
    }
    void certificateCheckedBeyondLiteralLoopback() {
        QFETCH(QString, names);
        QFETCH(bool, traced);
        AEGIS_REQUIRE_TOOL("openssl", "openssl");
        testing::TempDir dir;
        const auto cert = dir.path() / "server.crt";
        const auto key = dir.path() / "server.key";
        const auto made = testing::runCommand(
            {testing::toolPath("openssl"), "req", "-x509", "-newkey", "ec", "-pkeyopt",
             "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", key.string(), "-out",
             cert.string(), "-days", "2", "-subj", "/CN=" + names.toStdString(), "-addext",
             "subjectAltName=IP:127.0.0.1,DNS:" + names.toStdString()});
        QVERIFY2(made.exitCode == 0, made.err.c_str());
        const auto config = dir.path() / "aegisd.yaml";
        std::ofstream(config) << "tracing:\n  self:\n    sample_ratio: 1\n";
        testing::DaemonOptions options;
        options.dataDir = dir.path() / "data";
        options.extraArgs = {"--config",  config.string(), "--tls-cert",    cert.string(),
                             "--tls-key", key.string(),    "--otlp-listen", "localhost:0"};
        auto daemon = testing::DaemonProcess::start(options);
        QVERIFY2(daemon, daemon.status().toString().c_str());
        const auto caller = newCaller();
        getStatus(**daemon, caller, cert);
        // Its shutdown exports what it holds at the latest.
        QCOMPARE((*daemon)->terminate(), 0);
        daemon = testing::DaemonProcess::start(options);
        QVERIFY2(daemon, daemon.status().toString().c_str());
        QCOMPARE(getTrace(**daemon, caller.traceId, cert).spans().resource_spans_size() > 0,
                 traced);
        QCOMPARE((*daemon)->terminate(), 0);
    }

    void nothingIsTracedByDefault() {
        testing::TempDir dir;
        testing::DaemonOptions options;
        options.dataDir = dir.path();
        auto daemon = testing::DaemonProcess::start(options);
        QVERIFY2(daemon, daemon.status().toString().c_str());
        const auto caller = newCaller();
        getStatus(**daemon, caller);
        // A client's span in the same trace, stored once the export is answered...
        auto tracer = client::makeTracer([&] {
            client::TracingSetup setup;
            setup.serviceName = "probe";
            setup.exporter.endpoint = "http://" + (*daemon)->otlpAddress();
            return setup;
        }());
        QVERIFY(tracer);
        (*tracer)->startSpan("after", {.parent = caller}).end();
        QVERIFY((*tracer)->forceFlush(10s));
        (*tracer)->shutdown(5s);
        // ...and a span of aegisd's own would be exported by its shutdown at the latest.
        QCOMPARE((*daemon)->terminate(), 0);
        daemon = testing::DaemonProcess::start(options);
        QVERIFY2(daemon, daemon.status().toString().c_str());
        const auto trace = getTrace(**daemon, caller.traceId);
        QCOMPARE(trace.spans().resource_spans_size(), 1);
        QCOMPARE(serviceOf(trace.spans().resource_spans(0)), std::string("probe"));
        QCOMPARE(trace.spans().resource_spans(0).scope_spans(0).spans_size(), 1);
        QCOMPARE((*daemon)->terminate(), 0);
    }
};

QTEST_MAIN(SelfTracingTest)
#include "tst_self_tracing.moc"
