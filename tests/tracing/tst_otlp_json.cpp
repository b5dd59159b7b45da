// OTLP JSON (tracing/otlp_json.h) as the OTLP specification's "JSON Protobuf Encoding" defines it:
// hex trace and span ids (spans and links), integer enums, lowerCamelCase keys, 64-bit integers as
// decimal strings, bytes values in base64. The upstream example (testdata/otlp_trace_example.json,
// opentelemetry-proto's examples/trace.json, Apache-2.0) reads and is written back as the same
// document; everything a span can hold survives a round trip; what a receiver must accept is
// accepted; broken input is refused naming where.

#include "tracing/otlp_json.h"
#include "tracing/trace_ids.h"

#include <QtTest>

#include <google/protobuf/util/message_differencer.h>

#include <fstream>
#include <limits>
#include <sstream>

using namespace aegis;
using namespace aegis::tracing;
namespace otlp = opentelemetry::proto::trace::v1;
namespace common = opentelemetry::proto::common::v1;

namespace {

std::string readTestdata(const char *name) {
    std::ifstream in(std::string(AEGIS_TRACING_TESTDATA) + "/" + name);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

QJsonObject jsonObject(const std::string &json) {
    QJsonParseError error;
    const QJsonDocument document = QJsonDocument::fromJson(QByteArray::fromStdString(json), &error);
    if (error.error != QJsonParseError::NoError) {
        qFatal("not JSON: %s", qPrintable(error.errorString()));
    }
    return document.object();
}

std::string bytesOf(const char *hex) {
    std::string bytes;
    for (std::size_t i = 0; hex[i] && hex[i + 1]; i += 2) {
        bytes += static_cast<char>(std::stoi(std::string(hex + i, 2), nullptr, 16));
    }
    return bytes;
}

void setString(common::KeyValue &attribute, const std::string &key, const std::string &value) {
    attribute.set_key(key);
    attribute.mutable_value()->set_string_value(value);
}

// A trace with every field OTLP has, set to values that test the encoding's edges.
otlp::TracesData richTraces() {
    otlp::TracesData traces;
    auto &resourceSpans = *traces.add_resource_spans();
    resourceSpans.set_schema_url("https://opentelemetry.io/schemas/1.21.0");
    auto &resource = *resourceSpans.mutable_resource();
    setString(*resource.add_attributes(), "service.name", "checkout");
    setString(*resource.add_attributes(), "aegis.colour", "green");
    resource.set_dropped_attributes_count(3);
    auto &scopeSpans = *resourceSpans.add_scope_spans();
    scopeSpans.mutable_scope()->set_name("aegis-client");
    scopeSpans.mutable_scope()->set_version("0.9.0");
    setString(*scopeSpans.mutable_scope()->add_attributes(), "scope.attr", "x");
    scopeSpans.set_schema_url("https://opentelemetry.io/schemas/1.21.0");

    auto &root = *scopeSpans.add_spans();
    root.set_trace_id(bytesOf("5b8efff798038103d269b633813fc60c"));
    root.set_span_id(bytesOf("eee19b7ec3c1b174"));
    root.set_trace_state("vendor=value,other=1");
    root.set_flags(0x301);
    root.set_name("GET /cart \"quoted\" ünïcode");
    root.set_kind(otlp::Span::SPAN_KIND_SERVER);
    root.set_start_time_unix_nano(1544712660000000000ULL);
    root.set_end_time_unix_nano(std::numeric_limits<std::uint64_t>::max());
    auto *attribute = root.add_attributes();
    attribute->set_key("http.response.status_code");
    attribute->mutable_value()->set_int_value(std::numeric_limits<std::int64_t>::min());
    attribute = root.add_attributes();
    attribute->set_key("ratio");
    attribute->mutable_value()->set_double_value(0.125);
    attribute = root.add_attributes();
    attribute->set_key("retry");
    attribute->mutable_value()->set_bool_value(true);
    attribute = root.add_attributes();
    attribute->set_key("payload");
    attribute->mutable_value()->set_bytes_value(std::string("\x00\xff\x10", 3));
    attribute = root.add_attributes();
    attribute->set_key("tags");
    auto &array = *attribute->mutable_value()->mutable_array_value();
    array.add_values()->set_string_value("a");
    array.add_values()->set_int_value(7);
    attribute = root.add_attributes();
    attribute->set_key("nested");
    setString(*attribute->mutable_value()->mutable_kvlist_value()->add_values(), "inner", "v");
    root.set_dropped_attributes_count(1);
    auto &event = *root.add_events();
    event.set_name("exception");
    event.set_time_unix_nano(1544712660500000000ULL);
    setString(*event.add_attributes(), "exception.message", "boom");
    event.set_dropped_attributes_count(2);
    root.set_dropped_events_count(4);
    auto &link = *root.add_links();
    link.set_trace_id(bytesOf("0af7651916cd43dd8448eb211c80319c"));
    link.set_span_id(bytesOf("00f067aa0ba902b7"));
    link.set_trace_state("k=v");
    link.set_flags(1);
    link.set_dropped_attributes_count(5);
    setString(*link.add_attributes(), "link.kind", "batch");
    root.set_dropped_links_count(6);
    root.mutable_status()->set_code(otlp::Status::STATUS_CODE_ERROR);
    root.mutable_status()->set_message("upstream failed");

    auto &child = *scopeSpans.add_spans();
    child.set_trace_id(root.trace_id());
    child.set_span_id(bytesOf("0000000000000001"));
    child.set_parent_span_id(root.span_id());
    child.set_name("SELECT");
    child.set_kind(otlp::Span::SPAN_KIND_CLIENT);
    child.set_start_time_unix_nano(1544712660100000000ULL);
    child.set_end_time_unix_nano(1544712660200000000ULL);
    return traces;
}

void verifySameMessage(const google::protobuf::Message &actual,
                       const google::protobuf::Message &expected) {
    std::string difference;
    google::protobuf::util::MessageDifferencer differencer;
    differencer.ReportDifferencesToString(&difference);
    QVERIFY2(differencer.Compare(actual, expected), difference.c_str());
}

// Every key of every object in `value`, recursively.
void collectKeys(const QJsonValue &value, QStringList &keys) {
    if (value.isObject()) {
        const QJsonObject object = value.toObject();
        for (auto it = object.begin(); it != object.end(); ++it) {
            keys << it.key();
            collectKeys(it.value(), keys);
        }
    } else if (value.isArray()) {
        for (const QJsonValue &element : value.toArray()) {
            collectKeys(element, keys);
        }
    }
}

// The example with its ids in lowercase (the specification lets either case be written).
QJsonObject lowercaseIds(QJsonObject object) {
    for (auto it = object.begin(); it != object.end(); ++it) {
        if (it.key() == "traceId" || it.key() == "spanId" || it.key() == "parentSpanId") {
            it.value() = it.value().toString().toLower();
        } else if (it.value().isObject()) {
            it.value() = lowercaseIds(it.value().toObject());
        } else if (it.value().isArray()) {
            QJsonArray array = it.value().toArray();
            for (auto element = array.begin(); element != array.end(); ++element) {
                *element = lowercaseIds(element->toObject());
            }
            it.value() = array;
        }
    }
    return object;
}

} // namespace

class OtlpJsonTest : public QObject {
    Q_OBJECT

private slots:
    void readsTheSpecificationsExample() {
        const auto traces = fromOtlpJson(readTestdata("otlp_trace_example.json"));
        QVERIFY2(traces, traces.status().message().c_str());
        QCOMPARE(traces->resource_spans_size(), 1);
        const auto &resourceSpans = traces->resource_spans(0);
        QCOMPARE(resourceSpans.resource().attributes(0).key(), std::string("service.name"));
        QCOMPARE(resourceSpans.resource().attributes(0).value().string_value(),
                 std::string("my.service"));
        const auto &scopeSpans = resourceSpans.scope_spans(0);
        QCOMPARE(scopeSpans.scope().name(), std::string("my.library"));
        QCOMPARE(scopeSpans.scope().version(), std::string("1.0.0"));
        const auto &span = scopeSpans.spans(0);
        QCOMPARE(toHex(*traceIdFromBytes(span.trace_id())),
                 std::string("5b8efff798038103d269b633813fc60c"));
        QCOMPARE(toHex(*spanIdFromBytes(span.span_id())), std::string("eee19b7ec3c1b174"));
        QCOMPARE(toHex(*spanIdFromBytes(span.parent_span_id())), std::string("eee19b7ec3c1b173"));
        QCOMPARE(span.name(), std::string("I'm a server span"));
        QCOMPARE(span.start_time_unix_nano(), std::uint64_t{1544712660000000000ULL});
        QCOMPARE(span.end_time_unix_nano(), std::uint64_t{1544712661000000000ULL});
        QCOMPARE(span.kind(), otlp::Span::SPAN_KIND_SERVER);
        QCOMPARE(span.attributes(0).key(), std::string("my.span.attr"));
        QCOMPARE(span.attributes(0).value().string_value(), std::string("some value"));
    }

