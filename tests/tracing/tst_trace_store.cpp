// The span store on a real SQLite file: what is appended comes back exactly, survives a reopen,
// and every query answers from it; retention by age and by size, tail-sampling deletes, the
// attribute index across merged runs.

#include "api_test_helpers.h"
#include "daemon_process.h"
#include "otlp_builder.h"
#include "poll_until.h"
#include "tracing/trace_store.h"
#include "tracing/trace_store_internal.h"

#include <nlohmann/json.hpp>

#include <QtTest>

#include <future>
#include <limits>
#include <thread>

using namespace aegis;
using namespace aegis::testing;
using namespace std::chrono_literals;
namespace otlp = opentelemetry::proto;

namespace {

// 2026-01-01T00:00:00Z, a minute boundary.
constexpr std::uint64_t kBase = 1767225600ULL * 1'000'000'000ULL;

tracing::TraceId idOf(const std::string &bytes) {
    return *tracing::traceIdFromBytes(bytes);
}

tracing::SpanBatchPtr batchOf(otlp::collector::trace::v1::ExportTraceServiceRequest request,
                              std::int64_t received = static_cast<std::int64_t>(kBase)) {
    auto batch = std::make_shared<tracing::SpanBatch>();
    batch->spanCount = tracing::countSpans(request);
    batch->request = std::move(request);
    batch->receivedUnixNano = received;
    return batch;
}

Status append(tracing::TraceStore &store, tracing::SpanBatchPtr batch) {
    std::promise<Status> done;
    store.accept(std::move(batch), [&done](Status status) { done.set_value(status); });
    return done.get_future().get();
}

// `count` traces of one span each, numbered from `first` (distinct from traceBytes' ids).
otlp::collector::trace::v1::ExportTraceServiceRequest
singleSpanTraces(int first, int count, std::uint64_t start, const std::string &operation = "op") {
    otlp::collector::trace::v1::ExportTraceServiceRequest request;
    auto *scope = addScope(addResource(request, {{"service.name", "svc"}}), "s");
    for (int i = first; i < first + count; ++i) {
        std::string trace(16, '\x7f');
        for (int b = 0; b < 4; ++b) {
            trace[12 + b] = static_cast<char>(i >> (8 * (3 - b)));
        }
        addSpan(scope, {trace, 1, 0, operation, {}, start, kMs, false, {}});
    }
    return request;
}

tracing::TagQuery queryOf(const std::string &text) {
    auto parsed = tracing::TagQuery::parse(text);
    if (auto *error = std::get_if<tracing::TagQueryError>(&parsed)) {
        qFatal("bad query %s: %s", text.c_str(), error->text().c_str());
    }
    return std::get<tracing::TagQuery>(std::move(parsed));
}

} // namespace

class TestTraceStore : public QObject {
    Q_OBJECT

private slots:
    void init();
    void cleanup();
    void fullTraceIsWhatWasReceived();
    void timelineIsColumnarByStart();
    void acknowledgedBatchesSurviveReopen();
    void spanWithoutServiceName();
    void searchBy_data();
    void searchBy();
    void searchLimitsAndTruncates();
    void tagIndexAcrossMergedRuns();
    void listsServicesOperationsAndAttributes();
    void serviceGraphFromClientAndServerSpans();
    void compareAlignsPaths();
    void retentionByAge();
    void retentionBySize();
    void tailSamplingCandidatesAndDeletes();
    void closeDoesNotWaitForRetentionBacklog();
    void fullQueueRefusesWithUnavailable();
    void retentionByAgeIgnoresFutureStarts();
    void largeTracesAndWindowsAreBounded();
    void sizeRetentionKeepsNewTracesItCannotHelp();
    void compareFoldsDeepPathsAndRefusesHugeTraces();
    void structuredAttributesAreValidJson();

private:
    tracing::TraceStoreOptions options() const;
    void fill();

    std::unique_ptr<TempDir> m_dir;
    std::shared_ptr<ManualClock> m_clock;
    std::unique_ptr<tracing::TraceStore> m_store;
};

tracing::TraceStoreOptions TestTraceStore::options() const {
    tracing::TraceStoreOptions options;
    options.path = m_dir->path() / "traces.db";
    options.batchMaxDelay = 1ms;
    options.clock = m_clock;
    return options;
}

