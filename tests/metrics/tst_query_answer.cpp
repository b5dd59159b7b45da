// The one-pass reader of Prometheus' query answers (metrics/query_answer.h): every result type,
// special values, empty results, keys in any order, unknown keys skipped, and a clear error for
// each kind of malformed body.

#include "metrics/query_answer.h"

#include <QtTest>

#include <cmath>
#include <string>

using namespace aegis;
using namespace aegis::metrics;

class QueryAnswerTest : public QObject {
    Q_OBJECT

private slots:
    void readsAMatrix();
    void readsSpecialValues();
    void readsAVector();
    void readsAScalarAndAString();
    void readsEmptyResults();
    void acceptsAnyKeyOrderAndSkipsUnknownKeys();
    void rejectsMalformedBodies_data();
    void rejectsMalformedBodies();
};

void QueryAnswerTest::readsAMatrix() {
    // Labels out of order and escaped; whole and fractional timestamps.
    const auto result = parseQueryAnswer(
        R"({"status":"success","data":{"resultType":"matrix","result":[)"
        R"({"metric":{"job":"a\"b","__name__":"up","city":"Z\u00fcrich"},)"
        R"("values":[[1700000000,"1"],[1700000000.123,"2.5"],[1700000015.5,"-3e-2"]]},)"
        R"({"metric":{},"values":[[1700000000,"7"]]}]}})");
    QVERIFY2(result, result.status().toString().c_str());
    QCOMPARE(result->type, ResultType::Matrix);
    QCOMPARE(result->series.size(), std::size_t(2));
    QCOMPARE(result->series[0].labels,
             (Labels{{"__name__", "up"}, {"city", "Z\xc3\xbcrich"}, {"job", "a\"b"}}));
    QCOMPARE(result->series[0].timestampsMs,
             (std::vector<std::int64_t>{1'700'000'000'000, 1'700'000'000'123, 1'700'000'015'500}));
    QCOMPARE(result->series[0].values, (std::vector<double>{1, 2.5, -0.03}));
    QVERIFY(result->series[1].labels.empty());
    QCOMPARE(result->series[1].values, std::vector<double>{7});
    QVERIFY(result->warnings.empty());

    // Every escape JSON has, a surrogate pair among them; whitespace anywhere JSON allows it.
    const auto escaped = parseQueryAnswer(
        " {\"status\" : \"success\",\n\t\"data\":{\"resultType\":\"vector\",\"result\":[ "
        R"({"metric":{"l":"\"\\\/\b\f\n\r\t\u0041\ud83d\ude00"},"value":[1.5e3,"1E2"]} ]}} )");
    QVERIFY2(escaped, escaped.status().toString().c_str());
    QCOMPARE(escaped->series.at(0).labels.at(0).second,
             std::string("\"\\/\b\f\n\r\tA\xF0\x9F\x98\x80"));
    QCOMPARE(escaped->series[0].timestampsMs, std::vector<std::int64_t>{1'500'000});
    QCOMPARE(escaped->series[0].values, std::vector<double>{100});
}

void QueryAnswerTest::readsSpecialValues() {
    const auto result = parseQueryAnswer(
        R"({"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":)"
        R"([[1,"NaN"],[2,"+Inf"],[3,"-Inf"],[4,"1e+308"],[5,"-0"],[6,"0.1"]]}]}})");
    QVERIFY2(result, result.status().toString().c_str());
    const auto &values = result->series.at(0).values;
    QCOMPARE(values.size(), std::size_t(6));
    QVERIFY(std::isnan(values[0]));
    QVERIFY(std::isinf(values[1]) && values[1] > 0);
    QVERIFY(std::isinf(values[2]) && values[2] < 0);
    QCOMPARE(values[3], 1e308);
    QVERIFY(values[4] == 0 && std::signbit(values[4]));
    QCOMPARE(values[5], 0.1);
}

