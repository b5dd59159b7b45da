// aegisctl's traces commands end to end: spans sent with the OTLP Export gRPC call to a real
// aegisd's OTLP listener, then read back with the real aegisctl: search (table, JSON, service,
// operation, duration and tag query conditions), a trace as a span tree, as JSON and as OTLP JSON
// (the spans exactly as sent), services, operations, the service graph (also by release), two
// traces compared, the status; tag query errors shown with a caret before any call.

#include "aegisctl_fixture.h"
#include "otlp_test_client.h"
#include "poll_until.h"
#include "tracing/otlp_json.h"
#include "tracing/trace_ids.h"

#include <google/protobuf/util/message_differencer.h>
#include <nlohmann/json.hpp>

#include <QtTest>

#include <map>

using namespace std::chrono_literals;
using aegis::testing::Args;
using aegis::testing::lines;
using aegis::testing::pollUntil;
using nlohmann::json;
namespace otlp = opentelemetry::proto;

namespace {

// Trace A, 5 minutes ago: checkout GET /cart (120 ms, status code 503, eu-west-1) calls
// inventory (reserve, 40 ms) and payments (charge, 70 ms, an error). Trace B, 10 seconds ago:
// checkout GET /cart (50 ms, 200, us-east-1) calls inventory only.
constexpr const char *kTraceA = "4bf92f3577b34da6a3ce929d0e0e4736";
constexpr const char *kTraceB = "0af7651916cd43dd8448eb211c80319c";

bool contains(const std::string &text, const std::string &part) {
    return text.find(part) != std::string::npos;
}

std::string bytesOfHex(const std::string &hex) {
    std::string bytes;
    for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
        bytes += static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16));
    }
    return bytes;
}

struct SpanSpec {
    const char *service;
    const char *spanId;
    const char *parentId; // "" for a root
    const char *name;
    otlp::trace::v1::Span::SpanKind kind;
    int startMs; // after the trace's start
    int durationMs;
    bool error = false;
    std::vector<std::pair<std::string, otlp::common::v1::AnyValue>> attributes = {};
};

otlp::common::v1::AnyValue stringValue(const std::string &text) {
    otlp::common::v1::AnyValue value;
    value.set_string_value(text);
    return value;
}

otlp::common::v1::AnyValue intValue(std::int64_t number) {
    otlp::common::v1::AnyValue value;
    value.set_int_value(number);
    return value;
}

otlp::common::v1::AnyValue boolValue(bool flag) {
    otlp::common::v1::AnyValue value;
    value.set_bool_value(flag);
    return value;
}

const std::map<std::string, std::pair<std::string, std::string>> &releases() {
    static const std::map<std::string, std::pair<std::string, std::string>> byService = {
        {"checkout", {"1.4.2", "green"}},
        {"inventory", {"2.0.0", "blue"}},
        {"payments", {"0.9.1", "blue"}},
        {"batch", {"", ""}},
    };
    return byService;
}

// One export per service (its own resource), as separate processes would send them.
std::vector<otlp::collector::trace::v1::ExportTraceServiceRequest>
exportsOf(const char *traceId, std::uint64_t startNanos, const std::vector<SpanSpec> &specs) {
    std::map<std::string, otlp::collector::trace::v1::ExportTraceServiceRequest> byService;
    for (const auto &spec : specs) {
        auto &request = byService[spec.service];
        if (request.resource_spans_size() == 0) {
            auto &resource = *request.add_resource_spans()->mutable_resource();
            const auto &[version, colour] = releases().at(spec.service);
            for (const auto &[key, value] :
                 {std::pair{"service.name", std::string(spec.service)},
                  std::pair{"service.version", version}, std::pair{"aegis.colour", colour}}) {
                if (value.empty()) {
                    continue;
                }
                auto &attribute = *resource.add_attributes();
                attribute.set_key(key);
                attribute.mutable_value()->set_string_value(value);
            }
            request.mutable_resource_spans(0)->add_scope_spans()->mutable_scope()->set_name(
                "aegisctl-test");
        }
        auto &span = *request.mutable_resource_spans(0)->mutable_scope_spans(0)->add_spans();
        span.set_trace_id(bytesOfHex(traceId));
        span.set_span_id(bytesOfHex(spec.spanId));
        span.set_parent_span_id(bytesOfHex(spec.parentId));
        span.set_name(spec.name);
        span.set_kind(spec.kind);
        span.set_start_time_unix_nano(startNanos + std::uint64_t(spec.startMs) * 1000000);
        span.set_end_time_unix_nano(startNanos +
                                    std::uint64_t(spec.startMs + spec.durationMs) * 1000000);
        for (const auto &[key, value] : spec.attributes) {
            auto &attribute = *span.add_attributes();
            attribute.set_key(key);
            *attribute.mutable_value() = value;
        }
        if (spec.error) {
            span.mutable_status()->set_code(otlp::trace::v1::Status::STATUS_CODE_ERROR);
            span.mutable_status()->set_message("card declined");
        }
    }
    std::vector<otlp::collector::trace::v1::ExportTraceServiceRequest> requests;
    for (auto &[service, request] : byService) {
        requests.push_back(std::move(request));
    }
    return requests;
}

