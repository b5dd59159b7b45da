// TracesApi: the conversion of TraceService's answers into the console's value types (a
// 100,000-span timeline copied column by column, OTLP spans with their resource, attribute
// values of every type, the graph, a comparison, the status) and the requests it builds. Then
// every method against a real aegisd fed over its OTLP/gRPC receiver: a three-service trace
// (checkout → payments, inventory), found by search and tag query, fetched, compared, graphed
// and exported as OTLP JSON; a refused tag query with its position; and a trace too large for
// the standard channel fetched in full on the bulk one.

#include "daemon_process.h"
#include "net/session.h"
#include "net/trace_convert.h"
#include "net/traces_api.h"
#include "trace_test_spans.h"
#include "tracing/otlp_json.h"

#include <QElapsedTimer>
#include <QSignalSpy>
#include <QTest>

#include <chrono>
#include <optional>

using namespace aegis;
using namespace aegis::console;

namespace {

namespace otlp = opentelemetry::proto;
using namespace aegis::testing;

std::string bytesOf(std::initializer_list<unsigned char> values) {
    return std::string(values.begin(), values.end());
}

void setDuration(google::protobuf::Duration *duration, qint64 nanos) {
    duration->set_seconds(nanos / 1000000000);
    duration->set_nanos(static_cast<int>(nanos % 1000000000));
}

// Waits for the one result of a facade call; nullopt when none came in time.
template <typename T>
std::optional<CallResult<T>> await(const std::function<void(QObject *, ResultHandler<T>)> &call,
                                   int timeoutMs = 20000) {
    QObject context;
    std::optional<CallResult<T>> result;
    call(&context, [&result](const CallResult<T> &value) { result = value; });
    if (!QTest::qWaitFor([&result] { return result.has_value(); }, timeoutMs)) {
        return std::nullopt;
    }
    return result;
}

} // namespace

class TestConsoleTracesApi final : public QObject {
    Q_OBJECT

private slots:
    void summaryAndSearch() {
        v1::SearchTracesResponse response;
        auto *trace = response.add_traces();
        trace->set_trace_id(bytesOf({0x4b, 0xf9, 0x2f, 0x35, 0x77, 0xb3, 0x4d, 0xa6, 0xa3, 0xce,
                                     0x92, 0x9d, 0x0e, 0x0e, 0x47, 0x36}));
        trace->set_root_service("checkout");
        trace->set_root_operation("POST /orders");
        trace->mutable_start_time()->set_seconds(1700000000);
        trace->mutable_start_time()->set_nanos(250000000);
        setDuration(trace->mutable_duration(), 1234567890);
        trace->set_span_count(42);
        trace->set_error_count(2);
        auto *chip = trace->add_services();
        chip->set_service("payments");
        chip->set_span_count(7);
        chip->set_error_count(2);
        trace->set_has_root(true);
        response.set_truncated(true);

        const TraceSearchResult result = fromProto(response);
        QVERIFY(result.truncated);
        QCOMPARE(result.traces.size(), 1);
        const TraceSummary &summary = result.traces[0];
        QCOMPARE(summary.traceId, QStringLiteral("4bf92f3577b34da6a3ce929d0e0e4736"));
        QCOMPARE(summary.rootService, QStringLiteral("checkout"));
        QCOMPARE(summary.rootOperation, QStringLiteral("POST /orders"));
        QCOMPARE(summary.startTime.toMSecsSinceEpoch(), 1700000000250);
        QCOMPARE(summary.durationNanos, 1234567890);
        QCOMPARE(summary.spanCount, 42);
        QCOMPARE(summary.errorCount, 2);
        QCOMPARE(summary.services.size(), 1);
        QCOMPARE(summary.services[0].service, QStringLiteral("payments"));
        QCOMPARE(summary.services[0].spanCount, 7);
        QCOMPARE(summary.services[0].errorCount, 2);
        QVERIFY(summary.hasRoot);
    }