void QueryAnswerTest::readsAVector() {
    const auto result = parseQueryAnswer(
        R"({"status":"success","data":{"resultType":"vector","result":[)"
        R"({"metric":{"b":"x"},"value":[1700000000.123,"7"]}]},"warnings":["w1","w2"]})");
    QVERIFY2(result, result.status().toString().c_str());
    QCOMPARE(result->type, ResultType::Vector);
    QCOMPARE(result->series.size(), std::size_t(1));
    QCOMPARE(result->series[0].labels, (Labels{{"b", "x"}}));
    QCOMPARE(result->series[0].timestampsMs, std::vector<std::int64_t>{1'700'000'000'123});
    QCOMPARE(result->series[0].values, std::vector<double>{7});
    QCOMPARE(result->warnings, (std::vector<std::string>{"w1", "w2"}));
}

void QueryAnswerTest::readsAScalarAndAString() {
    const auto scalar = parseQueryAnswer(
        R"({"status":"success","data":{"resultType":"scalar","result":[1700000000.5,"2"]}})");
    QVERIFY2(scalar, scalar.status().toString().c_str());
    QCOMPARE(scalar->type, ResultType::Scalar);
    QCOMPARE(scalar->series.size(), std::size_t(1));
    QVERIFY(scalar->series[0].labels.empty());
    QCOMPARE(scalar->series[0].timestampsMs, std::vector<std::int64_t>{1'700'000'000'500});
    QCOMPARE(scalar->series[0].values, std::vector<double>{2});

    const auto text = parseQueryAnswer(
        R"({"status":"success","data":{"resultType":"string","result":[1700000000,"hello"]}})");
    QVERIFY2(text, text.status().toString().c_str());
    QCOMPARE(text->type, ResultType::String);
    QCOMPARE(text->stringValue, std::string("hello"));
    QVERIFY(text->series.empty());
}

void QueryAnswerTest::readsEmptyResults() {
    for (const auto &[type, expected] :
         {std::pair{"matrix", ResultType::Matrix}, std::pair{"vector", ResultType::Vector}}) {
        const auto result = parseQueryAnswer(R"({"status":"success","data":{"resultType":")" +
                                             std::string(type) + R"(","result":[]}})");
        QVERIFY2(result, result.status().toString().c_str());
        QCOMPARE(result->type, expected);
        QVERIFY(result->series.empty());
    }
    // A series whose points are all gone, and a native histogram, keep their labels.
    const auto result = parseQueryAnswer(
        R"({"status":"success","data":{"resultType":"matrix","result":[)"
        R"({"metric":{"a":"1"},"values":[]},)"
        R"({"metric":{"a":"2"},"histograms":[[1,{"count":"3","buckets":[[0,"0","1","3"]]}]]}]}})");
    QVERIFY2(result, result.status().toString().c_str());
    QCOMPARE(result->series.size(), std::size_t(2));
    QCOMPARE(result->series[1].labels, (Labels{{"a", "2"}}));
    QVERIFY(result->series[0].values.empty() && result->series[1].values.empty());
}

void QueryAnswerTest::acceptsAnyKeyOrderAndSkipsUnknownKeys() {
    const auto result = parseQueryAnswer(
        R"({"data":{"stats":{"timings":{"evalTotalTime":0.1}},"result":[)"
        R"({"values":[[1,"4"]],"extra":[1,[2,{"x":null}]],"metric":{"z":"1","a":"2"}}],)"
        R"("resultType":"matrix"},"infos":["i"],"status":"success","warnings":["w"]})");
    QVERIFY2(result, result.status().toString().c_str());
    QCOMPARE(result->type, ResultType::Matrix);
    QCOMPARE(result->series.size(), std::size_t(1));
    QCOMPARE(result->series[0].labels, (Labels{{"a", "2"}, {"z", "1"}}));
    QCOMPARE(result->series[0].values, std::vector<double>{4});
    QCOMPARE(result->warnings, std::vector<std::string>{"w"});

    // A scalar's result before its type.
    const auto scalar =
        parseQueryAnswer(R"({"status":"success","data":{"result":[1,"5"],"resultType":"scalar"}})");
    QVERIFY2(scalar, scalar.status().toString().c_str());
    QCOMPARE(scalar->series.at(0).values, std::vector<double>{5});
}