    void writesTheSpecificationsExampleBack() {
        const std::string example = readTestdata("otlp_trace_example.json");
        const auto traces = fromOtlpJson(example);
        QVERIFY(traces);
        for (const auto layout : {OtlpJsonLayout::Compact, OtlpJsonLayout::Indented}) {
            const std::string written = toOtlpJson(*traces, layout);
            QCOMPARE(jsonObject(written), lowercaseIds(jsonObject(example)));
        }
        QVERIFY(toOtlpJson(*traces).find('\n') == std::string::npos);
        QVERIFY(toOtlpJson(*traces, OtlpJsonLayout::Indented).find('\n') != std::string::npos);
    }

    void encodesAsTheSpecificationSays() {
        const QJsonObject document = jsonObject(toOtlpJson(richTraces()));
        QStringList keys;
        collectKeys(document, keys);
        for (const QString &key : keys) {
            QVERIFY2(!key.contains('_'), qPrintable("not lowerCamelCase: " + key));
        }
        for (const char *key : {"resourceSpans",
                                "scopeSpans",
                                "schemaUrl",
                                "traceId",
                                "spanId",
                                "parentSpanId",
                                "traceState",
                                "startTimeUnixNano",
                                "endTimeUnixNano",
                                "droppedAttributesCount",
                                "droppedEventsCount",
                                "droppedLinksCount",
                                "timeUnixNano",
                                "stringValue",
                                "intValue",
                                "doubleValue",
                                "boolValue",
                                "bytesValue",
                                "arrayValue",
                                "kvlistValue"}) {
            QVERIFY2(keys.contains(key), key);
        }
        const QJsonObject resourceSpans = document["resourceSpans"].toArray()[0].toObject();
        const QJsonArray spans =
            resourceSpans["scopeSpans"].toArray()[0].toObject()["spans"].toArray();
        const QJsonObject root = spans[0].toObject();
        // Ids in hex, not base64.
        QCOMPARE(root["traceId"].toString(), QString("5b8efff798038103d269b633813fc60c"));
        QCOMPARE(root["spanId"].toString(), QString("eee19b7ec3c1b174"));
        QVERIFY(!root.contains("parentSpanId"));
        QCOMPARE(spans[1].toObject()["parentSpanId"].toString(), QString("eee19b7ec3c1b174"));
        QCOMPARE(spans[1].toObject()["spanId"].toString(), QString("0000000000000001"));
        const QJsonObject link = root["links"].toArray()[0].toObject();
        QCOMPARE(link["traceId"].toString(), QString("0af7651916cd43dd8448eb211c80319c"));
        QCOMPARE(link["spanId"].toString(), QString("00f067aa0ba902b7"));
        // Enums as integers.
        QVERIFY(root["kind"].isDouble());
        QCOMPARE(root["kind"].toInt(), 2);
        QCOMPARE(root["status"].toObject()["code"].toInt(), 2);
        QCOMPARE(root["status"].toObject()["message"].toString(), QString("upstream failed"));
        // 64-bit integers as decimal strings; 32-bit ones as numbers.
        QCOMPARE(root["startTimeUnixNano"].toString(), QString("1544712660000000000"));
        QCOMPARE(root["endTimeUnixNano"].toString(), QString("18446744073709551615"));
        const QJsonArray attributes = root["attributes"].toArray();
        QCOMPARE(attributes[0].toObject()["value"].toObject()["intValue"].toString(),
                 QString("-9223372036854775808"));
        QVERIFY(root["flags"].isDouble());
        QCOMPARE(root["flags"].toInt(), 0x301);
        QCOMPARE(root["droppedAttributesCount"].toInt(), 1);
        // Bytes values stay base64.
        QCOMPARE(attributes[3].toObject()["value"].toObject()["bytesValue"].toString(),
                 QString("AP8Q"));
        QCOMPARE(root["name"].toString(), QString::fromUtf8("GET /cart \"quoted\" ünïcode"));
    }