    void searchRequest() {
        TraceSearch search;
        search.service = QStringLiteral("checkout");
        search.operation = QStringLiteral("GET /cart");
        search.start = QDateTime::fromMSecsSinceEpoch(1700000000000, Qt::UTC);
        search.minDurationNanos = 1500000000;
        search.tagQuery = QStringLiteral("colour = green");
        search.limit = 50;
        v1::SearchTracesRequest request;
        toProto(search, &request);
        QCOMPARE(request.service(), "checkout");
        QCOMPARE(request.operation(), "GET /cart");
        QCOMPARE(request.start_time().seconds(), 1700000000);
        // Unset bounds stay unset: the daemon's defaults apply.
        QVERIFY(!request.has_end_time());
        QVERIFY(!request.has_max_duration());
        QCOMPARE(request.min_duration().seconds(), 1);
        QCOMPARE(request.min_duration().nanos(), 500000000);
        QCOMPARE(request.tag_query(), "colour = green");
        QCOMPARE(request.limit(), 50u);
        // A zero bound is a bound.
        search.maxDurationNanos = 0;
        request.Clear();
        toProto(search, &request);
        QVERIFY(request.has_max_duration());
    }

    void largeTimelineIsCopiedInBulk() {
        constexpr int kSpans = 100000;
        v1::TraceTimeline timeline;
        timeline.set_start_unix_nano(1700000000000000000ull);
        for (const char *text :
             {"", "checkout", "payments", "POST /orders", "charge", "1.4.2", "green"}) {
            timeline.add_strings(text);
        }
        timeline.mutable_span_ids()->Reserve(kSpans);
        for (int i = 0; i < kSpans; ++i) {
            timeline.add_span_ids(0x1000000000000000ull + std::uint64_t(i));
            timeline.add_parent_span_ids(i == 0 ? 0 : 0x1000000000000000ull + std::uint64_t(i / 2));
            timeline.add_services(i % 2 == 0 ? 1 : 2);
            timeline.add_operations(i % 2 == 0 ? 3 : 4);
            timeline.add_start_offsets_nanos(std::uint64_t(i) * 1000);
            timeline.add_durations_nanos(5000 + std::uint64_t(i));
            timeline.add_flags(i % 10 == 0 ? 2u | 8u : 3u);
            timeline.add_versions(5);
            timeline.add_colours(6);
        }
        QElapsedTimer timer;
        timer.start();
        const TraceTimeline result =
            fromProto(timeline, QStringLiteral("4bf92f3577b34da6a3ce929d0e0e4736"));
        const qint64 elapsedMs = timer.elapsed();
        QCOMPARE(result.size(), std::size_t(kSpans));
        QCOMPARE(result.traceId, QStringLiteral("4bf92f3577b34da6a3ce929d0e0e4736"));
        QCOMPARE(result.startUnixNano, std::int64_t(1700000000000000000ll));
        QCOMPARE(result.strings.size(), 7);
        QCOMPARE(result.strings[result.services[1]], QStringLiteral("payments"));
        QCOMPARE(result.strings[result.operations[0]], QStringLiteral("POST /orders"));
        QCOMPARE(result.spanIds[99999], 0x1000000000000000ull + 99999);
        QCOMPARE(result.parentSpanIds[0], 0ull);
        QCOMPARE(result.parentSpanIds[99999], 0x1000000000000000ull + 49999);
        QCOMPARE(result.startOffsetsNanos[12345], 12345000ull);
        QCOMPARE(result.durationsNanos[12345], 17345ull);
        QCOMPARE(result.flags[10] & timeline_flag::Error, timeline_flag::Error);
        QCOMPARE(result.flags[10] & timeline_flag::KindMask, 2u);
        QCOMPARE(result.strings[result.versions[7]], QStringLiteral("1.4.2"));
        QCOMPARE(result.strings[result.colours[7]], QStringLiteral("green"));
        // Flat copies of nine columns: far below a frame, on any machine that runs the tests.
        QVERIFY2(elapsedMs < 200, qPrintable(QString::number(elapsedMs)));
    }