using SpanKind = otlp::trace::v1::Span;

std::vector<SpanSpec> traceASpans() {
    return {
        {"checkout",
         "a000000000000001",
         "",
         "GET /cart",
         SpanKind::SPAN_KIND_SERVER,
         0,
         120,
         false,
         {{"http.response.status_code", intValue(503)}, {"region", stringValue("eu-west-1")}}},
        {"checkout", "a000000000000002", "a000000000000001", "GET inventory",
         SpanKind::SPAN_KIND_CLIENT, 5, 45},
        {"inventory", "a000000000000003", "a000000000000002", "reserve", SpanKind::SPAN_KIND_SERVER,
         7, 40},
        {"checkout", "a000000000000004", "a000000000000001", "POST payments",
         SpanKind::SPAN_KIND_CLIENT, 45, 72, true},
        {"payments",
         "a000000000000005",
         "a000000000000004",
         "charge",
         SpanKind::SPAN_KIND_SERVER,
         46,
         70,
         true,
         {{"retry", boolValue(true)}}},
    };
}

std::vector<SpanSpec> traceBSpans() {
    return {
        {"checkout",
         "b000000000000001",
         "",
         "GET /cart",
         SpanKind::SPAN_KIND_SERVER,
         0,
         50,
         false,
         {{"http.response.status_code", intValue(200)}, {"region", stringValue("us-east-1")}}},
        {"checkout", "b000000000000002", "b000000000000001", "GET inventory",
         SpanKind::SPAN_KIND_CLIENT, 2, 30},
        {"inventory", "b000000000000003", "b000000000000002", "reserve", SpanKind::SPAN_KIND_SERVER,
         3, 28},
    };
}

// The trace ids in a search table's rows, in order.
std::vector<std::string> tracesListed(const std::string &table) {
    std::vector<std::string> ids;
    for (const auto &line : lines(table)) {
        for (const char *id : {kTraceA, kTraceB}) {
            if (contains(line, id)) {
                ids.emplace_back(id);
            }
        }
    }
    return ids;
}

} // namespace

class TestAegisctlTraces : public QObject, private aegis::testing::AegisctlFixture {
    Q_OBJECT

private slots:
    void initTestCase();
    void cleanupTestCase();

    void searchListsNewestFirst();
    void searchConditions_data();
    void searchConditions();
    void searchJsonHasHexIds();
    void tagQueryErrorsShowACaret();
    void getShowsTheSpanTree();
    void getJson();
    void getOtlpJsonIsWhatWasSent();
    void getUnknownTrace();
    void servicesAndOperations();
    void graph();
    void compare();
    void status();
    void usageErrors_data();
    void usageErrors();
    void getMarksMissingParents();

private:
    std::vector<otlp::collector::trace::v1::ExportTraceServiceRequest> m_sent;
};

