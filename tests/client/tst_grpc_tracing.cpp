// gRPC calls traced by the interceptors of libaegis-client: the client span's context travels in
// the call's metadata, the server span is its child, both carry rpc.* and the status.

#include "client/grpc_tracing.h"

#include "opentelemetry/proto/collector/trace/v1/trace_service.grpc.pb.h"

#include <grpcpp/grpcpp.h>

#include <QtTest>

#include <mutex>

using namespace aegis;
using namespace aegis::client;
using namespace std::chrono_literals;
namespace otlp = opentelemetry::proto;

namespace {

class CollectingProcessor final : public SpanProcessor {
public:
    void onEnd(otlp::trace::v1::Span span) override {
        std::lock_guard lock(m_mutex);
        m_spans.push_back(std::move(span));
    }
    bool forceFlush(std::chrono::milliseconds) override { return true; }
    void shutdown(std::chrono::milliseconds) override {}
    std::vector<otlp::trace::v1::Span> spans() {
        std::lock_guard lock(m_mutex);
        return m_spans;
    }

private:
    std::mutex m_mutex;
    std::vector<otlp::trace::v1::Span> m_spans;
};

// Any service will do; this one fails when asked to.
class Service final : public otlp::collector::trace::v1::TraceService::Service {
public:
    grpc::Status Export(grpc::ServerContext *,
                        const otlp::collector::trace::v1::ExportTraceServiceRequest *request,
                        otlp::collector::trace::v1::ExportTraceServiceResponse *) override {
        if (request->resource_spans_size() > 0) {
            return {grpc::StatusCode::INTERNAL, "broken"};
        }
        return grpc::Status::OK;
    }
};

std::string attribute(const otlp::trace::v1::Span &span, const std::string &key) {
    for (const auto &kv : span.attributes()) {
        if (kv.key() == key) {
            return kv.value().has_int_value() ? std::to_string(kv.value().int_value())
                                              : kv.value().string_value();
        }
    }
    return "<absent>";
}

} // namespace