    void malformedTimelineStaysInBounds() {
        v1::TraceTimeline timeline;
        timeline.add_strings("");
        timeline.add_strings("checkout");
        timeline.add_span_ids(1);
        timeline.add_span_ids(2);
        timeline.add_services(1);
        timeline.add_services(9); // No such string.
        // parent_span_ids, durations, flags... omitted.
        const TraceTimeline result = fromProto(timeline, {});
        QCOMPARE(result.size(), std::size_t(2));
        QCOMPARE(result.parentSpanIds.size(), std::size_t(2));
        QCOMPARE(result.durationsNanos.size(), std::size_t(2));
        QCOMPARE(result.colours.size(), std::size_t(2));
        QCOMPARE(result.services[1], 0u);
        // No strings at all still has the "" at 0.
        const TraceTimeline empty = fromProto(v1::TraceTimeline(), {});
        QCOMPARE(empty.strings, QStringList{QString()});
    }

    void spansInFull() {
        v1::GetTraceResponse response;
        response.mutable_summary()->set_trace_id(
            bytesOf({1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}));
        auto *resourceSpans = response.mutable_spans()->add_resource_spans();
        auto *serviceName = resourceSpans->mutable_resource()->add_attributes();
        serviceName->set_key("service.name");
        serviceName->mutable_value()->set_string_value("payments");
        auto *scopeSpans = resourceSpans->add_scope_spans();
        scopeSpans->mutable_scope()->set_name("aegis-client");
        scopeSpans->mutable_scope()->set_version("0.9.0");
        auto *span = scopeSpans->add_spans();
        span->set_trace_id(response.summary().trace_id());
        span->set_span_id(bytesOf({0xa0, 0, 0, 0, 0, 0, 0, 0x0b}));
        span->set_parent_span_id(bytesOf({0xa0, 0, 0, 0, 0, 0, 0, 0x01}));
        span->set_name("charge");
        span->set_kind(otlp::trace::v1::Span::SPAN_KIND_CLIENT);
        span->set_start_time_unix_nano(1700000000123456789ull);
        span->set_end_time_unix_nano(1700000000223456789ull);
        span->mutable_status()->set_code(otlp::trace::v1::Status::STATUS_CODE_ERROR);
        span->mutable_status()->set_message("card declined");
        auto addAttribute = [&](const char *key) {
            auto *attribute = span->add_attributes();
            attribute->set_key(key);
            return attribute->mutable_value();
        };
        addAttribute("http.response.status_code")->set_int_value(502);
        addAttribute("retry")->set_bool_value(true);
        addAttribute("ratio")->set_double_value(0.25);
        addAttribute("raw")->set_bytes_value(bytesOf({0xde, 0xad}));
        auto *array = addAttribute("tags")->mutable_array_value();
        array->add_values()->set_string_value("a");
        array->add_values()->set_int_value(2);
        auto *entry = addAttribute("nested")->mutable_kvlist_value()->add_values();
        entry->set_key("k");
        entry->mutable_value()->set_bool_value(false);
        auto *event = span->add_events();
        event->set_time_unix_nano(1700000000200000000ull);
        event->set_name("exception");
        auto *eventAttribute = event->add_attributes();
        eventAttribute->set_key("exception.message");
        eventAttribute->mutable_value()->set_string_value("declined");
        auto *link = span->add_links();
        link->set_trace_id(bytesOf({0xff, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}));
        link->set_span_id(bytesOf({0, 0, 0, 0, 0, 0, 0, 2}));
        span->set_dropped_attributes_count(3);

        const TraceDetail detail = fromProto(response);
        QCOMPARE(detail.summary.traceId, QStringLiteral("0102030405060708090a0b0c0d0e0f10"));
        QCOMPARE(detail.spans.size(), 1);
        const SpanDetail &result = detail.spans[0];
        QCOMPARE(result.traceId, detail.summary.traceId);
        QCOMPARE(result.spanId, QStringLiteral("a00000000000000b"));
        QCOMPARE(result.parentSpanId, QStringLiteral("a000000000000001"));
        QCOMPARE(result.name, QStringLiteral("charge"));
        QCOMPARE(result.kind, SpanKind::Client);
        QCOMPARE(result.startUnixNano, std::int64_t(1700000000123456789ll));
        QCOMPARE(result.endUnixNano, std::int64_t(1700000000223456789ll));
        QCOMPARE(result.statusCode, QStringLiteral("error"));
        QCOMPARE(result.statusMessage, QStringLiteral("card declined"));
        const QList<SpanAttribute> expected{
            {QStringLiteral("http.response.status_code"), QStringLiteral("502")},
            {QStringLiteral("retry"), QStringLiteral("true")},
            {QStringLiteral("ratio"), QStringLiteral("0.25")},
            {QStringLiteral("raw"), QStringLiteral("dead")},
            {QStringLiteral("tags"), QStringLiteral("[\"a\",2]")},
            {QStringLiteral("nested"), QStringLiteral("{\"k\":false}")}};
        QCOMPARE(result.attributes.size(), expected.size());
        for (int i = 0; i < expected.size(); ++i) {
            QCOMPARE(result.attributes[i].key, expected[i].key);
            QCOMPARE(result.attributes[i].value, expected[i].value);
        }
        QCOMPARE(result.events.size(), 1);
        QCOMPARE(result.events[0].name, QStringLiteral("exception"));
        QCOMPARE(result.events[0].timeUnixNano, std::int64_t(1700000000200000000ll));
        QCOMPARE(result.events[0].time.toMSecsSinceEpoch(), 1700000000200);
        QCOMPARE(result.events[0].attributes[0].value, QStringLiteral("declined"));
        QCOMPARE(result.links.size(), 1);
        QCOMPARE(result.links[0].traceId, QStringLiteral("ff000000000000000000000000000001"));
        QCOMPARE(result.links[0].spanId, QStringLiteral("0000000000000002"));
        QCOMPARE(result.resource.size(), 1);
        QCOMPARE(result.resource[0].value, QStringLiteral("payments"));
        QCOMPARE(result.scopeName, QStringLiteral("aegis-client"));
        QCOMPARE(result.scopeVersion, QStringLiteral("0.9.0"));
        QCOMPARE(result.droppedAttributes, 3);
    }