void QueryAnswerTest::rejectsMalformedBodies_data() {
    QTest::addColumn<QString>("body");
    QTest::addColumn<QString>("message");
    const QString matrix = R"({"status":"success","data":{"resultType":"matrix","result":%1}})";
    QTest::newRow("empty") << ""
                           << "not JSON: ";
    QTest::newRow("truncated") << matrix.arg(R"([{"metric":{},"values":[[1,"2"]])").chopped(2)
                               << "not JSON: ";
    QTest::newRow("html") << "<html>502 Bad Gateway</html>"
                          << "not JSON: ";
    QTest::newRow("trailing comma") << matrix.arg("[],") << "not JSON: ";
    QTest::newRow("text after") << R"({"status":"success"} x)"
                                << "not JSON: ";
    QTest::newRow("leading zero") << matrix.arg(R"([{"metric":{},"values":[[01,"2"]]}])")
                                  << "not JSON: invalid number";
    QTest::newRow("bare word") << matrix.arg("[nul]") << "not JSON: ";
    QTest::newRow("lone surrogate")
        << matrix.arg(R"([{"metric":{"a":"\ud83d"}}])") << "not JSON: unpaired surrogate";
    QTest::newRow("bad escape") << matrix.arg(R"([{"metric":{"a":"\x"}}])")
                                << "not JSON: invalid escape";
    QTest::newRow("raw newline in a string")
        << matrix.arg("[{\"metric\":{\"a\":\"\n\"}}]") << "not JSON: control character";
    QTest::newRow("missing colon") << R"({"status" "success"})"
                                   << "not JSON: expected ':'";
    QTest::newRow("not an object") << "[1,2]"
                                   << "unexpected array";
    QTest::newRow("error status")
        << R"({"status":"error","errorType":"bad_data","error":"parse error"})"
        << "\"status\" is 'error', not 'success'";
    QTest::newRow("no data") << R"({"status":"success"})"
                             << "\"data\" needs \"resultType\" and \"result\"";
    QTest::newRow("no result") << R"({"status":"success","data":{"resultType":"matrix"}})"
                               << "\"data\" needs \"resultType\" and \"result\"";
    QTest::newRow("unknown type")
        << R"({"status":"success","data":{"resultType":"table","result":[]}})"
        << "unknown resultType 'table'";
    QTest::newRow("value not a number") << matrix.arg(R"([{"metric":{},"values":[[1,"abc"]]}])")
                                        << "the sample value 'abc' is not a number";
    QTest::newRow("value as a number") << matrix.arg(R"([{"metric":{},"values":[[1,2]]}])")
                                       << "a sample is not a [time, value] pair";
    QTest::newRow("three elements") << matrix.arg(R"([{"metric":{},"values":[[1,"2","3"]]}])")
                                    << "a sample is not a [time, value] pair";
    QTest::newRow("one element") << matrix.arg(R"([{"metric":{},"values":[[1]]}])")
                                 << "a sample is not a [time, value] pair";
    QTest::newRow("label not a string")
        << matrix.arg(R"([{"metric":{"a":1},"values":[]}])") << "unexpected number";
    QTest::newRow("pair for a matrix")
        << matrix.arg(R"([1,"2"])") << "the result does not fit resultType 'matrix'";
    QTest::newRow("series for a scalar")
        << R"({"status":"success","data":{"resultType":"scalar","result":[]}})"
        << "the result does not fit resultType 'scalar'";
    QTest::newRow("mixed result") << matrix.arg(R"([{"metric":{}},1])")
                                  << "the result is not a list of series or a [time, value] pair";
}

void QueryAnswerTest::rejectsMalformedBodies() {
    QFETCH(QString, body);
    QFETCH(QString, message);
    const auto result = parseQueryAnswer(body.toStdString());
    QVERIFY(!result);
    QCOMPARE(result.status().code(), StatusCode::InvalidArgument);
    QVERIFY2(QString::fromStdString(result.status().message()).startsWith(message),
             result.status().message().c_str());
}

QTEST_APPLESS_MAIN(QueryAnswerTest)
#include "tst_query_answer.moc"
