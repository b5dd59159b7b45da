// The batching OTLP/gRPC exporter against a real gRPC server implementing
// opentelemetry.proto.collector.trace.v1.TraceService: periodic and size-triggered batches, the
// resource and scope, headers, bounded memory with a stalled receiver (drops counted), retries of
// transient failures, partial success, flush on shutdown; and into a real aegisd's span store.

#include "aegis/v1/tracing.grpc.pb.h"
#include "client/connection.h"
#include "client/otlp_exporter.h"
#include "client/tracer.h"
#include "client/tracing_setup.h"
#include "daemon_process.h"
#include "poll_until.h"
#include "tracing/trace_ids.h"

#include <grpcpp/grpcpp.h>

#include <QtTest>

#include <condition_variable>
#include <mutex>

using namespace aegis;
using namespace aegis::client;
using namespace std::chrono_literals;
namespace collector = opentelemetry::proto::collector::trace::v1;

namespace {

// A receiver that records what it is sent and can be told to stall or fail.
class Receiver final : public collector::TraceService::Service {
public:
    grpc::Status Export(grpc::ServerContext *context,
                        const collector::ExportTraceServiceRequest *request,
                        collector::ExportTraceServiceResponse *response) override {
        std::unique_lock lock(m_mutex);
        ++m_calls;
        m_changed.notify_all();
        m_changed.wait(lock, [&] { return !m_stalled || context->IsCancelled(); });
        if (m_failuresLeft > 0) {
            --m_failuresLeft;
            return {grpc::StatusCode::UNAVAILABLE, "try later"};
        }
        for (const auto &[key, value] : context->client_metadata()) {
            m_metadata[std::string(key.data(), key.size())] =
                std::string(value.data(), value.size());
        }
        m_requests.push_back(*request);
        if (m_reject > 0) {
            response->mutable_partial_success()->set_rejected_spans(m_reject);
            response->mutable_partial_success()->set_error_message("too long");
        }
        return grpc::Status::OK;
    }

    void stall(bool stalled) {
        std::lock_guard lock(m_mutex);
        m_stalled = stalled;
        m_changed.notify_all();
    }
    void failNext(int count) {
        std::lock_guard lock(m_mutex);
        m_failuresLeft = count;
    }
    void rejectPerRequest(int count) {
        std::lock_guard lock(m_mutex);
        m_reject = count;
    }
    int calls() {
        std::lock_guard lock(m_mutex);
        return m_calls;
    }
    std::vector<collector::ExportTraceServiceRequest> requests() {
        std::lock_guard lock(m_mutex);
        return m_requests;
    }
    int spans() {
        int count = 0;
        for (const auto &request : requests()) {
            for (const auto &resource : request.resource_spans()) {
                for (const auto &scope : resource.scope_spans()) {
                    count += scope.spans_size();
                }
            }
        }
        return count;
    }
    std::map<std::string, std::string> metadata() {
        std::lock_guard lock(m_mutex);
        return m_metadata;
    }

private:
    std::mutex m_mutex;
    std::condition_variable m_changed;
    bool m_stalled = false;
    int m_failuresLeft = 0;
    int m_reject = 0;
    int m_calls = 0;
    std::vector<collector::ExportTraceServiceRequest> m_requests;
    std::map<std::string, std::string> m_metadata;
};

} // namespace