void TestTraceStore::init() {
    m_dir = std::make_unique<TempDir>();
    m_clock = std::make_shared<ManualClock>(std::chrono::system_clock::time_point(
        std::chrono::nanoseconds(kBase + 3600ULL * 1'000'000'000ULL)));
    auto store = tracing::TraceStore::open(options());
    QVERIFY2(store.isOk(), store.status().message().c_str());
    m_store = std::move(*store);
}

void TestTraceStore::cleanup() {
    m_store.reset();
    m_dir.reset();
}

// Trace 1 (fine) at +0 s, trace 2 (payment fails) at +60 s, trace 3 (fine) at +120 s, each
// received as it starts.
void TestTraceStore::fill() {
    for (std::uint8_t seed : {1, 2, 3}) {
        const std::uint64_t start = kBase + (seed - 1) * 60'000 * kMs;
        QVERIFY(append(*m_store, batchOf(checkoutTrace(seed, start, seed == 2),
                                         static_cast<std::int64_t>(start)))
                    .isOk());
    }
}

void TestTraceStore::fullTraceIsWhatWasReceived() {
    const auto request = checkoutTrace(1, kBase, false);
    QVERIFY(append(*m_store, batchOf(request)).isOk());
    tracing::TraceRequest wanted;
    wanted.traceId = idOf(traceBytes(1));
    wanted.full = true;
    auto detail = m_store->trace(wanted);
    QVERIFY2(detail.isOk(), detail.status().message().c_str());
    // TracesData and ExportTraceServiceRequest share their field: equal bytes, equal content.
    QCOMPARE(detail->spans.SerializeAsString(), request.SerializeAsString());

    QCOMPARE(detail->summary.rootService, std::string("checkout"));
    QCOMPARE(detail->summary.rootOperation, std::string("POST /checkout"));
    QVERIFY(detail->summary.hasRoot);
    QCOMPARE(detail->summary.spanCount, 4u);
    QCOMPARE(detail->summary.startUnixNano, static_cast<std::int64_t>(kBase));
    QCOMPARE(detail->summary.durationNanos, static_cast<std::int64_t>(120 * kMs));
    QCOMPARE(detail->summary.services.size(), std::size_t(2));
    QCOMPARE(detail->summary.services[0].service, std::string("checkout"));
    QCOMPARE(detail->summary.services[0].spanCount, 3u);

    // Only the spans asked for, still grouped by their resource and scope.
    wanted.full = false;
    wanted.spanIds = {*tracing::spanIdFromBytes(spanBytes((1 << 16) + 4))};
    detail = m_store->trace(wanted);
    QVERIFY(detail.isOk());
    QCOMPARE(detail->spans.resource_spans_size(), 1);
    QCOMPARE(detail->spans.resource_spans(0).resource().SerializeAsString(),
             request.resource_spans(1).resource().SerializeAsString());
    QCOMPARE(detail->spans.resource_spans(0).scope_spans(0).spans(0).SerializeAsString(),
             request.resource_spans(1).scope_spans(0).spans(0).SerializeAsString());

    wanted.traceId = idOf(traceBytes(99));
    QCOMPARE(m_store->trace(wanted).status().code(), StatusCode::NotFound);
}

void TestTraceStore::timelineIsColumnarByStart() {
    QVERIFY(append(*m_store, batchOf(checkoutTrace(1, kBase, true))).isOk());
    tracing::TraceRequest wanted;
    wanted.traceId = idOf(traceBytes(1));
    auto detail = m_store->trace(wanted);
    QVERIFY(detail.isOk());
    QCOMPARE(detail->spans.resource_spans_size(), 0);
    const tracing::TraceTimeline &t = detail->timeline;
    QCOMPARE(t.startUnixNano, static_cast<std::int64_t>(kBase));
    QCOMPARE(t.strings.at(0), std::string());
    const std::uint64_t base = 1 << 16;
    QCOMPARE(t.spanIds, (std::vector<std::uint64_t>{base + 1, base + 2, base + 4, base + 3}));
    QCOMPARE(t.parentSpanIds, (std::vector<std::uint64_t>{0, base + 1, base + 2, base + 1}));
    QCOMPARE(t.startOffsetsNanos, (std::vector<std::uint64_t>{0, 10 * kMs, 15 * kMs, 95 * kMs}));
    QCOMPARE(t.durationsNanos,
             (std::vector<std::uint64_t>{120 * kMs, 80 * kMs, 70 * kMs, 20 * kMs}));
    // server + error + events; client + error; server + error; client + links.
    QCOMPARE(t.flags, (std::vector<std::uint32_t>{2 | 8 | 32, 3 | 8, 2 | 8, 3 | 64}));
    QCOMPARE(t.strings.at(t.services[2]), std::string("payments"));
    QCOMPARE(t.strings.at(t.operations[2]), std::string("Pay"));
    QCOMPARE(t.strings.at(t.versions[0]), std::string("1.4.0"));
    QCOMPARE(t.strings.at(t.colours[0]), std::string("blue"));
    QCOMPARE(t.strings.at(t.colours[2]), std::string("green")); // the resource's "color"
}

void TestTraceStore::acknowledgedBatchesSurviveReopen() {
    fill();
    const auto before = m_store->status();
    QCOMPARE(before.spansStored, std::uint64_t(12));
    QCOMPARE(before.tracesStored, std::uint64_t(3));
    m_store.reset();
    auto reopened = tracing::TraceStore::open(options());
    QVERIFY(reopened.isOk());
    m_store = std::move(*reopened);
    QCOMPARE(m_store->status().spansStored, std::uint64_t(12));
    QCOMPARE(m_store->status().tracesStored, std::uint64_t(3));
    tracing::TraceRequest wanted;
    wanted.traceId = idOf(traceBytes(3));
    wanted.full = true;
    auto detail = m_store->trace(wanted);
    QVERIFY(detail.isOk());
    QCOMPARE(detail->spans.SerializeAsString(),
             checkoutTrace(3, kBase + 120'000 * kMs, false).SerializeAsString());
    // A trace continued after the reopen keeps its spans together.
    otlp::collector::trace::v1::ExportTraceServiceRequest more;
    auto *scope = addScope(addResource(more, {{"service.name", "checkout"}}), "late");
    addSpan(scope,
            {traceBytes(3), 99, (3 << 16) + 1, "late", {}, kBase + 120'000 * kMs, kMs, false, {}});
    QVERIFY(append(*m_store, batchOf(more)).isOk());
    wanted.full = false;
    QCOMPARE(m_store->trace(wanted)->summary.spanCount, 5u);
    QCOMPARE(m_store->status().tracesStored, std::uint64_t(3));
}

void TestTraceStore::spanWithoutServiceName() {
    otlp::collector::trace::v1::ExportTraceServiceRequest request;
    auto *scope = addScope(addResource(request, {{"host.name", "box"}}), "raw");
    addSpan(scope, {traceBytes(9), 1, 0, "work", {}, kBase, kMs, false, {}});
    QVERIFY(append(*m_store, batchOf(request)).isOk());
    tracing::TraceRequest wanted;
    wanted.traceId = idOf(traceBytes(9));
    auto detail = m_store->trace(wanted);
    QVERIFY(detail.isOk());
    QCOMPARE(detail->summary.rootService, std::string("unknown_service"));
    const auto &t = detail->timeline;
    QCOMPARE(t.strings.at(t.services[0]), std::string("unknown_service"));
    QCOMPARE(t.versions[0], 0u);
    QCOMPARE(t.colours[0], 0u);
    tracing::TraceSearch search;
    search.service = "unknown_service";
    search.fromUnixNano = static_cast<std::int64_t>(kBase);
    search.toUnixNano = static_cast<std::int64_t>(kBase + kMs);
    QCOMPARE(m_store->search(search)->traces.size(), std::size_t(1));
}

void TestTraceStore::searchBy_data() {
    QTest::addColumn<QString>("service");
    QTest::addColumn<QString>("operation");
    QTest::addColumn<qint64>("minDurationMs");
    QTest::addColumn<qint64>("maxDurationMs");
    QTest::addColumn<QString>("tags");
    QTest::addColumn<QList<int>>("seeds"); // newest first

    QTest::newRow("everything") << ""
                                << "" << -1LL << -1LL << "" << QList<int>{3, 2, 1};
    QTest::newRow("service") << "payments"
                             << "" << -1LL << -1LL << "" << QList<int>{3, 2, 1};
    QTest::newRow("unknown service") << "nobody"
                                     << "" << -1LL << -1LL << "" << QList<int>{};
    QTest::newRow("operation") << "checkout"
                               << "SELECT orders" << -1LL << -1LL << "" << QList<int>{3, 2, 1};
    QTest::newRow("duration range") << ""
                                    << "" << 115LL << 125LL << "" << QList<int>{3, 2, 1};
    QTest::newRow("duration over several classes")
        << ""
        << "" << 15LL << -1LL << "" << QList<int>{3, 2, 1};
    QTest::newRow("duration nothing") << ""
                                      << "" << 121LL << 500LL << "" << QList<int>{};
    QTest::newRow("error pseudo-key") << ""
                                      << "" << -1LL << -1LL << "error = true" << QList<int>{2};
    QTest::newRow("three indexed terms")
        << ""
        << "" << -1LL << -1LL
        << "payment.method = card AND http.response.status_code = 502 AND region = eu-west-1"
        << QList<int>{};
    QTest::newRow("three terms on one span")
        << ""
        << "" << -1LL << -1LL
        << "payment.method = card http.response.status_code = 502 service.version = \"2.0.0\""
        << QList<int>{2};
    QTest::newRow("resource attribute")
        << "payments"
        << "" << -1LL << -1LL << "service.version = \"2.0.0\"" << QList<int>{3, 2, 1};
    QTest::newRow("wildcard") << ""
                              << "" << -1LL << -1LL << "region = \"eu-*\"" << QList<int>{3, 2, 1};
    QTest::newRow("or") << ""
                        << "" << -1LL << -1LL << "payment.method = card OR payment.method = cash"
                        << QList<int>{2};
    QTest::newRow("not") << "payments"
                         << "" << -1LL << -1LL << "NOT payment.method = card" << QList<int>{3, 1};
    QTest::newRow("integer value") << ""
                                   << "" << -1LL << -1LL << "db.rows = 42" << QList<int>{3, 2, 1};
    QTest::newRow("ordering operator") << ""
                                       << "" << -1LL << -1LL << "db.rows > 100" << QList<int>{};
    QTest::newRow("service and tag on other span")
        << "checkout"
        << "" << -1LL << -1LL << "payment.method = card" << QList<int>{};
}

void TestTraceStore::searchBy() {
    QFETCH(QString, service);
    QFETCH(QString, operation);
    QFETCH(qint64, minDurationMs);
    QFETCH(qint64, maxDurationMs);
    QFETCH(QString, tags);
    QFETCH(QList<int>, seeds);
    fill();
    tracing::TraceSearch search;
    search.service = service.toStdString();
    search.operation = operation.toStdString();
    search.fromUnixNano = static_cast<std::int64_t>(kBase);
    search.toUnixNano = static_cast<std::int64_t>(kBase + 3600'000 * kMs);
    if (minDurationMs >= 0) {
        search.minDurationNanos = minDurationMs * static_cast<std::int64_t>(kMs);
    }
    if (maxDurationMs >= 0) {
        search.maxDurationNanos = maxDurationMs * static_cast<std::int64_t>(kMs);
    }
    if (!tags.isEmpty()) {
        search.tagQuery = queryOf(tags.toStdString());
    }
    auto result = m_store->search(search);
    QVERIFY2(result.isOk(), result.status().message().c_str());
    QList<int> found;
    for (const auto &trace : result->traces) {
        found.append(trace.traceId == idOf(traceBytes(1))   ? 1
                     : trace.traceId == idOf(traceBytes(2)) ? 2
                                                            : 3);
    }
    QCOMPARE(found, seeds);
    QVERIFY(!result->truncated);
}

void TestTraceStore::searchLimitsAndTruncates() {
    fill();
    tracing::TraceSearch search;
    search.fromUnixNano = static_cast<std::int64_t>(kBase + 30'000 * kMs);
    search.toUnixNano = static_cast<std::int64_t>(kBase + 3600'000 * kMs);
    search.limit = 1;
    auto result = m_store->search(search);
    QVERIFY(result.isOk());
    QCOMPARE(result->traces.size(), std::size_t(1));
    QVERIFY(result->truncated);
    QCOMPARE(result->traces[0].traceId, idOf(traceBytes(3)));
    search.limit = 2; // traces 3 and 2 start in the range; 1 does not
    result = m_store->search(search);
    QCOMPARE(result->traces.size(), std::size_t(2));
    QVERIFY(!result->truncated);
    QCOMPARE(result->traces[1].errorCount, 3u);
    QCOMPARE(result->traces[1].services.size(), std::size_t(2));
}

void TestTraceStore::tagIndexAcrossMergedRuns() {
    // One batch per trace: 70 runs, merged 8 at a time as they accumulate.
    for (int i = 0; i < 70; ++i) {
        otlp::collector::trace::v1::ExportTraceServiceRequest request;
        auto *scope = addScope(addResource(request, {{"service.name", "svc"}}), "s");
        addSpan(scope, {traceBytes(static_cast<std::uint8_t>(i)),
                        1,
                        0,
                        "op",
                        {},
                        kBase + static_cast<std::uint64_t>(i) * kMs,
                        kMs,
                        false,
                        {{"order", std::to_string(i)}, {"parity", i % 2 ? "odd" : "even"}}});
        QVERIFY(append(*m_store, batchOf(request)).isOk());
    }
    tracing::TraceSearch search;
    search.fromUnixNano = static_cast<std::int64_t>(kBase);
    search.toUnixNano = static_cast<std::int64_t>(kBase + 3600'000 * kMs);
    search.limit = 100;
    for (int i : {0, 7, 8, 35, 63, 64, 69}) {
        search.tagQuery =
            queryOf("order = " + std::to_string(i) + " parity = " + (i % 2 ? "odd" : "even"));
        auto result = m_store->search(search);
        QVERIFY(result.isOk());
        QCOMPARE(result->traces.size(), std::size_t(1));
        QCOMPARE(result->traces[0].traceId, idOf(traceBytes(static_cast<std::uint8_t>(i))));
    }
    search.tagQuery = queryOf("parity = odd");
    QCOMPARE(m_store->search(search)->traces.size(), std::size_t(35));
}

void TestTraceStore::listsServicesOperationsAndAttributes() {
    fill();
    const auto from = static_cast<std::int64_t>(kBase);
    const auto to = static_cast<std::int64_t>(kBase + 3600'000 * kMs);
    auto services = m_store->services(from, to);
    QVERIFY(services.isOk());
    QCOMPARE(services->size(), std::size_t(2));
    QCOMPARE((*services)[0].name, std::string("checkout"));
    QCOMPARE((*services)[0].spanCount, std::uint64_t(9));
    QCOMPARE((*services)[0].operationCount, 3u);
    QCOMPARE((*services)[0].versions, std::vector<std::string>{"1.4.0"});
    QCOMPARE((*services)[1].colours, std::vector<std::string>{"green"});
    // Only trace 1 started in the first minute.
    services = m_store->services(from, from + 60'000 * static_cast<std::int64_t>(kMs));
    QCOMPARE((*services)[0].spanCount, std::uint64_t(3));

    auto operations = m_store->operations("checkout", from, to);
    QVERIFY(operations.isOk());
    QCOMPARE(operations->size(), std::size_t(3));
    QCOMPARE((*operations)[0].name, std::string("POST /checkout"));
    QCOMPARE((*operations)[0].kind, 2);
    QCOMPARE((*operations)[0].spanCount, std::uint64_t(3));

    auto keys = m_store->attributeKeys("", "", 200);
    QVERIFY(keys.isOk());
    std::vector<std::string> names;
    for (const auto &key : *keys) {
        names.push_back(key.key + (key.resource ? "(r)" : ""));
    }
    QVERIFY(std::find(names.begin(), names.end(), "region(r)") != names.end());
    QVERIFY(std::find(names.begin(), names.end(), "payment.method") != names.end());
    keys = m_store->attributeKeys("payments", "http.", 200);
    QCOMPARE(keys->size(), std::size_t(1));
    QCOMPARE(keys->front().key, std::string("http.response.status_code"));

    // Counts of values already known are written every few seconds, and at close.
    m_store.reset();
    auto reopened = tracing::TraceStore::open(options());
    QVERIFY(reopened.isOk());
    m_store = std::move(*reopened);
    auto values = m_store->attributeValues("payment.method", "", "", 10);
    QVERIFY(values.isOk());
    QCOMPARE(*values, (std::vector<std::string>{"invoice", "card"})); // most frequent first
    values = m_store->attributeValues("payment.method", "payments", "c", 10);
    QCOMPARE(*values, std::vector<std::string>{"card"});
}

void TestTraceStore::serviceGraphFromClientAndServerSpans() {
    fill();
    const auto from = static_cast<std::int64_t>(kBase);
    const auto to = from + 300'000 * static_cast<std::int64_t>(kMs);
    auto graph = m_store->serviceGraph(from, to, false);
    QVERIFY2(graph.isOk(), graph.status().message().c_str());
    std::map<std::string, tracing::ServiceGraphEdge> edges;
    for (const auto &edge : graph->edges) {
        edges[graph->nodes[edge.caller].service + ">" + graph->nodes[edge.callee].service] = edge;
    }
    QCOMPARE(edges.size(), std::size_t(2));
    const auto &pay = edges.at("checkout>payments");
    QCOMPARE(pay.calls, std::uint64_t(3));
    QCOMPARE(pay.errorRatio, 1.0 / 3.0);
    QCOMPARE(pay.p50Nanos, static_cast<std::int64_t>(80 * kMs));
    QCOMPARE(pay.callRate, 3.0 / 300.0);
    QCOMPARE(edges.at("checkout>orders-db").calls, std::uint64_t(3));
    QVERIFY(!graph->truncated);
    for (const auto &node : graph->nodes) {
        if (node.service == "payments") {
            QCOMPARE(node.requestRate, 3.0 / 300.0);
            QCOMPARE(node.errorRatio, 1.0 / 3.0);
        }
    }
    graph = m_store->serviceGraph(from, to, true);
    bool split = false;
    for (const auto &node : graph->nodes) {
        split |= node.service == "payments" && node.version == "2.0.0" && node.colour == "green";
    }
    QVERIFY(split);
}

void TestTraceStore::compareAlignsPaths() {
    fill();
    otlp::collector::trace::v1::ExportTraceServiceRequest extra;
    auto *scope = addScope(addResource(extra, {{"service.name", "payments"}}), "retry");
    addSpan(
        scope,
        {traceBytes(2), 77, (2 << 16) + 4, "Retry", {}, kBase + 60'020 * kMs, 5 * kMs, false, {}});
    QVERIFY(append(*m_store, batchOf(extra)).isOk());
    auto comparison = m_store->compare(idOf(traceBytes(1)), idOf(traceBytes(2)));
    QVERIFY2(comparison.isOk(), comparison.status().message().c_str());
    std::vector<std::string> paths;
    for (const auto &path : comparison->paths) {
        paths.push_back(std::to_string(path.depth) + " " + path.path + " " +
                        std::to_string(path.leftCount) + "/" + std::to_string(path.rightCount));
    }
    const std::string root = "checkout:POST /checkout";
    QCOMPARE(paths, (std::vector<std::string>{
                        "0 " + root + " 1/1",
                        "1 " + root + " > checkout:POST /pay 1/1",
                        "2 " + root + " > checkout:POST /pay > payments:Pay 1/1",
                        "3 " + root + " > checkout:POST /pay > payments:Pay > payments:Retry 0/1",
                        "1 " + root + " > checkout:SELECT orders 1/1",
                    }));
    QCOMPARE(comparison->paths[0].rightErrors, 1u);
    QCOMPARE(comparison->right.spanCount, 5u);
    QCOMPARE(m_store->compare(idOf(traceBytes(1)), idOf(traceBytes(50))).status().code(),
             StatusCode::NotFound);
}

void TestTraceStore::retentionByAge() {
    fill();
    // Retention is 72 h: move to 72 h after trace 2 started; traces 1 and 2 are older.
    m_clock->advance(std::chrono::hours(71) + std::chrono::minutes(1) + std::chrono::seconds(30));
    QVERIFY(m_store->enforceRetention().isOk());
    QCOMPARE(m_store->status().tracesStored, std::uint64_t(1));
    QCOMPARE(m_store->status().spansStored, std::uint64_t(4));
    tracing::TraceRequest wanted;
    wanted.traceId = idOf(traceBytes(1));
    QCOMPARE(m_store->trace(wanted).status().code(), StatusCode::NotFound);
    wanted.traceId = idOf(traceBytes(3));
    QVERIFY(m_store->trace(wanted).isOk());
    tracing::TraceSearch search;
    search.fromUnixNano = static_cast<std::int64_t>(kBase);
    search.toUnixNano = static_cast<std::int64_t>(kBase + 3600'000 * kMs);
    search.tagQuery = queryOf("region = eu-west-1");
    QCOMPARE(m_store->search(search)->traces.size(), std::size_t(1));
}

void TestTraceStore::retentionBySize() {
    // 300 traces with large attributes; then a limit a third of the size in use.
    const std::string padding(2000, 'x');
    for (int i = 0; i < 300; ++i) {
        otlp::collector::trace::v1::ExportTraceServiceRequest request;
        auto *scope = addScope(addResource(request, {{"service.name", "svc"}}), "s");
        std::string trace = traceBytes(static_cast<std::uint8_t>(i));
        trace[15] = static_cast<char>(i >> 8);
        addSpan(scope, {trace,
                        1,
                        0,
                        "op",
                        {},
                        kBase + static_cast<std::uint64_t>(i) * kMs,
                        kMs,
                        false,
                        {{"padding", padding + std::to_string(i)}}});
        QVERIFY(append(*m_store, batchOf(request)).isOk());
    }
    const auto full = m_store->status().bytes;
    QVERIFY(full > 600'000);
    m_store.reset();
    auto limited = options();
    limited.retentionMaxBytes = static_cast<std::int64_t>(full / 3);
    auto reopened = tracing::TraceStore::open(limited);
    QVERIFY(reopened.isOk());
    m_store = std::move(*reopened);
    QVERIFY(m_store->enforceRetention().isOk());
    const auto after = m_store->status();
    QVERIFY2(after.bytes <= full / 3, std::to_string(after.bytes).c_str());
    QVERIFY(after.tracesStored < 150);
    QVERIFY(after.tracesStored > 0);
    // The newest survive, the oldest went first.
    std::string newest = traceBytes(static_cast<std::uint8_t>(299));
    newest[15] = static_cast<char>(299 >> 8);
    tracing::TraceRequest wanted;
    wanted.traceId = idOf(newest);
    QVERIFY(m_store->trace(wanted).isOk());
    wanted.traceId = idOf(traceBytes(0));
    QCOMPARE(m_store->trace(wanted).status().code(), StatusCode::NotFound);
}

void TestTraceStore::tailSamplingCandidatesAndDeletes() {
    const auto received = static_cast<std::int64_t>(kBase);
    QVERIFY(append(*m_store, batchOf(checkoutTrace(1, kBase, false), received)).isOk());
    QVERIFY(append(*m_store, batchOf(checkoutTrace(2, kBase, true), received + 1000)).isOk());
    auto candidates = m_store->tracesLastReceivedBetween(received, received + 1000);
    QVERIFY(candidates.isOk());
    QCOMPARE(candidates->size(), std::size_t(1));
    const auto &first = candidates->front();
    QCOMPARE(first.traceId, idOf(traceBytes(1)));
    QCOMPARE(first.durationNanos, static_cast<std::int64_t>(120 * kMs));
    QVERIFY(!first.hasError);
    QCOMPARE(first.rootService, std::string("checkout"));
    auto services = first.services;
    std::sort(services.begin(), services.end());
    QCOMPARE(services, (std::vector<std::string>{"checkout", "payments"}));
    candidates = m_store->tracesLastReceivedBetween(received, received + 2000);
    QCOMPARE(candidates->size(), std::size_t(2));

    QVERIFY(m_store->deleteTraces({idOf(traceBytes(1)), idOf(traceBytes(77))}).isOk());
    tracing::TraceRequest wanted;
    wanted.traceId = idOf(traceBytes(1));
    QCOMPARE(m_store->trace(wanted).status().code(), StatusCode::NotFound);
    QCOMPARE(m_store->status().tracesStored, std::uint64_t(1));
    QCOMPARE(m_store->status().spansStored, std::uint64_t(4));
    tracing::TraceSearch search;
    search.fromUnixNano = static_cast<std::int64_t>(kBase);
    search.toUnixNano = static_cast<std::int64_t>(kBase + 3600'000 * kMs);
    search.tagQuery = queryOf("region = eu-west-1");
    QCOMPARE(m_store->search(search)->traces.size(), std::size_t(1));
}

void TestTraceStore::closeDoesNotWaitForRetentionBacklog() {
    QVERIFY(append(*m_store, batchOf(singleSpanTraces(0, 2500, kBase))).isOk());
    m_clock->advance(std::chrono::hours(73));
    const auto now = static_cast<std::int64_t>(kBase + 74ULL * 3600 * 1'000'000'000ULL);
    // The writer is held inside a batch's `done` while a retention pass and close() queue up.
    std::promise<void> release;
    std::shared_future<void> released = release.get_future().share();
    m_store->accept(batchOf(singleSpanTraces(10000, 1, kBase), now),
                    [released](Status) { released.wait(); });
    m_store->requestRetention();
    std::thread closer([this] { m_store->close(); });
    const bool closing = pollUntil([&] {
        auto refused = std::make_shared<std::atomic<bool>>(false);
        m_store->accept(batchOf(singleSpanTraces(20000, 1, kBase), now),
                        [refused](Status status) { *refused = !status.isOk(); });
        return refused->load();
    });
    release.set_value();
    closer.join();
    QVERIFY(closing);
    // One retention step ran (a chunk of 1000 traces); the rest waits for the next start.
    QVERIFY2(m_store->status().tracesStored >= 1500,
             std::to_string(m_store->status().tracesStored).c_str());
}

void TestTraceStore::fullQueueRefusesWithUnavailable() {
    for (const bool bySpans : {true, false}) {
        m_store.reset();
        auto limited = options();
        (bySpans ? limited.maxQueuedSpans : limited.maxQueuedBytes) = 1;
        limited.path = m_dir->path() / (bySpans ? "spans-limited.db" : "bytes-limited.db");
        auto reopened = tracing::TraceStore::open(limited);
        QVERIFY(reopened.isOk());
        m_store = std::move(*reopened);
        // The writer is held inside the first batch's `done`; the second waits, the third is
        // one too many.
        std::promise<void> entered;
        std::promise<void> release;
        std::shared_future<void> released = release.get_future().share();
        m_store->accept(batchOf(singleSpanTraces(1, 1, kBase)), [&entered, released](Status) {
            entered.set_value();
            released.wait();
        });
        entered.get_future().wait();
        std::promise<Status> second;
        m_store->accept(batchOf(singleSpanTraces(2, 1, kBase)),
                        [&second](Status status) { second.set_value(status); });
        std::optional<Status> third;
        m_store->accept(batchOf(singleSpanTraces(3, 1, kBase)),
                        [&third](Status status) { third = status; });
        release.set_value();
        QVERIFY(second.get_future().get().isOk());
        QVERIFY(third.has_value());
        QCOMPARE(third->code(), StatusCode::Unavailable);
        QVERIFY2(third->message().find("span store busy: 1 spans queued") != std::string::npos,
                 third->message().c_str());
        QCOMPARE(m_store->status().tracesStored, std::uint64_t(2));
        QCOMPARE(m_store->status().spansStored, std::uint64_t(2));
    }
}

void TestTraceStore::retentionByAgeIgnoresFutureStarts() {
    // The first trace to arrive claims to start in 2100; all were received at kBase.
    constexpr std::uint64_t k2100 = 4102444800ULL * 1'000'000'000ULL;
    QVERIFY(append(*m_store, batchOf(singleSpanTraces(1, 1, k2100))).isOk());
    QVERIFY(append(*m_store, batchOf(singleSpanTraces(2, 2, kBase))).isOk());
    m_clock->advance(std::chrono::hours(72));
    QVERIFY(m_store->enforceRetention().isOk());
    QCOMPARE(m_store->status().tracesStored, std::uint64_t(0));
    QCOMPARE(m_store->status().spansStored, std::uint64_t(0));
}

void TestTraceStore::largeTracesAndWindowsAreBounded() {
    m_store.reset();
    auto limited = options();
    limited.maxFullTraceSpans = 3;
    limited.maxServiceGraphSpans = 5;
    auto reopened = tracing::TraceStore::open(limited);
    QVERIFY(reopened.isOk());
    m_store = std::move(*reopened);
    fill();
    tracing::TraceRequest wanted;
    wanted.traceId = idOf(traceBytes(1));
    QVERIFY(m_store->trace(wanted).isOk());
    wanted.full = true;
    const auto full = m_store->trace(wanted);
    QCOMPARE(full.status().code(), StatusCode::FailedPrecondition);
    QVERIFY2(full.status().message().find("more than the 3") != std::string::npos &&
                 full.status().message().find("timeline") != std::string::npos,
             full.status().message().c_str());
    const auto from = static_cast<std::int64_t>(kBase);
    const auto graph =
        m_store->serviceGraph(from, from + 300'000 * static_cast<std::int64_t>(kMs), false);
    QVERIFY(graph.isOk());
    QVERIFY(graph->truncated);
}

void TestTraceStore::sizeRetentionKeepsNewTracesItCannotHelp() {
    // Small traces with long, distinct operation names, a minute apart: most of the file is the
    // names and the per-minute counts, which deleting traces does not free.
    for (int i = 0; i < 300; ++i) {
        QVERIFY(
            append(*m_store, batchOf(singleSpanTraces(i, 1, kBase + i * 60'000 * kMs,
                                                      std::string(1000, 'o') + std::to_string(i))))
                .isOk());
    }
    const auto full = m_store->status().bytes;
    m_store.reset();
    auto limited = options();
    limited.retentionMaxBytes = static_cast<std::int64_t>(full / 2);
    auto reopened = tracing::TraceStore::open(limited);
    QVERIFY(reopened.isOk());
    m_store = std::move(*reopened);
    QVERIFY(m_store->enforceRetention().isOk());
    QVERIFY(m_store->status().tracesStored > 0);
    QVERIFY(
        append(*m_store, batchOf(singleSpanTraces(1000, 1, kBase + 300 * 60'000 * kMs))).isOk());
    QVERIFY(m_store->enforceRetention().isOk());
    tracing::TraceRequest wanted;
    wanted.traceId =
        idOf(singleSpanTraces(1000, 1, kBase).resource_spans(0).scope_spans(0).spans(0).trace_id());
    QVERIFY(m_store->trace(wanted).isOk());
}

void TestTraceStore::compareFoldsDeepPathsAndRefusesHugeTraces() {
    // A chain of 100 spans, each the child of the one before.
    otlp::collector::trace::v1::ExportTraceServiceRequest request;
    auto *scope = addScope(addResource(request, {{"service.name", "svc"}}), "s");
    const std::string trace = traceBytes(9);
    for (std::uint64_t i = 1; i <= 100; ++i) {
        addSpan(scope, {trace, i, i - 1, "op", {}, kBase + i * kMs, kMs, i == 100, {}});
    }
    QVERIFY(append(*m_store, batchOf(request)).isOk());
    auto comparison = m_store->compare(idOf(trace), idOf(trace));
    QVERIFY2(comparison.isOk(), comparison.status().message().c_str());
    QCOMPARE(comparison->paths.size(), std::size_t(64));
    const auto &deepest = comparison->paths.back();
    QCOMPARE(deepest.depth, 63u);
    QCOMPARE(deepest.leftCount, 37u);
    QCOMPARE(deepest.rightErrors, 1u);
    std::string path = "svc:op";
    for (int i = 1; i < 64; ++i) {
        path += " > svc:op";
    }
    QCOMPARE(deepest.path, path);

    m_store.reset();
    auto limited = options();
    limited.maxComparedSpans = 99;
    auto reopened = tracing::TraceStore::open(limited);
    QVERIFY(reopened.isOk());
    m_store = std::move(*reopened);
    comparison = m_store->compare(idOf(trace), idOf(trace));
    QCOMPARE(comparison.status().code(), StatusCode::FailedPrecondition);
    QVERIFY2(comparison.status().message().find("more than the 99") != std::string::npos,
             comparison.status().message().c_str());
}

// An array or key-value list attribute is kept as JSON text: valid JSON whatever bytes its
// strings hold (control characters escaped, invalid UTF-8 replaced), so the console can parse it.
void TestTraceStore::structuredAttributesAreValidJson() {
    otlp::common::v1::AnyValue value;
    auto *list = value.mutable_kvlist_value();
    auto *tabbed = list->add_values();
    tabbed->set_key("tab\there");
    tabbed->mutable_value()->set_string_value("say \"hi\" in Zürich\n");
    auto *items = list->add_values();
    items->set_key("items");
    auto *array = items->mutable_value()->mutable_array_value();
    array->add_values()->set_int_value(7);
    array->add_values()->set_bool_value(true);
    array->add_values()->set_bytes_value(std::string("\x00\xff", 2));
    array->add_values()->set_string_value("bad \xff byte");
    array->add_values()->set_double_value(std::numeric_limits<double>::quiet_NaN());

    const auto tag = tracing::detail::tagValueOf(value);
    QVERIFY(std::holds_alternative<std::string>(tag));
    nlohmann::json parsed;
    try {
        parsed = nlohmann::json::parse(std::get<std::string>(tag));
    } catch (const nlohmann::json::exception &error) {
        QFAIL(error.what());
    }
    QCOMPARE(parsed["tab\there"].get<std::string>(), std::string("say \"hi\" in Zürich\n"));
    QCOMPARE(parsed["items"][0].get<int>(), 7);
    QCOMPARE(parsed["items"][1].get<bool>(), true);
    QCOMPARE(parsed["items"][2].get<std::string>(), std::string("00ff"));
    QCOMPARE(parsed["items"][3].get<std::string>(), std::string("bad \xef\xbf\xbd byte"));
    QVERIFY(parsed["items"][4].is_null());
}

QTEST_GUILESS_MAIN(TestTraceStore)
#include "tst_trace_store.moc"