    void serviceGraph() {
        v1::GetServiceGraphResponse response;
        auto *checkout = response.add_nodes();
        checkout->set_service("checkout");
        checkout->set_version("1.4.2");
        checkout->set_colour("green");
        checkout->set_request_rate(12.5);
        auto *payments = response.add_nodes();
        payments->set_service("payments");
        payments->set_error_ratio(0.07);
        auto *edge = response.add_edges();
        edge->set_caller(0);
        edge->set_callee(1);
        edge->set_call_rate(3.5);
        edge->set_error_ratio(0.07);
        setDuration(edge->mutable_p50(), 12000000);
        setDuration(edge->mutable_p99(), 1450000000);
        edge->set_calls(3150);
        auto *dangling = response.add_edges();
        dangling->set_caller(0);
        dangling->set_callee(7);
        response.mutable_end_time()->set_seconds(1700000000);

        const ServiceGraph graph = fromProto(response);
        QCOMPARE(graph.nodes.size(), 2);
        QCOMPARE(graph.nodes[0].service, QStringLiteral("checkout"));
        QCOMPARE(graph.nodes[0].version, QStringLiteral("1.4.2"));
        QCOMPARE(graph.nodes[0].colour, QStringLiteral("green"));
        QCOMPARE(graph.nodes[0].requestRate, 12.5);
        QCOMPARE(graph.nodes[1].errorRatio, 0.07);
        // The edge to a node that is not there is left out.
        QCOMPARE(graph.edges.size(), 1);
        QCOMPARE(graph.edges[0].caller, 0);
        QCOMPARE(graph.edges[0].callee, 1);
        QCOMPARE(graph.edges[0].callRate, 3.5);
        QCOMPARE(graph.edges[0].p50Nanos, 12000000);
        QCOMPARE(graph.edges[0].p99Nanos, 1450000000);
        QCOMPARE(graph.edges[0].calls, 3150);
        QCOMPARE(graph.end.toMSecsSinceEpoch(), 1700000000000);
        QVERIFY(!graph.start.isValid());
    }

