// W3C Trace Context: traceparent and tracestate parsed and formatted as the specification and its
// test suite (github.com/w3c/trace-context, test/test.py) require, and carried over HTTP headers
// and gRPC metadata.

#include "client/grpc_tracing.h"
#include "client/trace_context.h"

#include <QtTest>

#include <map>

using namespace aegis;
using namespace aegis::client;

namespace {

const std::string kTraceId = "12345678901234567890123456789012";

// Headers as a request carries them: name (any case) and value, in order.
using HeaderList = std::vector<std::pair<std::string, std::string>>;

HeaderValues headerValues(const HeaderList &headers) {
    return [headers](std::string_view name) {
        std::vector<std::string> values;
        for (const auto &[key, value] : headers) {
            if (QString::fromStdString(key).compare(QString::fromUtf8(name.data(), name.size()),
                                                    Qt::CaseInsensitive) == 0) {
                values.push_back(value);
            }
        }
        return values;
    };
}

std::optional<SpanContext> extract(const HeaderList &headers) {
    return extractContext(headerValues(headers));
}

} // namespace

Q_DECLARE_METATYPE(std::string)

class TraceContextTest : public QObject {
    Q_OBJECT

private slots:
    void traceparentCases_data() {
        QTest::addColumn<std::string>("header");
        QTest::addColumn<bool>("valid");
        QTest::addColumn<int>("flags");
        const auto row = [](const char *name, std::string header, bool valid, int flags = 0) {
            QTest::newRow(name) << header << valid << flags;
        };
        // Valid examples of the specification.
        row("sampled", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", true, 1);
        row("not sampled", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00", true, 0);
        row("random flag kept", "00-" + kTraceId + "-1234567890123456-02", true, 2);
        row("unknown flags cleared", "00-" + kTraceId + "-1234567890123456-ff", true, 3);
        // test_traceparent_version_0x00: nothing may follow version 00's flags.
        row("00 with a trailing dot", "00-" + kTraceId + "-1234567890123456-01.", false);
        row("00 with future fields", "00-" + kTraceId + "-1234567890123456-01-what-the-future",
            false);
        // test_traceparent_version_0xcc: a higher version is read for its first four fields.
        row("cc", "cc-" + kTraceId + "-1234567890123456-01", true, 1);
        row("cc with future fields", "cc-" + kTraceId + "-1234567890123456-01-what-the-future",
            true, 1);
        row("cc with a dot after flags", "cc-" + kTraceId + "-1234567890123456-01.what", false);
        row("cc shorter than 55", "cc-" + kTraceId + "-1234567890123456-0", false);
        row("version ff", "ff-" + kTraceId + "-1234567890123456-01", false);
        row("version .0", ".0-" + kTraceId + "-1234567890123456-01", false);
        row("version 0.", "0.-" + kTraceId + "-1234567890123456-01", false);
        row("version 000", "000-" + kTraceId + "-1234567890123456-01", false);
        row("version 0000", "0000-" + kTraceId + "-1234567890123456-01", false);
        row("version 0", "0-" + kTraceId + "-1234567890123456-01", false);
        row("version uppercase", "0A-" + kTraceId + "-1234567890123456-01", false);
        row("trace id zero", "00-00000000000000000000000000000000-1234567890123456-01", false);
        row("trace id .", "00-.2345678901234567890123456789012-1234567890123456-01", false);
        row("trace id ends .", "00-1234567890123456789012345678901.-1234567890123456-01", false);
        row("trace id uppercase", "00-4BF92F3577B34DA6A3CE929D0E0E4736-1234567890123456-01", false);
        row("trace id too long", "00-123456789012345678901234567890123-1234567890123456-01", false);
        row("trace id too short", "00-1234567890123456789012345678901-1234567890123456-01", false);
        row("parent id zero", "00-" + kTraceId + "-0000000000000000-01", false);
        row("parent id .", "00-" + kTraceId + "-.234567890123456-01", false);
        row("parent id ends .", "00-" + kTraceId + "-123456789012345.-01", false);
        row("parent id too long", "00-" + kTraceId + "-12345678901234567-01", false);
        row("parent id too short", "00-" + kTraceId + "-123456789012345-01", false);
        row("flags .0", "00-" + kTraceId + "-1234567890123456-.0", false);
        row("flags 0.", "00-" + kTraceId + "-1234567890123456-0.", false);
        row("flags too long", "00-" + kTraceId + "-1234567890123456-001", false);
        row("flags too short", "00-" + kTraceId + "-1234567890123456-1", false);
        row("flags uppercase", "00-" + kTraceId + "-1234567890123456-0A", false);
        // test_traceparent_ows_handling.
        row("leading space", " 00-" + kTraceId + "-1234567890123456-01", true, 1);
        row("leading tab", "\t00-" + kTraceId + "-1234567890123456-01", true, 1);
        row("trailing space", "00-" + kTraceId + "-1234567890123456-01 ", true, 1);
        row("trailing tab", "00-" + kTraceId + "-1234567890123456-01\t", true, 1);
        row("both", "\t 00-" + kTraceId + "-1234567890123456-01 \t", true, 1);
        row("empty", "", false);
    }

    void traceparentCases() {
        QFETCH(std::string, header);
        QFETCH(bool, valid);
        QFETCH(int, flags);
        const auto parsed = parseTraceparent(header);
        QCOMPARE(parsed.has_value(), valid);
        if (valid) {
            QCOMPARE(parsed->traceFlags, std::uint8_t(flags));
            QVERIFY(parsed->remote);
            QVERIFY(parsed->isValid());
        }
    }

    void traceparentFormatsVersion00() {
        const auto parsed =
            parseTraceparent("cc-" + kTraceId + "-1234567890123456-01-what-the-future");
        QVERIFY(parsed);
        // Downgraded to the version this implementation knows, the unknown fields dropped.
        QCOMPARE(formatTraceparent(*parsed), "00-" + kTraceId + "-1234567890123456-01");
        const std::string example = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
        QCOMPARE(formatTraceparent(*parseTraceparent(example)), example);
    }

    void extractFollowsTheHarness() {
        const std::string parent = "00-" + kTraceId + "-1234567890123456-01";
        // test_traceparent_header_name_valid_casing.
        for (const char *name : {"traceparent", "TraceParent", "TrAcEpArEnT"}) {
            const auto context = extract({{name, parent}});
            QVERIFY2(context, name);
            QCOMPARE(tracing::toHex(context->traceId), kTraceId);
        }
        // test_traceparent_header_name: a misspelt name is not the header.
        QVERIFY(!extract({{"trace-parent", parent}}));
        QVERIFY(!extract({{"trace.parent", parent}}));
        // test_traceparent_duplicated: two traceparents, neither is used.
        QVERIFY(
            !extract({{"traceparent", "00-12345678901234567890123456789011-1234567890123456-01"},
                      {"traceparent", parent}}));
        // test_tracestate_included_traceparent_missing: nothing without traceparent.
        QVERIFY(!extract({{"tracestate", "foo=1"}}));
        // test_tracestate_included_traceparent_included.
        auto context = extract({{"traceparent", parent}, {"tracestate", "foo=1,bar=2"}});
        QVERIFY(context);
        QCOMPARE(context->traceState.get("foo"), std::optional<std::string>("1"));
        QCOMPARE(context->traceState.get("bar"), std::optional<std::string>("2"));
        // test_tracestate_header_name / _valid_casing.
        QVERIFY(extract({{"traceparent", parent}, {"trace-state", "foo=1"}})->traceState.empty());
        QCOMPARE(extract({{"traceparent", parent}, {"TrAcEsTaTe", "foo=1"}})->traceState.get("foo"),
                 std::optional<std::string>("1"));
        // test_tracestate_empty_header.
        QVERIFY(extract({{"traceparent", parent}, {"tracestate", ""}})->traceState.empty());
        for (const HeaderList &headers :
             {HeaderList{{"traceparent", parent}, {"tracestate", "foo=1"}, {"tracestate", ""}},
              HeaderList{{"traceparent", parent}, {"tracestate", ""}, {"tracestate", "foo=1"}}}) {
            QCOMPARE(extract(headers)->traceState.format(), std::string("foo=1"));
        }
        // test_tracestate_multiple_headers_different_keys: combined in order.
        context = extract({{"traceparent", parent},
                           {"tracestate", "foo=1,bar=2"},
                           {"tracestate", "rojo=1,congo=2"},
                           {"tracestate", "baz=3"}});
        QCOMPARE(context->traceState.format(), std::string("foo=1,bar=2,rojo=1,congo=2,baz=3"));
        // An invalid tracestate is dropped; the traceparent stays.
        context = extract({{"traceparent", parent}, {"tracestate", "foo=bar=baz"}});
        QVERIFY(context);
        QVERIFY(context->traceState.empty());
    }

    void tracestateCases_data() {
        QTest::addColumn<std::string>("header");
        QTest::addColumn<bool>("valid");
        QTest::addColumn<std::string>("formatted");
        const auto row = [](const char *name, std::string header, bool valid,
                            std::string formatted = {}) {
            QTest::newRow(name) << header << valid << formatted;
        };
        row("duplicate same", "foo=1,foo=1", true, "foo=1");
        row("duplicate different", "foo=1,foo=2", true, "foo=1");
        row("ows", "foo=1 \t , \t bar=2, \t baz=3", true, "foo=1,bar=2,baz=3");
        row("ows tabs", "foo=1\t \t,\t \tbar=2,\t \tbaz=3", true, "foo=1,bar=2,baz=3");
        row("leading space", " foo=1", true, "foo=1");
        row("leading tab", "\tfoo=1", true, "foo=1");
        row("trailing space", "foo=1 ", true, "foo=1");
        row("trailing tab", "foo=1\t", true, "foo=1");
        row("around", "\t foo=1 \t", true, "foo=1");
        row("empty members", ",,foo=1, ,", true, "foo=1");
        row("value keeps leading spaces", "foo=  1", true, "foo=  1");
        // test_tracestate_key_illegal_characters.
        row("key with space", "foo =1", false);
        row("uppercase key", "FOO=1", false);
        row("key with dot", "foo.bar=1", false);
        // test_tracestate_key_illegal_vendor_format.
        row("at sign at the end", "foo@=1,bar=2", true, "foo@=1,bar=2");
        row("at sign first", "@foo=1,bar=2", false);
        row("two at signs", "foo@@bar=1,bar=2", true, "foo@@bar=1,bar=2");
        row("at signs", "foo@bar@baz=1,bar=2", true, "foo@bar@baz=1,bar=2");
        // test_tracestate_key_length_limit.
        row("key of 256", std::string(256, 'z') + "=1", true, std::string(256, 'z') + "=1");
        row("key of 257", "foo=1," + std::string(257, 'z') + "=1", false);
        row("tenant@vendor", std::string(241, 't') + "@" + std::string(14, 'v') + "=1", true,
            std::string(241, 't') + "@" + std::string(14, 'v') + "=1");
        row("long tenant", std::string(242, 't') + "@v=1", true, std::string(242, 't') + "@v=1");
        row("long vendor", "t@" + std::string(15, 'v') + "=1", true,
            "t@" + std::string(15, 'v') + "=1");
        // test_tracestate_value_illegal_characters.
        row("value with =", "foo=bar=baz", false);
        row("empty value", "foo=,bar=3", false);
        row("no =", "foo", false);
        row("value of 257", "foo=" + std::string(257, 'a'), false);
        row("control character", "foo=a\x01", false);
    }

    void tracestateCases() {
        QFETCH(std::string, header);
        QFETCH(bool, valid);
        QFETCH(std::string, formatted);
        const auto state = TraceState::parse(header);
        QCOMPARE(state.has_value(), valid);
        if (valid && formatted.size() <= TraceState::kMaxHeaderLength) {
            QCOMPARE(state->format(), formatted);
        }
    }

    void tracestateAllowedCharacters() {
        // test_tracestate_all_allowed_characters.
        std::string key = "abcdefghijklmnopqrstuvwxyz0123456789_-*/";
        std::string value;
        for (int c = 0x20; c <= 0x7E; ++c) {
            if (c != ',' && c != '=') {
                value += static_cast<char>(c);
            }
        }
        for (const std::string &k : {key, key + "@a-z0-9_-*/"}) {
            const auto state = TraceState::parse(k + "=" + value);
            QVERIFY(state);
            QCOMPARE(state->get(k), std::optional<std::string>(value));
        }
    }

    void tracestateMemberLimit() {
        // test_tracestate_member_count_limit: 32 pass, 33 discard the whole header.
        std::vector<std::string> fields;
        std::string members;
        for (int i = 1; i <= 33; ++i) {
            char member[16];
            std::snprintf(member, sizeof member, "bar%02d=%02d", i, i);
            members += (members.empty() ? "" : ",") + std::string(member);
            if (i == 32) {
                const auto state = TraceState::parse(members);
                QVERIFY(state);
                QCOMPARE(state->members().size(), std::size_t(32));
                QCOMPARE(state->get("bar01"), std::optional<std::string>("01"));
            }
        }
        QVERIFY(!TraceState::parse(members));
    }

    void tracestateMutationsAndTruncation() {
        auto state = *TraceState::parse("rojo=00f067aa0ba902b7,congo=t61rcWkgMzE");
        // Updated keys move to the left.
        QVERIFY(state.set("congo", "ucfJifl5GOE"));
        QCOMPARE(state.format(), std::string("congo=ucfJifl5GOE,rojo=00f067aa0ba902b7"));
        QVERIFY(!state.set("Bad", "1"));
        QVERIFY(!state.set("ok", "a,b"));
        // A 33rd member pushes out the rightmost.
        TraceState full;
        for (int i = 0; i < 33; ++i) {
            QVERIFY(full.set("k" + std::to_string(i), "v"));
        }
        QCOMPARE(full.members().size(), std::size_t(32));
        QVERIFY(!full.get("k0"));
        // Truncated to 512 characters by whole members: those over 128 go first, then from the
        // right.
        TraceState big;
        for (int i = 0; i < 12; ++i) {
            QVERIFY(big.set("small" + std::to_string(i), std::string(40, 'x')));
        }
        QVERIFY(big.set("huge", std::string(200, 'h')));
        const std::string formatted = big.format();
        QVERIFY(formatted.size() <= TraceState::kMaxHeaderLength);
        QVERIFY(formatted.find("huge=") == std::string::npos);
        QVERIFY(formatted.find("small11=") != std::string::npos); // the leftmost stay
        QVERIFY(formatted.find("small0=") == std::string::npos);  // the rightmost went
    }

    void injectWritesBothHeaders() {
        auto context = *parseTraceparent("00-" + kTraceId + "-1234567890123456-03");
        context.traceState = *TraceState::parse("congo=t61rcWkgMzE");
        std::map<std::string, std::string> headers;
        injectContext(context, [&](std::string_view name, std::string_view value) {
            headers[std::string(name)] = std::string(value);
        });
        QCOMPARE(headers.at("traceparent"), "00-" + kTraceId + "-1234567890123456-03");
        QCOMPARE(headers.at("tracestate"), std::string("congo=t61rcWkgMzE"));
        headers.clear();
        injectContext(SpanContext{}, [&](std::string_view name, std::string_view value) {
            headers[std::string(name)] = std::string(value);
        });
        QVERIFY(headers.empty());
    }

    void grpcMetadataRoundTrips() {
        auto context = *parseTraceparent("00-" + kTraceId + "-1234567890123456-01");
        context.traceState = *TraceState::parse("aegis=1");
        std::multimap<std::string, std::string> sent;
        injectContext(context, [&](std::string_view name, std::string_view value) {
            sent.emplace(name, value);
        });
        std::multimap<grpc::string_ref, grpc::string_ref> received;
        for (const auto &[key, value] : sent) {
            received.emplace(key, value);
        }
        const auto extracted = extractContext(received);
        QVERIFY(extracted);
        QCOMPARE(tracing::toHex(extracted->traceId), kTraceId);
        QCOMPARE(extracted->traceState.format(), std::string("aegis=1"));
        QCOMPARE(rpcSpanName("/aegis.v1.RegistryService/ListInstances"),
                 std::string("aegis.v1.RegistryService/ListInstances"));
    }
};

QTEST_APPLESS_MAIN(TraceContextTest)
#include "tst_trace_context.moc"
