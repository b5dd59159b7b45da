#include "tracing/trace_ids.h"

#include <QtTest>

using namespace aegis::tracing;

class TestTraceIds : public QObject {
    Q_OBJECT

private slots:
    void hexRoundTrips() {
        const auto trace = parseTraceId("4BF92F3577B34DA6A3CE929D0E0E4736");
        QVERIFY(trace);
        QCOMPARE(toHex(*trace), std::string("4bf92f3577b34da6a3ce929d0e0e4736"));
        const auto span = parseSpanId("00f067aa0ba902b7");
        QVERIFY(span);
        QCOMPARE(toHex(*span), std::string("00f067aa0ba902b7"));
        QCOMPARE(spanIdToInt(*span), std::uint64_t{0x00f067aa0ba902b7});
        QCOMPARE(spanIdFromInt(0x00f067aa0ba902b7), *span);
    }

    void refusesWhatW3cRefuses() {
        QVERIFY(!parseTraceId("00000000000000000000000000000000"));
        QVERIFY(!parseTraceId("4bf92f3577b34da6a3ce929d0e0e473"));
        QVERIFY(!parseTraceId("4bf92f3577b34da6a3ce929d0e0e4736a"));
        QVERIFY(!parseTraceId("4bf92f3577b34da6a3ce929d0e0e473g"));
        QVERIFY(!parseSpanId("0000000000000000"));
        QVERIFY(!spanIdFromBytes(std::string(8, '\0')));
        QVERIFY(!traceIdFromBytes(std::string(15, '\x01')));
    }

    void bytesAreTheIdsBytes() {
        const std::string bytes("\x01\x02\x03\x04\x05\x06\x07\x08", 8);
        const auto span = spanIdFromBytes(bytes);
        QVERIFY(span);
        QCOMPARE(toHex(*span), std::string("0102030405060708"));
    }
};

QTEST_APPLESS_MAIN(TestTraceIds)
#include "tst_trace_ids.moc"