void TestAegisctlTraces::initTestCase() {
    startDaemon();
    QVERIFY(!daemon().otlpAddress().empty());
    const auto now =
        static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                       std::chrono::system_clock::now().time_since_epoch())
                                       .count());
    for (auto &request : exportsOf(kTraceA, now - 300'000'000'000ULL, traceASpans())) {
        m_sent.push_back(std::move(request));
    }
    for (auto &request : exportsOf(kTraceB, now - 10'000'000'000ULL, traceBSpans())) {
        m_sent.push_back(std::move(request));
    }
    for (const auto &request : m_sent) {
        const auto call = aegis::testing::otlpExport(daemon().otlpAddress(), request);
        QVERIFY2(call.status.ok(), call.status.error_message().c_str());
        QVERIFY2(!call.response.has_partial_success() ||
                     call.response.partial_success().rejected_spans() == 0,
                 call.response.partial_success().error_message().c_str());
    }
    // The store commits in batches: wait until every span of both traces is searchable.
    QVERIFY(pollUntil(
        [&] {
            const auto result = ctlJson({"traces", "search", "--service", "checkout"});
            if (!result.is_object() || !result.contains("traces") || result["traces"].size() != 2) {
                return false;
            }
            std::uint64_t spans = 0;
            for (const auto &trace : result["traces"]) {
                spans += trace.value("spanCount", 0u);
            }
            return spans == 8;
        },
        20s));
}

void TestAegisctlTraces::cleanupTestCase() {
    stopDaemon();
}

void TestAegisctlTraces::searchListsNewestFirst() {
    const auto result = ctl({"traces", "search"});
    CHECK_EXIT(result, 0);
    const auto rows = lines(result.out);
    QCOMPARE(rows.size(), std::size_t(3));
    for (const char *header :
         {"START", "TRACE ID", "ROOT", "DURATION", "SPANS", "ERRORS", "SERVICES"}) {
        QVERIFY2(contains(rows[0], header), result.out.c_str());
    }
    QCOMPARE(tracesListed(result.out), (std::vector<std::string>{kTraceB, kTraceA}));
    QVERIFY2(contains(rows[2], "checkout: GET /cart"), result.out.c_str());
    QVERIFY2(contains(rows[2], "120ms"), result.out.c_str());
    QVERIFY2(contains(rows[2], "checkout 3 (1 error), inventory 1, payments 1 (1 error)"),
             result.out.c_str());
    QVERIFY2(contains(rows[1], "50ms"), result.out.c_str());
    QVERIFY(result.err.empty());

    const auto limited = ctl({"traces", "search", "--limit", "1"});
    CHECK_EXIT(limited, 0);
    QCOMPARE(tracesListed(limited.out), std::vector<std::string>{kTraceB});
    QVERIFY2(contains(limited.err, "more traces matched"), limited.err.c_str());
}

void TestAegisctlTraces::searchConditions_data() {
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<QStringList>("expected");
    const QString a = kTraceA;
    const QString b = kTraceB;
    QTest::newRow("service") << QStringList{"--service", "payments"} << QStringList{a};
    QTest::newRow("operation") << QStringList{"--service", "inventory", "--operation", "reserve"}
                               << QStringList{b, a};
    QTest::newRow("min duration") << QStringList{"--min-duration", "100ms"} << QStringList{a};
    QTest::newRow("max duration") << QStringList{"--service", "payments", "--max-duration", "50ms"}
                                  << QStringList{};
    QTest::newRow("since") << QStringList{"--since", "2m"} << QStringList{b};
    QTest::newRow("start and end") << QStringList{"--start", "1h", "--end", "2m"} << QStringList{a};
    QTest::newRow("typed and wildcard")
        << QStringList{"--query", "http.response.status_code >= 500 AND region = \"eu-*\""}
        << QStringList{a};
    QTest::newRow("or") << QStringList{"--query", "region = us-* OR retry = true"}
                        << QStringList{b, a};
    QTest::newRow("not") << QStringList{"--query", "region AND NOT region = eu-*"}
                         << QStringList{b};
    QTest::newRow("error") << QStringList{"--query", "error"} << QStringList{a};
    QTest::newRow("pseudo-keys") << QStringList{"--query",
                                                "service = payments colour = blue version = 0.9.*"}
                                 << QStringList{a};
    QTest::newRow("resource attribute")
        << QStringList{"--query", "service.version = 2.0.0"} << QStringList{b, a};
    QTest::newRow("nothing") << QStringList{"--query", "region = ap-*"} << QStringList{};
}

void TestAegisctlTraces::searchConditions() {
    QFETCH(QStringList, args);
    QFETCH(QStringList, expected);
    Args argv{"traces", "search"};
    for (const auto &arg : args) {
        argv.push_back(arg.toStdString());
    }
    const auto result = ctl(argv);
    CHECK_EXIT(result, 0);
    std::vector<std::string> want;
    for (const auto &id : expected) {
        want.push_back(id.toStdString());
    }
    QCOMPARE(tracesListed(result.out), want);
    if (want.empty()) {
        QCOMPARE(result.out, std::string("no traces\n"));
    }
}

void TestAegisctlTraces::searchJsonHasHexIds() {
    const json result = ctlJson({"traces", "search", "--query", "error = true"});
    QVERIFY(result.is_object());
    QCOMPARE(result["traces"].size(), std::size_t(1));
    const json &trace = result["traces"][0];
    QCOMPARE(trace["traceId"].get<std::string>(), std::string(kTraceA));
    QCOMPARE(trace["rootService"].get<std::string>(), std::string("checkout"));
    QCOMPARE(trace["spanCount"].get<int>(), 5);
    QCOMPARE(trace["errorCount"].get<int>(), 2);
    QCOMPARE(trace["duration"].get<std::string>(), std::string("0.120s"));
    QCOMPARE(result["truncated"].get<bool>(), false);
}

void TestAegisctlTraces::tagQueryErrorsShowACaret() {
    const auto result = ctl({"traces", "search", "--query", "region = eu-* AND (retry ="});
    CHECK_EXIT(result, 2);
    QVERIFY(result.out.empty());
    QCOMPARE(lines(result.err), (std::vector<std::string>{
                                    "error: --query: 1:27: expected a value after '='",
                                    "  region = eu-* AND (retry =",
                                    "                            ^",
                                }));

    const auto twoLines = ctl({"traces", "search", "--query", "a = 1\n  AND b > x"});
    CHECK_EXIT(twoLines, 2);
    QCOMPARE(lines(twoLines.err),
             (std::vector<std::string>{
                 "error: --query: 2:11: expected a number after '>', found 'x' (ordering "
                 "operators compare numbers)",
                 "    AND b > x",
                 "            ^",
             }));

    const auto unclosed = ctl({"traces", "search", "--query", "(a OR b"});
    CHECK_EXIT(unclosed, 2);
    QVERIFY2(contains(unclosed.err, "1:8: unclosed parenthesis opened at 1:1"),
             unclosed.err.c_str());

    const auto tooLong = ctl({"traces", "search", "--query", std::string(5000, 'a')});
    CHECK_EXIT(tooLong, 2);
    QVERIFY2(contains(tooLong.err, "1:4097: query longer than 4096 bytes"), tooLong.err.c_str());
}

void TestAegisctlTraces::getShowsTheSpanTree() {
    const auto result = ctl({"traces", "get", kTraceA});
    CHECK_EXIT(result, 0);
    const auto rows = lines(result.out);
    QVERIFY2(rows.size() == 10, result.out.c_str());
    QCOMPARE(rows[0], std::string("trace ") + kTraceA + "  checkout: GET /cart");
    QVERIFY2(contains(rows[1], "120ms, 5 spans, 2 errors"), result.out.c_str());
    QCOMPARE(rows[2],
             std::string("services: checkout 3 (1 error), inventory 1, payments 1 (1 error)"));
    QVERIFY(rows[3].empty());
    QVERIFY2(rows[4].starts_with("SPAN "), result.out.c_str());
    // Each span under its parent, indented by depth, siblings by start.
    const std::vector<std::pair<std::string, std::string>> tree = {
        {"GET /cart ", "a000000000000001"},   {"  GET inventory ", "a000000000000002"},
        {"    reserve ", "a000000000000003"}, {"  POST payments ", "a000000000000004"},
        {"    charge ", "a000000000000005"},
    };
    for (std::size_t i = 0; i < tree.size(); ++i) {
        const std::string &row = rows[5 + i];
        QVERIFY2(row.starts_with(tree[i].first), result.out.c_str());
        QVERIFY2(row.ends_with(tree[i].second), result.out.c_str());
    }
    QVERIFY2(contains(rows[5], "checkout") && contains(rows[5], "+0ns") &&
                 contains(rows[5], "120ms") && contains(rows[5], "server") &&
                 contains(rows[5], "1.4.2/green"),
             result.out.c_str());
    QVERIFY2(contains(rows[7], "inventory") && contains(rows[7], "+7ms") &&
                 contains(rows[7], "40ms") && contains(rows[7], "2.0.0/blue"),
             result.out.c_str());
    QVERIFY2(contains(rows[9], "payments") && contains(rows[9], " error "), result.out.c_str());
    QVERIFY2(contains(rows[8], "client") && contains(rows[8], " error "), result.out.c_str());
}

void TestAegisctlTraces::getJson() {
    const json result = ctlJson({"traces", "get", kTraceB});
    QVERIFY(result.is_object());
    QCOMPARE(result["summary"]["traceId"].get<std::string>(), std::string(kTraceB));
    const json &spans = result["spans"];
    QCOMPARE(spans.size(), std::size_t(3));
    QCOMPARE(spans[0]["spanId"].get<std::string>(), std::string("b000000000000001"));
    QCOMPARE(spans[0]["parentSpanId"].get<std::string>(), std::string());
    QCOMPARE(spans[0]["depth"].get<int>(), 0);
    QCOMPARE(spans[0]["kind"].get<std::string>(), std::string("server"));
    QCOMPARE(spans[0]["durationNanos"].get<std::uint64_t>(), std::uint64_t{50'000'000});
    QCOMPARE(spans[2]["spanId"].get<std::string>(), std::string("b000000000000003"));
    QCOMPARE(spans[2]["parentSpanId"].get<std::string>(), std::string("b000000000000002"));
    QCOMPARE(spans[2]["depth"].get<int>(), 2);
    QCOMPARE(spans[2]["service"].get<std::string>(), std::string("inventory"));
    QCOMPARE(spans[2]["operation"].get<std::string>(), std::string("reserve"));
    QCOMPARE(spans[2]["startOffsetNanos"].get<std::uint64_t>(), std::uint64_t{3'000'000});
    QCOMPARE(spans[2]["version"].get<std::string>(), std::string("2.0.0"));
    QCOMPARE(spans[2]["colour"].get<std::string>(), std::string("blue"));
    QCOMPARE(spans[2]["error"].get<bool>(), false);
}

void TestAegisctlTraces::getOtlpJsonIsWhatWasSent() {
    const auto result = ctl({"traces", "get", kTraceA, "--otlp-json"});
    CHECK_EXIT(result, 0);
    QVERIFY2(contains(result.out, std::string("\"traceId\": \"") + kTraceA + "\""),
             result.out.c_str());
    QVERIFY2(contains(result.out, "\"kind\": 2"), result.out.c_str());
    const auto traces = aegis::tracing::fromOtlpJson(result.out);
    QVERIFY2(traces, traces.status().message().c_str());
    // Every span of trace A, as sent, with its resource.
    std::map<std::string, std::pair<otlp::trace::v1::Span, otlp::resource::v1::Resource>> read;
    for (const auto &resourceSpans : traces->resource_spans()) {
        for (const auto &scopeSpans : resourceSpans.scope_spans()) {
            QCOMPARE(scopeSpans.scope().name(), std::string("aegisctl-test"));
            for (const auto &span : scopeSpans.spans()) {
                read[span.span_id()] = {span, resourceSpans.resource()};
            }
        }
    }
    QCOMPARE(read.size(), std::size_t(5));
    for (const auto &request : m_sent) {
        for (const auto &span : request.resource_spans(0).scope_spans(0).spans()) {
            if (span.trace_id() != bytesOfHex(kTraceA)) {
                continue;
            }
            const auto found = read.find(span.span_id());
            QVERIFY(found != read.end());
            std::string difference;
            google::protobuf::util::MessageDifferencer differencer;
            differencer.ReportDifferencesToString(&difference);
            QVERIFY2(differencer.Compare(found->second.first, span), difference.c_str());
            QVERIFY(google::protobuf::util::MessageDifferencer::Equals(
                found->second.second, request.resource_spans(0).resource()));
        }
    }
}

void TestAegisctlTraces::getUnknownTrace() {
    const auto result = ctl({"traces", "get", "11111111111111111111111111111111"});
    CHECK_EXIT(result, 1);
    QVERIFY2(result.err.starts_with("error: NOT_FOUND: "), result.err.c_str());
}

void TestAegisctlTraces::servicesAndOperations() {
    const auto services = ctl({"traces", "services"});
    CHECK_EXIT(services, 0);
    const auto rows = lines(services.out);
    QVERIFY2(rows.size() == 4, services.out.c_str());
    QVERIFY2(rows[0].starts_with("SERVICE") && contains(rows[0], "VERSIONS"), services.out.c_str());
    QVERIFY2(rows[1].starts_with("checkout ") && contains(rows[1], " 5 ") &&
                 contains(rows[1], "1.4.2") && contains(rows[1], "green"),
             services.out.c_str());
    QVERIFY2(rows[2].starts_with("inventory ") && contains(rows[2], "2.0.0"), services.out.c_str());
    QVERIFY2(rows[3].starts_with("payments ") && contains(rows[3], "blue"), services.out.c_str());

    const auto operations = ctl({"traces", "operations", "checkout"});
    CHECK_EXIT(operations, 0);
    const auto operationRows = lines(operations.out);
    QVERIFY2(operationRows.size() == 4, operations.out.c_str());
    QVERIFY2(operationRows[0].starts_with("OPERATION"), operations.out.c_str());
    std::map<std::string, std::string> kinds;
    for (std::size_t i = 1; i < operationRows.size(); ++i) {
        const std::string &row = operationRows[i];
        for (const char *name : {"GET /cart", "GET inventory", "POST payments"}) {
            if (row.starts_with(std::string(name) + " ")) {
                kinds[name] = contains(row, "server")   ? "server"
                              : contains(row, "client") ? "client"
                                                        : "?";
            }
        }
    }
    QCOMPARE(kinds, (std::map<std::string, std::string>{{"GET /cart", "server"},
                                                        {"GET inventory", "client"},
                                                        {"POST payments", "client"}}));

    const auto none = ctl({"traces", "operations", "nobody"});
    CHECK_EXIT(none, 0);
    QCOMPARE(none.out, std::string("no operations of nobody\n"));
}

void TestAegisctlTraces::graph() {
    const auto result = ctl({"traces", "graph"});
    CHECK_EXIT(result, 0);
    QVERIFY2(result.out.starts_with("window "), result.out.c_str());
    bool toInventory = false;
    bool toPayments = false;
    for (const auto &row : lines(result.out)) {
        if (row.starts_with("checkout ") && contains(row, " inventory ")) {
            // 2 calls in 15 minutes: 0.133 a minute.
            toInventory =
                contains(row, " 2 ") && contains(row, "0.133/min") && contains(row, " 0% ");
        }
        if (row.starts_with("checkout ") && contains(row, " payments ")) {
            toPayments = contains(row, " 1 ") && contains(row, "100%");
        }
    }
    QVERIFY2(toInventory && toPayments, result.out.c_str());

    const auto byRelease = ctl({"traces", "graph", "--by-release", "--window", "1h"});
    CHECK_EXIT(byRelease, 0);
    QVERIFY2(contains(byRelease.out, "checkout@1.4.2/green") &&
                 contains(byRelease.out, "payments@0.9.1/blue"),
             byRelease.out.c_str());

    const json document = ctlJson({"traces", "graph"});
    QVERIFY(document.is_object());
    QCOMPARE(document["edges"].size(), std::size_t(2));
}

void TestAegisctlTraces::compare() {
    const auto result = ctl({"traces", "compare", kTraceA, kTraceB});
    CHECK_EXIT(result, 0);
    const auto rows = lines(result.out);
    QVERIFY2(rows.size() >= 8, result.out.c_str());
    QVERIFY2(rows[1].starts_with("left ") && contains(rows[1], kTraceA), result.out.c_str());
    QVERIFY2(rows[2].starts_with("right ") && contains(rows[2], kTraceB), result.out.c_str());
    QVERIFY2(rows[4].starts_with("PATH"), result.out.c_str());
    bool root = false;
    bool onlyLeft = false;
    for (const auto &row : rows) {
        if (row.starts_with("checkout:GET /cart ")) {
            root =
                contains(row, "1 × 120ms") && contains(row, "1 × 50ms") && contains(row, "-70ms");
        }
        if (contains(row, "payments") && contains(row, "charge")) {
            onlyLeft = contains(row, "only left") && contains(row, "(1 error)");
        }
    }
    QVERIFY2(root && onlyLeft, result.out.c_str());

    const json document = ctlJson({"traces", "compare", kTraceA, kTraceB});
    QVERIFY(document.is_object());
    QCOMPARE(document["left"]["traceId"].get<std::string>(), std::string(kTraceA));
    QCOMPARE(document["right"]["traceId"].get<std::string>(), std::string(kTraceB));
}

void TestAegisctlTraces::status() {
    const auto result = ctl({"traces", "status"});
    CHECK_EXIT(result, 0);
    QVERIFY2(contains(result.out, "OTLP/gRPC:  " + daemon().otlpAddress() + "\n"),
             result.out.c_str());
    QVERIFY2(contains(result.out, "received:   8 spans (0 rejected, 0 sampled out)"),
             result.out.c_str());
    QVERIFY2(contains(result.out, "store:      8 spans in 2 traces"), result.out.c_str());
    QVERIFY2(contains(result.out, "sampling:   the defaults (no aegis-tracing/sampling/policy "
                                  "item)"),
             result.out.c_str());
    QVERIFY2(contains(result.out, "forwarding: none"), result.out.c_str());

    const json document = ctlJson({"traces", "status"});
    QVERIFY(document.is_object());
    QCOMPARE(document["storeEnabled"].get<bool>(), true);
}

void TestAegisctlTraces::usageErrors_data() {
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<QString>("message");
    QTest::newRow("operation without service")
        << QStringList{"traces", "search", "--operation", "x"} << "--operation needs --service";
    QTest::newRow("since and start")
        << QStringList{"traces", "search", "--since", "1h", "--start", "2h"}
        << "give --since or --start, not both";
    QTest::newRow("bad time") << QStringList{"traces", "search", "--end", "yesterday"}
                              << "--end: 'yesterday' is neither a duration";
    QTest::newRow("bad duration") << QStringList{"traces", "search", "--min-duration", "fast"}
                                  << "--min-duration";
    QTest::newRow("min above max")
        << QStringList{"traces", "search", "--min-duration", "2s", "--max-duration", "1s"}
        << "--min-duration is longer than --max-duration";
    QTest::newRow("limit") << QStringList{"traces", "search", "--limit", "0"}
                           << "--limit must be 1 to 1000";
    QTest::newRow("trace id") << QStringList{"traces", "get", "xyz"}
                              << "trace-id: 'xyz' is not a trace id";
    QTest::newRow("zero trace id")
        << QStringList{"traces", "get", "00000000000000000000000000000000"} << "is not a trace id";
    QTest::newRow("compare needs two") << QStringList{"traces", "compare", kTraceA} << "missing";
    QTest::newRow("operations needs a service") << QStringList{"traces", "operations"} << "missing";
    QTest::newRow("graph window") << QStringList{"traces", "graph", "--window", "0s"} << "--window";
}

void TestAegisctlTraces::usageErrors() {
    QFETCH(QStringList, args);
    QFETCH(QString, message);
    checkUsageError(args, message);
}

// Last, since it adds a trace: one whose root span never arrived.
void TestAegisctlTraces::getMarksMissingParents() {
    const char *traceC = "c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0";
    const auto now =
        static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                       std::chrono::system_clock::now().time_since_epoch())
                                       .count());
    for (const auto &request : exportsOf(traceC, now - 60'000'000'000ULL,
                                         {{"batch", "c000000000000002", "c000000000000001",
                                           "consume", SpanKind::SPAN_KIND_CONSUMER, 10, 800},
                                          {"batch", "c000000000000003", "c000000000000002", "ack",
                                           SpanKind::SPAN_KIND_INTERNAL, 790, 1}})) {
        const auto call = aegis::testing::otlpExport(daemon().otlpAddress(), request);
        QVERIFY2(call.status.ok(), call.status.error_message().c_str());
    }
    aegis::testing::CommandResult result;
    QVERIFY(pollUntil(
        [&] {
            result = ctl({"traces", "get", traceC});
            return result.exitCode == 0 && lines(result.out).size() == 7;
        },
        20s));
    const auto rows = lines(result.out);
    QCOMPARE(rows[0], std::string("trace ") + traceC + "  batch: consume (root not received)");
    QVERIFY2(contains(rows[1], "800ms, 2 spans, 0 errors"), result.out.c_str());
    QVERIFY2(rows[5].starts_with("consume (parent not received)  batch ") &&
                 contains(rows[5], "+0ns") && contains(rows[5], "consumer") &&
                 rows[5].ends_with("c000000000000002"),
             result.out.c_str());
    QVERIFY2(rows[6].starts_with("  ack ") && contains(rows[6], "+780ms") &&
                 contains(rows[6], "1ms") && contains(rows[6], "internal"),
             result.out.c_str());
}

QTEST_MAIN(TestAegisctlTraces)
#include "tst_aegisctl_traces.moc"