    void comparisonListsAndStatus() {
        v1::CompareTracesResponse compare;
        compare.mutable_left()->set_root_service("checkout");
        auto *path = compare.add_paths();
        path->set_path("checkout:POST /orders > payments:charge");
        path->set_depth(1);
        path->set_left_count(1);
        path->set_right_count(3);
        setDuration(path->mutable_left_duration(), 20000000);
        setDuration(path->mutable_right_duration(), 2500000000);
        path->set_right_errors(2);
        const TraceComparison comparison = fromProto(compare);
        QCOMPARE(comparison.left.rootService, QStringLiteral("checkout"));
        QCOMPARE(comparison.paths.size(), 1);
        QCOMPARE(comparison.paths[0].path,
                 QStringLiteral("checkout:POST /orders > payments:charge"));
        QCOMPARE(comparison.paths[0].depth, 1);
        QCOMPARE(comparison.paths[0].rightCount, 3);
        QCOMPARE(comparison.paths[0].rightDurationNanos, 2500000000);
        QCOMPARE(comparison.paths[0].rightErrors, 2);

        v1::ListTraceServicesResponse services;
        auto *service = services.add_services();
        service->set_name("checkout");
        service->set_span_count(900);
        service->set_operation_count(4);
        service->add_versions("1.4.2");
        service->add_colours("blue");
        service->add_colours("green");
        const QList<TraceServiceInfo> serviceList = fromProto(services);
        QCOMPARE(serviceList.size(), 1);
        QCOMPARE(serviceList[0].spanCount, 900);
        QCOMPARE(serviceList[0].operationCount, 4);
        QCOMPARE(serviceList[0].colours, (QStringList{"blue", "green"}));

        v1::ListOperationsResponse operations;
        auto *operation = operations.add_operations();
        operation->set_name("POST /orders");
        operation->set_kind(otlp::trace::v1::Span::SPAN_KIND_SERVER);
        operation->set_span_count(17);
        const QList<TraceOperationInfo> operationList = fromProto(operations);
        QCOMPARE(operationList[0].kind, SpanKind::Server);
        QCOMPARE(operationList[0].spanCount, 17);

        v1::ListAttributeKeysResponse keys;
        keys.add_keys()->set_key("http.route");
        auto *resourceKey = keys.add_keys();
        resourceKey->set_key("service.version");
        resourceKey->set_resource(true);
        const QList<TraceAttributeKey> keyList = fromProto(keys);
        QCOMPARE(keyList.size(), 2);
        QVERIFY(!keyList[0].resource);
        QVERIFY(keyList[1].resource);

        v1::GetTracingStatusResponse status;
        status.set_store_enabled(true);
        status.set_otlp_grpc_address("127.0.0.1:4317");
        status.set_otlp_http_path("/v1/traces");
        status.set_spans_stored(1234);
        setDuration(status.mutable_retention_age(), 7ll * 24 * 3600 * 1000000000);
        auto *forwarding = status.add_forwarding();
        forwarding->set_endpoint("collector:4317");
        forwarding->set_last_error("connection refused");
        const TracingStatus result = fromProto(status);
        QVERIFY(result.storeEnabled);
        QCOMPARE(result.otlpGrpcAddress, QStringLiteral("127.0.0.1:4317"));
        QCOMPARE(result.otlpHttpPath, QStringLiteral("/v1/traces"));
        QCOMPARE(result.spansStored, 1234);
        QCOMPARE(result.retentionAgeMs, 7ll * 24 * 3600 * 1000);
        QVERIFY(!result.oldestSpan.isValid());
        QCOMPARE(result.forwarding.size(), 1);
        QCOMPARE(result.forwarding[0].lastError, QStringLiteral("connection refused"));
    }

