// TraceService over real gRPC against a real aegisd whose traces.db holds three checkout traces:
// every RPC's answer, bad input answered at the edge with the field and the limit, viewers read,
// and an aegisd with the local store off.

#include "aegis/v1/tracing.grpc.pb.h"
#include "api_test_helpers.h"
#include "daemon_process.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.grpc.pb.h"
#include "otlp_builder.h"
#include "tracing/trace_store.h"

#include <QtTest>

#include <grpcpp/client_context.h>
#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>

#include <fstream>
#include <future>

using namespace aegis;
using namespace aegis::testing;
using namespace std::chrono_literals;
namespace v1 = aegis::v1;

namespace {

void withDeadline(grpc::ClientContext &context) {
    context.set_deadline(std::chrono::system_clock::now() + 15s);
}

std::string describe(const grpc::Status &status) {
    return std::to_string(status.error_code()) + ": " + status.error_message();
}

std::string hexOf(const std::string &bytes) {
    return tracing::toHex(*tracing::traceIdFromBytes(bytes));
}

google::protobuf::Timestamp timestampOf(std::uint64_t unixNano) {
    google::protobuf::Timestamp time;
    time.set_seconds(static_cast<std::int64_t>(unixNano / 1'000'000'000));
    time.set_nanos(static_cast<int>(unixNano % 1'000'000'000));
    return time;
}

} // namespace

class TestTraceService : public QObject {
    Q_OBJECT

private slots:
    void initTestCase();
    void cleanupTestCase();
    void searchFindsByServiceAndTags();
    void getTraceReturnsTimelineAndSpans();
    void listsAndGraph();
    void compareTraces();
    void statusReportsTheStore();
    void badInputNamesTheFieldAndLimit_data();
    void badInputNamesTheFieldAndLimit();
    void storeOffIsFailedPrecondition();
    void exportedSpansSurviveSigkill();

private:
    std::unique_ptr<TempDir> m_dir;
    std::unique_ptr<DaemonProcess> m_daemon;
    std::unique_ptr<v1::TraceService::Stub> m_viewer;
    // Three checkout traces a minute apart, the last ten minutes ago; trace 2's payment fails.
    std::uint64_t m_start = 0;
};

void TestTraceService::initTestCase() {
    m_dir = std::make_unique<TempDir>();
    const auto dataDir = m_dir->path() / "data";
    std::filesystem::create_directories(dataDir);
    const auto now =
        static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                       std::chrono::system_clock::now().time_since_epoch())
                                       .count());
    m_start = now - 12ULL * 60 * 1'000'000'000;
    {
        tracing::TraceStoreOptions options;
        options.path = dataDir / "traces.db";
        auto store = tracing::TraceStore::open(options);
        QVERIFY2(store.isOk(), store.status().message().c_str());
        for (std::uint8_t seed : {1, 2, 3}) {
            auto batch = std::make_shared<tracing::SpanBatch>();
            batch->request = checkoutTrace(seed, m_start + (seed - 1) * 60'000 * kMs, seed == 2);
            batch->spanCount = tracing::countSpans(batch->request);
            batch->receivedUnixNano = static_cast<std::int64_t>(now);
            std::promise<Status> done;
            (*store)->accept(batch, [&done](Status status) { done.set_value(status); });
            QVERIFY(done.get_future().get().isOk());
        }
    }
    DaemonOptions options;
    options.dataDir = dataDir;
    auto daemon = DaemonProcess::start(options);
    QVERIFY2(daemon.isOk(), daemon.status().message().c_str());
    m_daemon = std::move(*daemon);
    std::string secret;
    const auto admin = channelFor(m_daemon->grpcAddress(), m_daemon->adminToken());
    const grpc::Status created = createToken(admin, "vera", v1::ROLE_VIEWER, &secret);
    QVERIFY2(created.ok(), describe(created).c_str());
    m_viewer = v1::TraceService::NewStub(channelFor(m_daemon->grpcAddress(), secret));
}

void TestTraceService::cleanupTestCase() {
    m_viewer.reset();
    if (m_daemon) {
        QCOMPARE(m_daemon->terminate(), 0);
    }
}

void TestTraceService::searchFindsByServiceAndTags() {
    v1::SearchTracesRequest request;
    v1::SearchTracesResponse response;
    {
        grpc::ClientContext context;
        withDeadline(context);
        const grpc::Status status = m_viewer->SearchTraces(&context, request, &response);
        QVERIFY2(status.ok(), describe(status).c_str());
    }
    QCOMPARE(response.traces_size(), 3);
    QCOMPARE(hexOf(response.traces(0).trace_id()), hexOf(traceBytes(3))); // newest first
    QVERIFY(!response.truncated());

    request.set_service("payments");
    request.set_tag_query("payment.method = card AND http.response.status_code != 200 AND "
                          "service.version = \"2.*\"");
    request.set_limit(5);
    grpc::ClientContext context;
    withDeadline(context);
    response.Clear();
    const grpc::Status status = m_viewer->SearchTraces(&context, request, &response);
    QVERIFY2(status.ok(), describe(status).c_str());
    QCOMPARE(response.traces_size(), 1);
    const v1::TraceSummary &trace = response.traces(0);
    QCOMPARE(hexOf(trace.trace_id()), hexOf(traceBytes(2)));
    QCOMPARE(trace.root_service(), std::string("checkout"));
    QCOMPARE(trace.root_operation(), std::string("POST /checkout"));
    QCOMPARE(trace.span_count(), 4u);
    QCOMPARE(trace.error_count(), 3u);
    QVERIFY(trace.has_root());
    QCOMPARE(trace.duration().nanos(), static_cast<int>(120 * kMs));
    QCOMPARE(trace.start_time().seconds(),
             static_cast<std::int64_t>((m_start + 60'000 * kMs) / 1'000'000'000));
    QCOMPARE(trace.services_size(), 2);
}

void TestTraceService::getTraceReturnsTimelineAndSpans() {
    v1::GetTraceRequest request;
    request.set_trace_id(hexOf(traceBytes(1)));
    request.set_view(v1::TRACE_VIEW_FULL);
    v1::GetTraceResponse response;
    grpc::ClientContext context;
    withDeadline(context);
    grpc::Status status = m_viewer->GetTrace(&context, request, &response);
    QVERIFY2(status.ok(), describe(status).c_str());
    QCOMPARE(response.spans().SerializeAsString(),
             checkoutTrace(1, m_start, false).SerializeAsString());
    const v1::TraceTimeline &timeline = response.timeline();
    QCOMPARE(timeline.start_unix_nano(), m_start);
    QCOMPARE(timeline.span_ids_size(), 4);
    QCOMPARE(timeline.strings(0), std::string());
    QCOMPARE(timeline.strings(static_cast<int>(timeline.services(2))), std::string("payments"));
    QCOMPARE(timeline.flags(0), static_cast<std::uint32_t>(v1::TIMELINE_FLAG_HAS_EVENTS | 2));
    QCOMPARE(timeline.durations_nanos(1), 80 * kMs);
    QCOMPARE(response.summary().span_count(), 4u);

    // Timeline only, plus one span in full; an upper-case id is the same trace.
    std::string upper = hexOf(traceBytes(1));
    std::transform(upper.begin(), upper.end(), upper.begin(), ::toupper);
    request.set_trace_id(upper);
    request.set_view(v1::TRACE_VIEW_TIMELINE);
    request.add_span_ids(tracing::toHex(*tracing::spanIdFromBytes(spanBytes((1 << 16) + 4))));
    grpc::ClientContext second;
    withDeadline(second);
    response.Clear();
    status = m_viewer->GetTrace(&second, request, &response);
    QVERIFY2(status.ok(), describe(status).c_str());
    QCOMPARE(response.spans().resource_spans_size(), 1);
    QCOMPARE(response.spans().resource_spans(0).scope_spans(0).spans(0).name(), std::string("Pay"));

    request.set_trace_id(hexOf(traceBytes(99)));
    request.clear_span_ids();
    grpc::ClientContext third;
    withDeadline(third);
    status = m_viewer->GetTrace(&third, request, &response);
    QCOMPARE(status.error_code(), grpc::StatusCode::NOT_FOUND);
}

void TestTraceService::listsAndGraph() {
    {
        v1::ListTraceServicesResponse response;
        grpc::ClientContext context;
        withDeadline(context);
        const grpc::Status status = m_viewer->ListServices(&context, {}, &response);
        QVERIFY2(status.ok(), describe(status).c_str());
        QCOMPARE(response.services_size(), 2);
        QCOMPARE(response.services(0).name(), std::string("checkout"));
        QCOMPARE(response.services(0).span_count(), std::uint64_t(9));
        QCOMPARE(response.services(1).colours(0), std::string("green"));
    }
    {
        v1::ListOperationsRequest request;
        request.set_service("payments");
        v1::ListOperationsResponse response;
        grpc::ClientContext context;
        withDeadline(context);
        const grpc::Status status = m_viewer->ListOperations(&context, request, &response);
        QVERIFY2(status.ok(), describe(status).c_str());
        QCOMPARE(response.operations_size(), 1);
        QCOMPARE(response.operations(0).name(), std::string("Pay"));
        QCOMPARE(response.operations(0).kind(),
                 opentelemetry::proto::trace::v1::Span::SPAN_KIND_SERVER);
    }
    {
        v1::ListAttributeKeysRequest request;
        request.set_prefix("payment");
        v1::ListAttributeKeysResponse response;
        grpc::ClientContext context;
        withDeadline(context);
        const grpc::Status status = m_viewer->ListAttributeKeys(&context, request, &response);
        QVERIFY2(status.ok(), describe(status).c_str());
        QCOMPARE(response.keys_size(), 1);
        QCOMPARE(response.keys(0).key(), std::string("payment.method"));
    }
    {
        v1::ListAttributeValuesRequest request;
        request.set_key("region");
        v1::ListAttributeValuesResponse response;
        grpc::ClientContext context;
        withDeadline(context);
        const grpc::Status status = m_viewer->ListAttributeValues(&context, request, &response);
        QVERIFY2(status.ok(), describe(status).c_str());
        QCOMPARE(response.values_size(), 1);
        QCOMPARE(response.values(0), std::string("eu-west-1"));
    }
    {
        v1::GetServiceGraphRequest request;
        request.set_by_release(true);
        v1::GetServiceGraphResponse response;
        grpc::ClientContext context;
        withDeadline(context);
        const grpc::Status status = m_viewer->GetServiceGraph(&context, request, &response);
        QVERIFY2(status.ok(), describe(status).c_str());
        QCOMPARE(response.edges_size(), 2);
        QCOMPARE(response.end_time().seconds() - response.start_time().seconds(),
                 std::int64_t(15 * 60));
        bool payments = false;
        for (const auto &edge : response.edges()) {
            const auto &callee = response.nodes(static_cast<int>(edge.callee()));
            if (callee.service() == "payments") {
                payments = true;
                QCOMPARE(callee.version(), std::string("2.0.0"));
                QCOMPARE(edge.calls(), std::uint64_t(3));
                QCOMPARE(edge.p99().nanos(), static_cast<int>(80 * kMs));
            }
        }
        QVERIFY(payments);
    }
}

void TestTraceService::compareTraces() {
    v1::CompareTracesRequest request;
    request.set_left_trace_id(hexOf(traceBytes(1)));
    request.set_right_trace_id(hexOf(traceBytes(2)));
    v1::CompareTracesResponse response;
    grpc::ClientContext context;
    withDeadline(context);
    const grpc::Status status = m_viewer->CompareTraces(&context, request, &response);
    QVERIFY2(status.ok(), describe(status).c_str());
    QCOMPARE(response.paths_size(), 4);
    QCOMPARE(response.paths(0).path(), std::string("checkout:POST /checkout"));
    QCOMPARE(response.paths(0).right_errors(), 1u);
    QCOMPARE(response.right().error_count(), 3u);
}

void TestTraceService::statusReportsTheStore() {
    v1::GetTracingStatusResponse response;
    grpc::ClientContext context;
    withDeadline(context);
    const grpc::Status status = m_viewer->GetTracingStatus(&context, {}, &response);
    QVERIFY2(status.ok(), describe(status).c_str());
    QVERIFY(response.store_enabled());
    QCOMPARE(response.spans_stored(), std::uint64_t(12));
    QCOMPARE(response.traces_stored(), std::uint64_t(3));
    QVERIFY(response.store_bytes() > 0);
    QCOMPARE(response.retention_age().seconds(), std::int64_t(72 * 3600));
    QCOMPARE(response.oldest_span().seconds(), static_cast<std::int64_t>(m_start / 1'000'000'000));
}

void TestTraceService::badInputNamesTheFieldAndLimit_data() {
    QTest::addColumn<QString>("rpc");
    QTest::addColumn<QByteArray>("request"); // serialized
    QTest::addColumn<QStringList>("mentions");

    const auto row = [](const char *name, const char *rpc, const google::protobuf::Message &m,
                        QStringList mentions) {
        const std::string bytes = m.SerializeAsString();
        QTest::newRow(name) << rpc << QByteArray(bytes.data(), static_cast<int>(bytes.size()))
                            << mentions;
    };
    v1::SearchTracesRequest search;
    search.set_tag_query("http.status_code >= AND x");
    row("tag query error", "search", search, {"tag_query: 1:"});
    search.Clear();
    search.set_limit(1001);
    row("limit", "search", search, {"limit", "1000"});
    search.Clear();
    search.set_operation("GET /");
    row("operation without service", "search", search, {"operation", "service"});
    search.Clear();
    *search.mutable_start_time() = timestampOf(1'000'000'000ULL * 1'700'000'000ULL);
    *search.mutable_end_time() = timestampOf(1'000'000'000ULL * (1'700'000'000ULL + 32 * 86400));
    row("range over 31 days", "search", search, {"31 days"});
    search.Clear();
    *search.mutable_start_time() = timestampOf(1'000'000'000ULL * 1'700'000'100ULL);
    *search.mutable_end_time() = timestampOf(1'000'000'000ULL * 1'700'000'000ULL);
    row("end before start", "search", search, {"end_time", "start_time"});
    search.Clear();
    search.mutable_min_duration()->set_seconds(2);
    search.mutable_max_duration()->set_seconds(1);
    row("min over max", "search", search, {"min_duration", "max_duration"});
    search.Clear();
    search.set_tag_query(std::string(4097, 'a'));
    row("tag query too long", "search", search, {"tag_query", "4096"});

    v1::GetTraceRequest get;
    get.set_trace_id("not-a-trace-id");
    row("trace id not hex", "get", get, {"trace_id", "32 hex digits"});
    get.set_trace_id("00000000000000000000000000000000");
    row("trace id all zero", "get", get, {"trace_id", "not all zero"});
    get.set_trace_id("4bf92f3577b34da6a3ce929d0e0e4736");
    get.add_span_ids("xyz");
    row("span id", "get", get, {"span_ids[0]", "16 hex digits"});

    v1::GetServiceGraphRequest graph;
    graph.mutable_window()->set_seconds(25 * 3600);
    row("graph window", "graph", graph, {"window", "24 hours"});
    v1::ListOperationsRequest operations;
    row("operations without service", "operations", operations, {"service is required"});
    v1::ListAttributeValuesRequest values;
    row("values without key", "values", values, {"key is required"});
    v1::ListAttributeKeysRequest keys;
    keys.set_limit(5000);
    row("keys limit", "keys", keys, {"limit", "1000"});
    v1::CompareTracesRequest compare;
    compare.set_left_trace_id("4bf92f3577b34da6a3ce929d0e0e4736");
    row("compare right id", "compare", compare, {"right_trace_id"});
}

void TestTraceService::badInputNamesTheFieldAndLimit() {
    QFETCH(QString, rpc);
    QFETCH(QByteArray, request);
    QFETCH(QStringList, mentions);
    grpc::ClientContext context;
    withDeadline(context);
    const std::string bytes(request.constData(), static_cast<std::size_t>(request.size()));
    grpc::Status status;
    if (rpc == "search") {
        v1::SearchTracesRequest message;
        message.ParseFromString(bytes);
        v1::SearchTracesResponse response;
        status = m_viewer->SearchTraces(&context, message, &response);
    } else if (rpc == "get") {
        v1::GetTraceRequest message;
        message.ParseFromString(bytes);
        v1::GetTraceResponse response;
        status = m_viewer->GetTrace(&context, message, &response);
    } else if (rpc == "graph") {
        v1::GetServiceGraphRequest message;
        message.ParseFromString(bytes);
        v1::GetServiceGraphResponse response;
        status = m_viewer->GetServiceGraph(&context, message, &response);
    } else if (rpc == "operations") {
        v1::ListOperationsRequest message;
        message.ParseFromString(bytes);
        v1::ListOperationsResponse response;
        status = m_viewer->ListOperations(&context, message, &response);
    } else if (rpc == "values") {
        v1::ListAttributeValuesRequest message;
        message.ParseFromString(bytes);
        v1::ListAttributeValuesResponse response;
        status = m_viewer->ListAttributeValues(&context, message, &response);
    } else if (rpc == "keys") {
        v1::ListAttributeKeysRequest message;
        message.ParseFromString(bytes);
        v1::ListAttributeKeysResponse response;
        status = m_viewer->ListAttributeKeys(&context, message, &response);
    } else {
        v1::CompareTracesRequest message;
        message.ParseFromString(bytes);
        v1::CompareTracesResponse response;
        status = m_viewer->CompareTraces(&context, message, &response);
    }
    QVERIFY2(status.error_code() == grpc::StatusCode::INVALID_ARGUMENT, describe(status).c_str());
    for (const QString &mention : mentions) {
        QVERIFY2(status.error_message().find(mention.toStdString()) != std::string::npos,
                 describe(status).c_str());
    }
}

void TestTraceService::storeOffIsFailedPrecondition() {
    TempDir dir;
    const auto config = dir.path() / "aegisd.yaml";
    // Spans only forwarded (to a port nothing listens on): nothing is stored.
    std::ofstream(config) << "tracing:\n  store: false\n  forward:\n    endpoints: "
                             "[\"127.0.0.1:9\"]\n";
    DaemonOptions options;
    options.extraArgs = {"--config", config.string()};
    auto daemon = DaemonProcess::start(options);
    QVERIFY2(daemon.isOk(), daemon.status().message().c_str());
    QVERIFY(!std::filesystem::exists((*daemon)->dataDir() / "traces.db"));
    auto stub =
        v1::TraceService::NewStub(channelFor((*daemon)->grpcAddress(), (*daemon)->adminToken()));
    {
        grpc::ClientContext context;
        withDeadline(context);
        v1::SearchTracesResponse response;
        const grpc::Status status = stub->SearchTraces(&context, {}, &response);
        QCOMPARE(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
        QVERIFY2(status.error_message().find("tracing.store") != std::string::npos,
                 describe(status).c_str());
    }
    grpc::ClientContext context;
    withDeadline(context);
    v1::GetTracingStatusResponse response;
    const grpc::Status status = stub->GetTracingStatus(&context, {}, &response);
    QVERIFY2(status.ok(), describe(status).c_str());
    QVERIFY(!response.store_enabled());
    QCOMPARE((*daemon)->terminate(), 0);
}

// Spans exported over OTLP/gRPC come back exactly as sent, also after aegisd was killed with
// SIGKILL right after acknowledging them.
void TestTraceService::exportedSpansSurviveSigkill() {
    TempDir dir;
    DaemonOptions options;
    options.dataDir = dir.path() / "data";
    auto daemon = DaemonProcess::start(options);
    QVERIFY2(daemon.isOk(), daemon.status().message().c_str());
    const auto now =
        static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                       std::chrono::system_clock::now().time_since_epoch())
                                       .count());
    const auto sent = checkoutTrace(7, now - 60'000 * kMs, true);
    {
        auto otlpStub = opentelemetry::proto::collector::trace::v1::TraceService::NewStub(
            grpc::CreateChannel((*daemon)->otlpAddress(), grpc::InsecureChannelCredentials()));
        grpc::ClientContext context;
        withDeadline(context);
        opentelemetry::proto::collector::trace::v1::ExportTraceServiceResponse response;
        const grpc::Status status = otlpStub->Export(&context, sent, &response);
        QVERIFY2(status.ok(), describe(status).c_str());
        QCOMPARE(response.partial_success().rejected_spans(), std::int64_t(0));
    }
    (*daemon)->kill();
    auto restarted = DaemonProcess::start(options);
    QVERIFY2(restarted.isOk(), restarted.status().message().c_str());
    auto stub = v1::TraceService::NewStub(
        channelFor((*restarted)->grpcAddress(), (*restarted)->adminToken()));
    v1::GetTraceRequest request;
    request.set_trace_id(hexOf(traceBytes(7)));
    request.set_view(v1::TRACE_VIEW_FULL);
    v1::GetTraceResponse response;
    grpc::ClientContext context;
    withDeadline(context);
    const grpc::Status status = stub->GetTrace(&context, request, &response);
    QVERIFY2(status.ok(), describe(status).c_str());
    QCOMPARE(response.spans().SerializeAsString(), sent.SerializeAsString());
    QCOMPARE(response.summary().error_count(), 3u);
    QCOMPARE((*restarted)->terminate(), 0);
}

QTEST_GUILESS_MAIN(TestTraceService)
#include "tst_trace_service.moc"