class GrpcTracingTest : public QObject {
    Q_OBJECT

private slots:
    void callsAreTracedOnBothSides() {
        auto serverSpans = std::make_shared<CollectingProcessor>();
        auto clientSpans = std::make_shared<CollectingProcessor>();
        auto serverTracer = std::make_shared<Tracer>(TracerOptions{}, serverSpans);
        auto clientTracer = std::make_shared<Tracer>(TracerOptions{}, clientSpans);

        Service service;
        grpc::ServerBuilder builder;
        int port = 0;
        builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
        builder.RegisterService(&service);
        std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>> server;
        server.push_back(std::make_unique<TracingServerInterceptorFactory>(serverTracer));
        builder.experimental().SetInterceptorCreators(std::move(server));
        auto grpcServer = builder.BuildAndStart();
        QVERIFY(grpcServer);

        std::vector<std::unique_ptr<grpc::experimental::ClientInterceptorFactoryInterface>> client;
        client.push_back(std::make_unique<TracingClientInterceptorFactory>(clientTracer));
        auto channel = grpc::experimental::CreateCustomChannelWithInterceptors(
            "127.0.0.1:" + std::to_string(port), grpc::InsecureChannelCredentials(), {},
            std::move(client));
        auto stub = otlp::collector::trace::v1::TraceService::NewStub(channel);

        Span parent = clientTracer->startSpan("request");
        {
            Scope scope(parent);
            grpc::ClientContext ok;
            ok.set_deadline(std::chrono::system_clock::now() + 5s);
            otlp::collector::trace::v1::ExportTraceServiceRequest request;
            otlp::collector::trace::v1::ExportTraceServiceResponse response;
            QVERIFY(stub->Export(&ok, request, &response).ok());
            grpc::ClientContext failing;
            failing.set_deadline(std::chrono::system_clock::now() + 5s);
            request.add_resource_spans();
            QCOMPARE(stub->Export(&failing, request, &response).error_code(),
                     grpc::StatusCode::INTERNAL);
        }
        parent.end();
        grpcServer->Shutdown(std::chrono::system_clock::now() + 1s);

        const auto clients = clientSpans->spans();
        const auto servers = serverSpans->spans();
        QCOMPARE(clients.size(), std::size_t(3)); // two calls and the parent
        QCOMPARE(servers.size(), std::size_t(2));
        const std::string parentId(parent.context().spanId.begin(), parent.context().spanId.end());
        for (int i = 0; i < 2; ++i) {
            const auto &call = clients[static_cast<std::size_t>(i)];
            const auto &served = servers[static_cast<std::size_t>(i)];
            QCOMPARE(call.name(),
                     std::string("opentelemetry.proto.collector.trace.v1.TraceService/Export"));
            QCOMPARE(call.kind(), otlp::trace::v1::Span::SPAN_KIND_CLIENT);
            QCOMPARE(call.parent_span_id(), parentId);
            QCOMPARE(served.kind(), otlp::trace::v1::Span::SPAN_KIND_SERVER);
            QCOMPARE(served.name(), call.name());
            QCOMPARE(served.trace_id(), call.trace_id());
            QCOMPARE(served.parent_span_id(), call.span_id());
            QCOMPARE(attribute(served, "rpc.system"), std::string("grpc"));
            QCOMPARE(attribute(served, "rpc.service"),
                     std::string("opentelemetry.proto.collector.trace.v1.TraceService"));
            QCOMPARE(attribute(served, "rpc.method"), std::string("Export"));
        }
        QCOMPARE(attribute(servers[0], "rpc.grpc.status_code"), std::string("0"));
        QCOMPARE(servers[0].status().code(), otlp::trace::v1::Status::STATUS_CODE_UNSET);
        QCOMPARE(attribute(servers[1], "rpc.grpc.status_code"), std::string("13"));
        QCOMPARE(servers[1].status().code(), otlp::trace::v1::Status::STATUS_CODE_ERROR);
        QCOMPARE(servers[1].status().message(), std::string("broken"));
        QCOMPARE(clients[1].status().code(), otlp::trace::v1::Status::STATUS_CODE_ERROR);
    }

    void anUntracedCallerStartsATraceOnTheServer() {
        auto spans = std::make_shared<CollectingProcessor>();
        TracerOptions options;
        options.sampler = parentBasedSampler(traceIdRatioSampler(1.0));
        auto tracer = std::make_shared<Tracer>(options, spans);
        Service service;
        grpc::ServerBuilder builder;
        int port = 0;
        builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
        builder.RegisterService(&service);
        std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>> server;
        server.push_back(std::make_unique<TracingServerInterceptorFactory>(tracer));
        builder.experimental().SetInterceptorCreators(std::move(server));
        auto grpcServer = builder.BuildAndStart();
        auto stub = otlp::collector::trace::v1::TraceService::NewStub(grpc::CreateChannel(
            "127.0.0.1:" + std::to_string(port), grpc::InsecureChannelCredentials()));
        // An explicit traceparent set on the context by hand is honoured too.
        const auto remote =
            *parseTraceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
        for (const bool withParent : {false, true}) {
            grpc::ClientContext context;
            context.set_deadline(std::chrono::system_clock::now() + 5s);
            if (withParent) {
                injectContext(context, remote);
            }
            otlp::collector::trace::v1::ExportTraceServiceRequest request;
            otlp::collector::trace::v1::ExportTraceServiceResponse response;
            QVERIFY(stub->Export(&context, request, &response).ok());
        }
        grpcServer->Shutdown(std::chrono::system_clock::now() + 1s);
        const auto served = spans->spans();
        QCOMPARE(served.size(), std::size_t(2));
        QVERIFY(served[0].parent_span_id().empty());
        QCOMPARE(served[1].trace_id(), std::string(remote.traceId.begin(), remote.traceId.end()));
        QCOMPARE(served[1].parent_span_id(),
                 std::string(remote.spanId.begin(), remote.spanId.end()));
    }
};

QTEST_APPLESS_MAIN(GrpcTracingTest)
#include "tst_grpc_tracing.moc"