    void againstRealDaemon() {
        auto daemon = testing::DaemonProcess::start();
        QVERIFY2(daemon.isOk(), daemon.status().toString().c_str());
        QVERIFY2(!(*daemon)->otlpAddress().empty(), "the daemon reported no OTLP address");
        Session session;
        ConnectionSettings settings;
        settings.address = QString::fromStdString((*daemon)->grpcAddress());
        settings.tokenFile = QString::fromStdString((*daemon)->adminTokenFile().string());
        session.connectTo(settings);
        TracesApi api(&session);

        // Nothing stored yet: the status names where spans go.
        {
            const auto status =
                await<TracingStatus>([&api](QObject *context, ResultHandler<TracingStatus> done) {
                    api.status(context, std::move(done));
                });
            QVERIFY(status && status->ok());
            QVERIFY(status->value().storeEnabled);
            QCOMPARE(status->value().otlpGrpcAddress,
                     QString::fromStdString((*daemon)->otlpAddress()));
            QCOMPARE(status->value().tracesStored, 0);
        }

        const std::uint64_t now = std::uint64_t(QDateTime::currentMSecsSinceEpoch()) * 1000000;
        const std::uint64_t second = 1000000000;
        for (const auto &[trace, start, failing] :
             {std::tuple<std::uint64_t, std::uint64_t, bool>{1, now - 120 * second, false},
              {2, now - 60 * second, true}}) {
            const grpc::Status exported =
                exportSpans((*daemon)->otlpAddress(), checkoutTrace(trace, start, failing));
            QVERIFY2(exported.ok(), exported.error_message().c_str());
        }

        // Ingest is batched: poll until both traces are searchable.
        TraceSearch search;
        search.service = QStringLiteral("checkout");
        QTRY_VERIFY_WITH_TIMEOUT(
            [&] {
                const auto found = await<TraceSearchResult>(
                    [&](QObject *context, ResultHandler<TraceSearchResult> done) {
                        api.search(search, context, std::move(done));
                    });
                return found && found->ok() && found->value().traces.size() == 2;
            }(),
            20000);
        search.tagQuery = QStringLiteral("error AND service = payments");
        search.service.clear();
        const auto failing =
            await<TraceSearchResult>([&](QObject *context, ResultHandler<TraceSearchResult> done) {
                api.search(search, context, std::move(done));
            });
        QVERIFY(failing && failing->ok());
        QCOMPARE(failing->value().traces.size(), 1);
        const TraceSummary summary = failing->value().traces[0];
        QCOMPARE(summary.traceId, traceHex(2));
        QCOMPARE(summary.rootService, QStringLiteral("checkout"));
        QCOMPARE(summary.rootOperation, QStringLiteral("POST /orders"));
        QCOMPARE(summary.spanCount, 5);
        QVERIFY(summary.errorCount >= 2);
        QCOMPARE(summary.durationNanos, 180000000);
        QVERIFY(summary.hasRoot);
        QCOMPARE(summary.services.size(), 3);

        // A query the daemon refuses names where.
        search.tagQuery = QStringLiteral("service = checkout AND (");
        const auto refused =
            await<TraceSearchResult>([&](QObject *context, ResultHandler<TraceSearchResult> done) {
                api.search(search, context, std::move(done));
            });
        QVERIFY(refused && !refused->ok());
        QCOMPARE(refused->error().code, int(grpc::StatusCode::INVALID_ARGUMENT));
        QVERIFY2(refused->error().message.startsWith(QStringLiteral("tag_query: 1:")),
                 qPrintable(refused->error().message));

        // The trace: its timeline, one span in full on request.
        const QString paymentsSpan = idToHex(idBytes(0, 204, 8));
        const auto trace =
            await<TraceDetail>([&](QObject *context, ResultHandler<TraceDetail> done) {
                api.getTrace(traceHex(2), false, {paymentsSpan}, context, std::move(done));
            });
        QVERIFY(trace && trace->ok());
        const TraceTimeline &timeline = trace->value().timeline;
        QCOMPARE(timeline.size(), std::size_t(5));
        QCOMPARE(timeline.strings[timeline.services[0]], QStringLiteral("checkout"));
        QCOMPARE(timeline.parentSpanIds[0], 0ull);
        QCOMPARE(timeline.spanIds[0], 201ull);
        QVERIFY(timeline.flags[0] & timeline_flag::Error);
        QCOMPARE(timeline.strings[timeline.colours[0]], QStringLiteral("green"));
        QCOMPARE(trace->value().spans.size(), 1);
        const SpanDetail &detail = trace->value().spans[0];
        QCOMPARE(detail.spanId, paymentsSpan);
        QCOMPARE(detail.statusCode, QStringLiteral("error"));
        QCOMPARE(detail.statusMessage, QStringLiteral("card declined"));
        QCOMPARE(detail.attributes.size(), 1);
        QCOMPARE(detail.attributes[0].value, QStringLiteral("card"));

        // An unknown trace is NOT_FOUND.
        const auto missing =
            await<TraceDetail>([&](QObject *context, ResultHandler<TraceDetail> done) {
                api.getTrace(traceHex(99), false, {}, context, std::move(done));
            });
        QVERIFY(missing && !missing->ok());
        QCOMPARE(missing->error().code, int(grpc::StatusCode::NOT_FOUND));

        // Completion lists.
        const auto services = await<QList<TraceServiceInfo>>(
            [&](QObject *context, ResultHandler<QList<TraceServiceInfo>> done) {
                api.listServices({}, {}, context, std::move(done));
            });
        QVERIFY(services.has_value());
        QVERIFY2(services->ok(),
                 qPrintable(services->ok() ? QString() : services->error().describe()));
        QStringList names;
        for (const TraceServiceInfo &service : services->value()) {
            names.append(service.name);
        }
        names.sort();
        QCOMPARE(names, (QStringList{"checkout", "inventory", "payments"}));
        const auto operations = await<QList<TraceOperationInfo>>(
            [&](QObject *context, ResultHandler<QList<TraceOperationInfo>> done) {
                api.listOperations(QStringLiteral("checkout"), {}, {}, context, std::move(done));
            });
        QVERIFY(operations && operations->ok());
        QStringList operationNames;
        for (const TraceOperationInfo &operation : operations->value()) {
            operationNames.append(operation.name);
        }
        QVERIFY2(operationNames.contains(QStringLiteral("POST /orders")),
                 qPrintable(operationNames.join(", ")));
        const auto keys = await<QList<TraceAttributeKey>>(
            [&](QObject *context, ResultHandler<QList<TraceAttributeKey>> done) {
                api.listAttributeKeys({}, QStringLiteral("re"), 0, context, std::move(done));
            });
        QVERIFY(keys && keys->ok());
        QStringList keyNames;
        for (const TraceAttributeKey &key : keys->value()) {
            keyNames.append(key.key);
        }
        QVERIFY2(keyNames.contains(QStringLiteral("region")), qPrintable(keyNames.join(", ")));
        const auto values = await<QStringList>([&](QObject *context,
                                                   ResultHandler<QStringList> done) {
            api.listAttributeValues(QStringLiteral("region"), {}, {}, 0, context, std::move(done));
        });
        QVERIFY(values && values->ok());
        QCOMPARE(values->value(), QStringList{"eu-west-1"});

        // The graph: checkout calls payments and inventory.
        const auto graph =
            await<ServiceGraph>([&](QObject *context, ResultHandler<ServiceGraph> done) {
                api.serviceGraph({}, 3600 * 1000, false, context, std::move(done));
            });
        QVERIFY(graph && graph->ok());
        QStringList edges;
        for (const ServiceGraphEdge &edge : graph->value().edges) {
            edges.append(graph->value().nodes[edge.caller].service + QStringLiteral("->") +
                         graph->value().nodes[edge.callee].service);
        }
        edges.sort();
        QCOMPARE(edges, (QStringList{"checkout->inventory", "checkout->payments"}));

        // The comparison: the same paths, the failing one slower.
        const auto comparison =
            await<TraceComparison>([&](QObject *context, ResultHandler<TraceComparison> done) {
                api.compare(traceHex(1), traceHex(2), context, std::move(done));
            });
        QVERIFY(comparison && comparison->ok());
        QCOMPARE(comparison->value().left.traceId, traceHex(1));
        QVERIFY(!comparison->value().paths.isEmpty());
        QCOMPARE(comparison->value().paths[0].depth, 0);
        QVERIFY(comparison->value().paths[0].path.startsWith(QStringLiteral("checkout")));

        // The export is OTLP JSON that reads back as the five spans.
        const auto json = await<QByteArray>([&](QObject *context, ResultHandler<QByteArray> done) {
            api.exportOtlpJson(traceHex(2), context, std::move(done));
        });
        QVERIFY(json && json->ok());
        const auto decoded = tracing::fromOtlpJson(json->value().toStdString());
        QVERIFY2(decoded.isOk(), decoded.status().toString().c_str());
        int spans = 0;
        for (const auto &resource : decoded->resource_spans()) {
            for (const auto &scope : resource.scope_spans()) {
                spans += scope.spans_size();
            }
        }
        QCOMPARE(spans, 5);
        QVERIFY(json->value().contains(traceHex(2).toLatin1()));
    }