class OtlpExporterTest : public QObject {
    Q_OBJECT

private slots:
    void init() {
        m_receiver = std::make_unique<Receiver>();
        grpc::ServerBuilder builder;
        builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &m_port);
        builder.RegisterService(m_receiver.get());
        m_server = builder.BuildAndStart();
        QVERIFY(m_server);
        QVERIFY(m_port > 0);
    }

    void cleanup() {
        m_receiver->stall(false);
        m_server->Shutdown(std::chrono::system_clock::now() + 1s);
        m_server.reset();
        m_receiver.reset();
    }

    void exportsPeriodicallyWithResourceAndHeaders() {
        TracingSetup setup;
        setup.serviceName = "checkout";
        setup.serviceVersion = "1.4.2";
        setup.colour = "blue";
        setup.instanceId = "checkout-1";
        setup.exporter = options();
        setup.exporter.scheduleDelay = 100ms;
        setup.exporter.headers = {{"authorization", "Bearer secret"}};
        auto tracer = makeTracer(setup);
        QVERIFY(tracer);
        for (int i = 0; i < 3; ++i) {
            (*tracer)->startSpan("span " + std::to_string(i)).end();
        }
        // No flush asked for: the schedule delay sends them.
        QVERIFY(testing::pollUntil([&] { return m_receiver->spans() == 3; }, 5s));
        const auto request = m_receiver->requests().front();
        QCOMPARE(request.resource_spans_size(), 1);
        std::map<std::string, std::string> resource;
        for (const auto &kv : request.resource_spans(0).resource().attributes()) {
            resource[kv.key()] = kv.value().string_value();
        }
        QCOMPARE(resource.at("service.name"), std::string("checkout"));
        QCOMPARE(resource.at("service.version"), std::string("1.4.2"));
        QCOMPARE(resource.at("aegis.colour"), std::string("blue"));
        QCOMPARE(resource.at("service.instance.id"), std::string("checkout-1"));
        QCOMPARE(request.resource_spans(0).scope_spans(0).scope().name(), std::string("aegis"));
        QCOMPARE(m_receiver->metadata().at("authorization"), std::string("Bearer secret"));
        (*tracer)->shutdown(5s);
    }

    void fullBatchesGoOutAtOnce() {
        auto options = this->options();
        options.scheduleDelay = 60s;
        options.maxExportBatchSize = 2;
        auto exporter = *BatchSpanExporter::create(options);
        Tracer tracer({}, exporter);
        for (int i = 0; i < 5; ++i) {
            tracer.startSpan("s").end();
        }
        QVERIFY(testing::pollUntil([&] { return m_receiver->spans() == 4; }, 5s));
        QCOMPARE(m_receiver->requests().size(), std::size_t(2));
        // The fifth waits for the schedule, or a flush.
        QVERIFY(exporter->forceFlush(5s));
        QCOMPARE(m_receiver->spans(), 5);
        QCOMPARE(exporter->stats().exported, std::int64_t(5));
    }

    void memoryStaysBoundedWhileTheReceiverStalls() {
        auto options = this->options();
        options.scheduleDelay = 60s;
        options.maxQueueSize = 10;
        options.maxExportBatchSize = 5;
        auto exporter = *BatchSpanExporter::create(options);
        Tracer tracer({}, exporter);
        m_receiver->stall(true);
        for (int i = 0; i < 5; ++i) {
            tracer.startSpan("first batch").end();
        }
        // The first batch is taken and stuck in the receiver; 10 more fit, 20 are dropped.
        QVERIFY(testing::pollUntil([&] { return m_receiver->calls() == 1; }, 5s));
        for (int i = 0; i < 30; ++i) {
            tracer.startSpan("later").end();
        }
        auto stats = exporter->stats();
        QCOMPARE(stats.queued, std::int64_t(10));
        QCOMPARE(stats.dropped, std::int64_t(20));
        m_receiver->stall(false);
        QVERIFY(exporter->forceFlush(5s));
        stats = exporter->stats();
        QCOMPARE(stats.exported, std::int64_t(15));
        QCOMPARE(stats.queued, std::int64_t(0));
        QCOMPARE(m_receiver->spans(), 15);
    }

    void transientFailuresAreRetried() {
        auto exporter = *BatchSpanExporter::create(options());
        Tracer tracer({}, exporter);
        m_receiver->failNext(2);
        tracer.startSpan("retried").end();
        QVERIFY(exporter->forceFlush(10s));
        QCOMPARE(m_receiver->calls(), 3);
        QCOMPARE(exporter->stats().exported, std::int64_t(1));
        QCOMPARE(exporter->stats().failed, std::int64_t(0));
    }

    void partialSuccessIsCountedNotRetried() {
        auto exporter = *BatchSpanExporter::create(options());
        Tracer tracer({}, exporter);
        m_receiver->rejectPerRequest(1);
        tracer.startSpan("a").end();
        tracer.startSpan("b").end();
        QVERIFY(exporter->forceFlush(5s));
        QCOMPARE(m_receiver->calls(), 1);
        QCOMPARE(exporter->stats().rejected, std::int64_t(1));
        QCOMPARE(exporter->stats().exported, std::int64_t(1));
    }

    void shutdownFlushesWhatIsQueued() {
        auto options = this->options();
        options.scheduleDelay = 60s;
        auto exporter = *BatchSpanExporter::create(options);
        {
            Tracer tracer({}, exporter);
            for (int i = 0; i < 3; ++i) {
                tracer.startSpan("at exit").end();
            }
            tracer.shutdown(5s);
            QCOMPARE(m_receiver->spans(), 3);
            tracer.startSpan("too late").end();
        }
        QCOMPARE(exporter->stats().dropped, std::int64_t(1));
        QCOMPARE(exporter->stats().exported, std::int64_t(3));
    }

    void anUnreachableReceiverFailsWithinTheTimeout() {
        auto options = this->options();
        m_server->Shutdown(std::chrono::system_clock::now());
        options.exportTimeout = 500ms;
        auto exporter = *BatchSpanExporter::create(options);
        Tracer tracer({}, exporter);
        tracer.startSpan("lost").end();
        const auto started = std::chrono::steady_clock::now();
        QVERIFY(exporter->forceFlush(5s));
        QVERIFY(std::chrono::steady_clock::now() - started < 3s);
        QCOMPARE(exporter->stats().failed, std::int64_t(1));
        // Shutdown with a stalled call returns at its deadline.
        exporter->shutdown(1s);
    }

    void aRealAegisdStoresWhatShutdownFlushes() {
        auto daemon = testing::DaemonProcess::start();
        QVERIFY2(daemon, daemon.status().toString().c_str());
        client::TracingSetup setup;
        setup.serviceName = "exporter-test";
        setup.colour = "blue";
        setup.exporter.endpoint = "http://" + (*daemon)->otlpAddress();
        setup.exporter.scheduleDelay = 60s; // only the shutdown sends them
        auto tracer = makeTracer(setup);
        QVERIFY(tracer);
        Span root = (*tracer)->startSpan("root", {.kind = SpanKind::Server});
        {
            Scope scope(root);
            (*tracer)->startSpan("child").setAttribute("n", 1).end();
            (*tracer)->startSpan("other child").recordError("failed").end();
        }
        const TraceId traceId = root.context().traceId;
        root.end();
        (*tracer)->shutdown(10s);

        auto stub =
            aegis::v1::TraceService::NewStub(*client::makeChannel((*daemon)->adminConnection()));
        grpc::ClientContext context;
        client::setTimeout(context, 5s);
        aegis::v1::GetTraceRequest request;
        request.set_trace_id(tracing::toHex(traceId));
        request.set_view(aegis::v1::TRACE_VIEW_FULL);
        aegis::v1::GetTraceResponse response;
        // Acknowledged exports are durable: the trace is there at once.
        const grpc::Status status = stub->GetTrace(&context, request, &response);
        QVERIFY2(status.ok(), status.error_message().c_str());
        QCOMPARE(response.summary().span_count(), 3u);
        QCOMPARE(response.summary().error_count(), 1u);
        QCOMPARE(response.summary().root_operation(), std::string("root"));
        QCOMPARE(response.summary().root_service(), std::string("exporter-test"));
        QCOMPARE((*daemon)->terminate(), 0);
    }

    void badOptionsAreRefused() {
        auto options = this->options();
        options.endpoint = "ftp://host:1";
        QVERIFY(!BatchSpanExporter::create(options));
        options = this->options();
        options.maxExportBatchSize = options.maxQueueSize + 1;
        const auto refused = BatchSpanExporter::create(options);
        QVERIFY(!refused);
        QVERIFY(refused.status().message().find("max_export_batch_size") != std::string::npos);
    }

private:
    OtlpExporterOptions options() const {
        OtlpExporterOptions options;
        options.endpoint = "http://127.0.0.1:" + std::to_string(m_port);
        options.scheduleDelay = 50ms;
        options.exportTimeout = 5s;
        return options;
    }

    std::unique_ptr<Receiver> m_receiver;
    std::unique_ptr<grpc::Server> m_server;
    int m_port = 0;
};

QTEST_MAIN(OtlpExporterTest)
#include "tst_otlp_exporter.moc"