    void roundTripsEverything() {
        const otlp::TracesData traces = richTraces();
        for (const auto layout : {OtlpJsonLayout::Compact, OtlpJsonLayout::Indented}) {
            const auto back = fromOtlpJson(toOtlpJson(traces, layout));
            QVERIFY2(back, back.status().message().c_str());
            verifySameMessage(*back, traces);
        }
        const auto empty = fromOtlpJson(toOtlpJson(otlp::TracesData()));
        QVERIFY(empty);
        QCOMPARE(empty->resource_spans_size(), 0);
        QCOMPARE(toOtlpJson(otlp::TracesData()), std::string("{}"));
    }

    void acceptsWhatAReceiverMust() {
        // Uppercase hex, 64-bit integers as numbers, enum names, unknown fields, ids in base64
        // (a plain protobuf JSON encoder's output).
        const std::string json = R"({"resourceSpans": [{"futureField": {"x": 1},
            "scopeSpans": [{"spans": [
              {"traceId": "5B8EFFF798038103D269B633813FC60C", "spanId": "EEE19B7EC3C1B174",
               "startTimeUnixNano": 1544712660000000000, "kind": "SPAN_KIND_CLIENT",
               "unknownSpanField": [1, 2], "name": "upper"},
              {"traceId": "W47/95gDgQPSabYzgT/GDA==", "spanId": "7uGbfsPBsXQ=",
               "parentSpanId": "7uGbfsPBsXM=", "kind": 3, "name": "base64"}]}]}]})";
        const auto traces = fromOtlpJson(json);
        QVERIFY2(traces, traces.status().message().c_str());
        const auto &spans = traces->resource_spans(0).scope_spans(0).spans();
        QCOMPARE(spans.size(), 2);
        for (const auto &span : spans) {
            QCOMPARE(toHex(*traceIdFromBytes(span.trace_id())),
                     std::string("5b8efff798038103d269b633813fc60c"));
            QCOMPARE(toHex(*spanIdFromBytes(span.span_id())), std::string("eee19b7ec3c1b174"));
            QCOMPARE(span.kind(), otlp::Span::SPAN_KIND_CLIENT);
        }
        QCOMPARE(spans[0].start_time_unix_nano(), std::uint64_t{1544712660000000000ULL});
        QCOMPARE(toHex(*spanIdFromBytes(spans[1].parent_span_id())),
                 std::string("eee19b7ec3c1b173"));
    }

    void refusesNamingWhere_data() {
        QTest::addColumn<QString>("json");
        QTest::addColumn<QString>("message");
        const auto span = [](const char *fields) {
            return QStringLiteral(
                       R"({"resourceSpans": [{"scopeSpans": [{}, {"spans": [{}, {%1}]}]}]})")
                .arg(QString::fromUtf8(fields));
        };
        QTest::newRow("short span id")
            << span(R"("traceId": "5b8efff798038103d269b633813fc60c", "spanId": "eee19b7ec3c1")")
            << "resourceSpans[0].scopeSpans[1].spans[1].spanId: expected 16 hex digits";
        QTest::newRow("trace id too long")
            << span(R"("traceId": "5b8efff798038103d269b633813fc60c5b8efff7")")
            << "resourceSpans[0].scopeSpans[1].spans[1].traceId: expected 32 hex digits";
        QTest::newRow("not hex")
            << span(R"("traceId": "ghijklmnopqrstuvwxyzghijklmnopqr")")
            << "resourceSpans[0].scopeSpans[1].spans[1].traceId: expected 32 hex digits, found "
               "\"ghijklmnopqrstuvwxyzghijklmnopqr\"";
        QTest::newRow("link span id")
            << span(R"("links": [{"traceId": "5b8efff798038103d269b633813fc60c",
                        "spanId": "5b8efff798038103d269b633813fc60c"}])")
            << "resourceSpans[0].scopeSpans[1].spans[1].links[0].spanId: expected 16 hex digits";
        QTest::newRow("parent span id")
            << span(R"("parentSpanId": "abcd")")
            << "resourceSpans[0].scopeSpans[1].spans[1].parentSpanId: expected 16 hex digits";
        QTest::newRow("not JSON") << "{\"resourceSpans\": ["
                                  << "not OTLP JSON: ";
        QTest::newRow("wrong type")
            << R"({"resourceSpans": [{"scopeSpans": [{"spans": [{"name": {"a": 1}}]}]}]})"
            << "not OTLP JSON: ";
        QTest::newRow("time not a number")
            << span(R"("startTimeUnixNano": "soon")") << "not OTLP JSON: ";
    }

    void refusesNamingWhere() {
        QFETCH(QString, json);
        QFETCH(QString, message);
        const auto traces = fromOtlpJson(json.toStdString());
        QVERIFY(!traces);
        QCOMPARE(traces.status().code(), StatusCode::InvalidArgument);
        QVERIFY2(QString::fromStdString(traces.status().message()).startsWith(message),
                 traces.status().message().c_str());
    }

    void aLargeTraceRoundTrips() {
        otlp::TracesData traces;
        auto &spans = *traces.add_resource_spans()->add_scope_spans();
        const std::string traceId = bytesOf("0af7651916cd43dd8448eb211c80319c");
        for (std::uint64_t i = 1; i <= 20000; ++i) {
            auto &span = *spans.add_spans();
            span.set_trace_id(traceId);
            const SpanId id = spanIdFromInt(i);
            span.set_span_id(std::string(id.begin(), id.end()));
            span.set_name("op");
            span.set_start_time_unix_nano(i * 1000);
            span.set_end_time_unix_nano(i * 1000 + 500);
        }
        const auto back = fromOtlpJson(toOtlpJson(traces));
        QVERIFY(back);
        verifySameMessage(*back, traces);
    }
};

QTEST_APPLESS_MAIN(OtlpJsonTest)
#include "tst_otlp_json.moc"