    void fullTraceLargerThanTheStandardChannel() {
        auto daemon = testing::DaemonProcess::start();
        QVERIFY2(daemon.isOk(), daemon.status().toString().c_str());
        // 48,000 spans with a 400-byte attribute each: about 23 MB in OTLP form, above the
        // standard channel's 16 MiB.
        constexpr int kBatches = 6;
        constexpr int kPerBatch = 8000;
        const std::uint64_t start = std::uint64_t(QDateTime::currentMSecsSinceEpoch()) * 1000000;
        const std::string padding(400, 'x');
        for (int batch = 0; batch < kBatches; ++batch) {
            std::vector<otlp::trace::v1::Span> spans;
            spans.reserve(kPerBatch);
            for (int i = 0; i < kPerBatch; ++i) {
                const std::uint64_t id = std::uint64_t(batch * kPerBatch + i + 1);
                auto one = span(7, id, id == 1 ? 0 : 1, "step",
                                otlp::trace::v1::Span::SPAN_KIND_INTERNAL, start + id * 1000, 500);
                addAttribute(one, "payload", padding);
                spans.push_back(std::move(one));
            }
            otlp::collector::trace::v1::ExportTraceServiceRequest request;
            addResource(request, "batch", "1.0.0", "blue", std::move(spans));
            const grpc::Status exported = exportSpans((*daemon)->otlpAddress(), request);
            QVERIFY2(exported.ok(), exported.error_message().c_str());
        }
        Session session;
        ConnectionSettings settings;
        settings.address = QString::fromStdString((*daemon)->grpcAddress());
        settings.tokenFile = QString::fromStdString((*daemon)->adminTokenFile().string());
        session.connectTo(settings);
        TracesApi api(&session);
        QTRY_VERIFY_WITH_TIMEOUT(
            [&] {
                const auto timeline =
                    await<TraceDetail>([&](QObject *context, ResultHandler<TraceDetail> done) {
                        api.getTrace(traceHex(7), false, {}, context, std::move(done));
                    });
                return timeline && timeline->ok() &&
                       timeline->value().timeline.size() == std::size_t(kBatches * kPerBatch);
            }(),
            60000);
        const auto full = await<TraceDetail>(
            [&](QObject *context, ResultHandler<TraceDetail> done) {
                api.getTrace(traceHex(7), true, {}, context, std::move(done));
            },
            60000);
        QVERIFY(full.has_value());
        QVERIFY2(full->ok(), qPrintable(full->ok() ? QString() : full->error().describe()));
        QCOMPARE(full->value().spans.size(), kBatches * kPerBatch);
        QCOMPARE(full->value().spans.last().attributes[0].value.size(), 400);
    }
};

QTEST_GUILESS_MAIN(TestConsoleTracesApi)
#include "tst_console_traces_api.moc"
