#include "otlp_test_spans.h"
#include "tracing/otlp_http.h"
#include "tracing/otlp_ingest.h"
#include "tracing/sampling_policy.h"
#include "tracing/tail_sampler.h"

#include <QtTest>

#include <mutex>
#include <optional>

using namespace aegis;
using namespace aegis::tracing;
using aegis::testing::makeExport;
using aegis::testing::makeSpan;

namespace {

// Keeps what it is given; answers `done` with `answer`.
class MemorySink final : public SpanSink {
public:
    void accept(SpanBatchPtr batch, std::function<void(Status)> done) override {
        {
            std::lock_guard lock(mutex);
            batches.push_back(batch);
        }
        done(answer);
    }
    std::size_t spans() const {
        std::lock_guard lock(mutex);
        std::size_t count = 0;
        for (const auto &batch : batches) {
            count += countSpans(batch->request);
        }
        return count;
    }
    mutable std::mutex mutex;
    std::vector<SpanBatchPtr> batches;
    Status answer;
};

ExportResult run(OtlpIngest &ingest,
                 opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest request) {
    std::optional<ExportResult> result;
    const auto bytes = request.ByteSizeLong();
    ingest.exportRequest(std::move(request), bytes, OtlpProtocol::Grpc,
                         [&](ExportResult answer) { result = std::move(answer); });
    // Every sink here answers inside accept().
    return result.value();
}

class FakeTailStore final : public TailSamplingStore {
public:
    StatusOr<std::vector<TailCandidate>> tracesLastReceivedBetween(std::int64_t from,
                                                                   std::int64_t to) override {
        windows.emplace_back(from, to);
        return candidates;
    }
    Status deleteTraces(const std::vector<TraceId> &traces) override {
        deleted.insert(deleted.end(), traces.begin(), traces.end());
        return Status::ok();
    }
    std::vector<TailCandidate> candidates;
    std::vector<TraceId> deleted;
    std::vector<std::pair<std::int64_t, std::int64_t>> windows;
};

TraceId traceOf(std::uint64_t value) {
    return *traceIdFromBytes(makeSpan(value, 1).trace_id());
}

} // namespace

class TestOtlpIngest : public QObject {
    Q_OBJECT

private slots:
    void acceptsValidSpansWhole() {
        MemorySink sink;
        OtlpIngest ingest({{}, {}, {&sink}});
        const auto result = run(ingest, makeExport("checkout", {makeSpan(1, 1), makeSpan(1, 2)}));
        QVERIFY(result.status.isOk());
        QVERIFY(!result.response.has_partial_success());
        QCOMPARE(sink.spans(), std::size_t{2});
        QCOMPARE(ingest.status().spansReceived, std::uint64_t{2});
    }

    // Each span breaking a rule is refused alone; the answer counts them and names the first
    // with its span, the limit and the value (OTLP partial success).
    void refusesBadSpansAlone_data() {
        QTest::addColumn<int>("breaks");
        QTest::addColumn<QString>("message");
        QTest::newRow("short trace id") << 0 << "trace_id is 15 bytes";
        QTest::newRow("zero span id")
            << 1 << "span_id is 8 bytes; it must be 8 bytes, not all zero";
        QTest::newRow("parent of 4 bytes") << 2 << "parent_span_id is 4 bytes";
        QTest::newRow("ends before it starts") << 3 << "is before start_time_unix_nano";
        QTest::newRow("too many attributes")
            << 4 << "the span has 5; the limit is 4 (tracing.limits.max_attributes) attributes";
        QTest::newRow("long attribute")
            << 5 << "attribute 'big' is 100; the limit is 64 (tracing.limits.max_attribute_bytes)";
        QTest::newRow("too many events") << 6 << "(tracing.limits.max_events)";
        QTest::newRow("too many links") << 7 << "(tracing.limits.max_links)";
        QTest::newRow("bad link") << 8 << "links[0] needs a 16-byte trace_id";
        QTest::newRow("long event attribute") << 9 << "event 'e' attribute 'big' is 100";
    }
    void refusesBadSpansAlone() {
        QFETCH(int, breaks);
        QFETCH(QString, message);
        auto bad = makeSpan(7, 9, "bad");
        switch (breaks) {
        case 0:
            bad.set_trace_id(std::string(15, '\x01'));
            break;
        case 1:
            bad.set_span_id(std::string(8, '\0'));
            break;
        case 2:
            bad.set_parent_span_id("abcd");
            break;
        case 3:
            bad.set_end_time_unix_nano(bad.start_time_unix_nano() - 1);
            break;
        case 4:
            for (int i = 0; i < 4; ++i) {
                bad.add_attributes()->set_key("k" + std::to_string(i));
            }
            break;
        case 5: {
            auto *attribute = bad.add_attributes();
            attribute->set_key("big");
            attribute->mutable_value()->set_string_value(std::string(100, 'x'));
            break;
        }
        case 6:
            for (int i = 0; i < 3; ++i) {
                bad.add_events()->set_name("e");
            }
            break;
        case 7:
            for (int i = 0; i < 3; ++i) {
                auto *link = bad.add_links();
                link->set_trace_id(makeSpan(1, 1).trace_id());
                link->set_span_id(makeSpan(1, 1).span_id());
            }
            break;
        case 8:
            bad.add_links()->set_trace_id("short");
            break;
        case 9: {
            auto *event = bad.add_events();
            event->set_name("e");
            auto *attribute = event->add_attributes();
            attribute->set_key("big");
            attribute->mutable_value()->mutable_array_value()->add_values()->set_bytes_value(
                std::string(100, 'x'));
            break;
        }
        }
        MemorySink sink;
        OtlpIngestOptions options;
        options.limits.maxAttributes = 4;
        options.limits.maxAttributeBytes = 64;
        options.limits.maxEvents = 2;
        options.limits.maxLinks = 2;
        options.sinks = {&sink};
        OtlpIngest ingest(options);
        const auto result =
            run(ingest, makeExport("checkout", {makeSpan(1, 1), bad, makeSpan(1, 2)}));
        QVERIFY2(result.status.isOk(), result.status.toString().c_str());
        QVERIFY(result.response.has_partial_success());
        QCOMPARE(result.response.partial_success().rejected_spans(), std::int64_t{1});
        const QString said =
            QString::fromStdString(result.response.partial_success().error_message());
        QVERIFY2(said.contains(message), qPrintable(said));
        QVERIFY2(said.contains("'bad' of checkout"), qPrintable(said));
        QCOMPARE(sink.spans(), std::size_t{2});
        QCOMPARE(ingest.status().spansRejected, std::uint64_t{1});
    }

    void refusesAResourceOverTheLimitWithItsSpans() {
        MemorySink sink;
        OtlpIngestOptions options;
        options.limits.maxAttributes = 1;
        options.sinks = {&sink};
        OtlpIngest ingest(options);
        auto request = makeExport("checkout", {makeSpan(1, 1), makeSpan(1, 2)});
        request.mutable_resource_spans(0)->mutable_resource()->add_attributes()->set_key("x");
        const auto result = run(ingest, request);
        QVERIFY(result.status.isOk());
        QCOMPARE(result.response.partial_success().rejected_spans(), std::int64_t{2});
        QVERIFY(result.response.partial_success().error_message().find(
                    "its resource has 2; the limit is 1") != std::string::npos);
        QCOMPARE(sink.spans(), std::size_t{0});
    }

    void refusesTooManySpansWhole() {
        MemorySink sink;
        OtlpIngestOptions options;
        options.limits.maxSpansPerRequest = 2;
        options.sinks = {&sink};
        OtlpIngest ingest(options);
        const auto result =
            run(ingest, makeExport("checkout", {makeSpan(1, 1), makeSpan(1, 2), makeSpan(1, 3)}));
        QCOMPARE(result.status.code(), StatusCode::InvalidArgument);
        QVERIFY(result.status.message().find("3; the limit is 2 "
                                             "(tracing.limits.max_spans_per_request)") !=
                std::string::npos);
        QCOMPARE(sink.spans(), std::size_t{0});
        QCOMPARE(ingest.status().spansRejected, std::uint64_t{3});
    }

    void refusesOversizeAndUndecodableWhole() {
        MemorySink sink;
        OtlpIngestOptions options;
        options.limits.maxRequestBytes = 1024;
        options.sinks = {&sink};
        OtlpIngest ingest(options);
        std::optional<ExportResult> result;
        ingest.exportSerialized(std::string(2000, 'x'), OtlpProtocol::Http,
                                [&](ExportResult answer) { result = answer; });
        QCOMPARE(result->status.code(), StatusCode::ResourceExhausted);
        QVERIFY(result->status.message().find("max_request_bytes") != std::string::npos);
        ingest.exportSerialized("\x0a\xff\xff", OtlpProtocol::Http,
                                [&](ExportResult answer) { result = answer; });
        QCOMPARE(result->status.code(), StatusCode::InvalidArgument);
        // A proto3 string that is not UTF-8 makes the message undecodable.
        auto request = makeExport("checkout", {makeSpan(1, 1, std::string("\xc3\x28", 2))});
        ingest.exportSerialized(request.SerializePartialAsString(), OtlpProtocol::Http,
                                [&](ExportResult answer) { result = answer; });
        QCOMPARE(result->status.code(), StatusCode::InvalidArgument);
        QCOMPARE(sink.spans(), std::size_t{0});
    }

    void emptyExportSucceeds() {
        MemorySink sink;
        OtlpIngest ingest({{}, {}, {&sink}});
        const auto result = run(ingest, {});
        QVERIFY(result.status.isOk());
        QVERIFY(!result.response.has_partial_success());
        QVERIFY(sink.batches.empty());
    }

    void bearerToken() {
        OtlpIngest ingest({{}, "s3cret", {}});
        QVERIFY(ingest.authorize("Bearer s3cret").isOk());
        QVERIFY(ingest.authorize("bearer s3cret").isOk());
        QCOMPARE(ingest.authorize("").code(), StatusCode::Unauthenticated);
        QCOMPARE(ingest.authorize("Bearer wrong").code(), StatusCode::Unauthenticated);
        QCOMPARE(ingest.authorize("Basic s3cret").code(), StatusCode::Unauthenticated);
        OtlpIngest open({{}, {}, {}});
        QVERIFY(open.authorize("").isOk());
    }

    // Exports taken and not yet answered stay under max_in_flight_bytes; beyond it the answer is
    // the retryable "busy", and room comes back as exports are answered.
    void answersBusyBeyondTheBytesInFlight() {
        // Holds every batch's answer until released.
        class HoldingSink final : public SpanSink {
        public:
            void accept(SpanBatchPtr, std::function<void(Status)> done) override {
                held.push_back(std::move(done));
            }
            std::vector<std::function<void(Status)>> held;
        };
        HoldingSink sink;
        const auto request = makeExport("checkout", {makeSpan(1, 1)});
        const auto bytes = static_cast<std::int64_t>(request.ByteSizeLong());
        OtlpIngestOptions options;
        options.limits.maxInFlightBytes = bytes * 3 / 2;
        options.sinks = {&sink};
        OtlpIngest ingest(options);
        std::vector<ExportResult> results;
        const auto send = [&] {
            ingest.exportRequest(request, request.ByteSizeLong(), OtlpProtocol::Grpc,
                                 [&](ExportResult answer) { results.push_back(answer); });
        };
        send();
        QVERIFY(results.empty());
        send();
        QCOMPARE(results.size(), std::size_t{1});
        QCOMPARE(results[0].status.code(), StatusCode::Unavailable);
        QVERIFY2(results[0].status.message().find("tracing.limits.max_in_flight_bytes") !=
                     std::string::npos,
                 results[0].status.message().c_str());
        QCOMPARE(sink.held.size(), std::size_t{1});
        sink.held[0](Status::ok());
        QCOMPARE(results.size(), std::size_t{2});
        QVERIFY(results[1].status.isOk());
        send();
        QCOMPARE(sink.held.size(), std::size_t{2});
        sink.held[1](Status::ok());
        QVERIFY(results.at(2).status.isOk());
    }

    void aStoreFailureIsRetryable() {
        MemorySink sink;
        sink.answer = unavailable("disk full");
        MemorySink forwarder;
        OtlpIngest ingest({{}, {}, {&sink, &forwarder}});
        const auto result = run(ingest, makeExport("checkout", {makeSpan(1, 1)}));
        QCOMPARE(result.status.code(), StatusCode::Unavailable);
        QVERIFY(result.status.message().find("disk full") != std::string::npos);
        QCOMPARE(forwarder.spans(), std::size_t{1});
    }

    // The same trace gets the same decision in every export and for every service with the
    // same ratio; about `ratio` of traces are kept.
    void headSamplingIsConsistentPerTrace() {
        MemorySink sink;
        OtlpIngest ingest({{}, {}, {&sink}});
        auto policy = parseSamplingPolicy("head:\n  ratio: 0.25\n  services:\n    audit: 0\n");
        QVERIFY(policy);
        ingest.setPolicy(std::make_shared<SamplingPolicy>(*policy), 3, "yaml");
        std::size_t kept = 0;
        for (std::uint64_t trace = 1; trace <= 2000; ++trace) {
            const std::uint64_t mixed = trace * 0x9e3779b97f4a7c15ULL;
            const auto before = sink.spans();
            run(ingest, makeExport("checkout", {makeSpan(mixed, 1), makeSpan(mixed, 2)}));
            const auto added = sink.spans() - before;
            QVERIFY(added == 0 || added == 2);
            run(ingest, makeExport("inventory", {makeSpan(mixed, 3)}));
            QCOMPARE(sink.spans() - before - added, added / 2);
            kept += added > 0 ? 1 : 0;
            QCOMPARE(policy->headKeeps(traceOf(mixed), "audit"), false);
        }
        QVERIFY2(kept > 400 && kept < 600, std::to_string(kept).c_str());
        const auto status = ingest.status();
        QCOMPARE(status.spansSampledOut, std::uint64_t{3 * (2000 - kept)});
        QCOMPARE(status.samplingPolicyVersion, std::int64_t{3});
    }

    // With a tail sampler behind the store every span is kept for it; without one (no store)
    // the head ratio still applies at ingest.
    void tailRulesStoreEverything() {
        auto policy = parseSamplingPolicy("head: {ratio: 0}\ntail: {keep_errors: true}\n");
        QVERIFY(policy);
        for (const bool tailSampled : {true, false}) {
            MemorySink sink;
            OtlpIngestOptions options;
            options.sinks = {&sink};
            options.tailSampled = tailSampled;
            OtlpIngest ingest(options);
            ingest.setPolicy(std::make_shared<SamplingPolicy>(*policy), 1, "yaml");
            run(ingest, makeExport("checkout", {makeSpan(5, 1)}));
            QCOMPARE(sink.spans(), std::size_t{tailSampled ? 1u : 0u});
        }
    }

    void policyValidationNamesTheField_data() {
        QTest::addColumn<QString>("yaml");
        QTest::addColumn<QString>("message");
        QTest::newRow("ratio") << "head:\n  ratio: 1.5\n"
                               << "head.ratio: '1.5' is not a ratio";
        QTest::newRow("service ratio") << "head:\n  services:\n    checkout: -1\n"
                                       << "head.services.checkout: '-1'";
        QTest::newRow("unknown") << "head:\n  rate: 1\n"
                                 << "head.rate: unknown field";
        QTest::newRow("top") << "sampling: {}\n"
                             << "sampling: unknown field";
        QTest::newRow("percent") << "tail:\n  keep_slowest_percent: 101\n"
                                 << "tail.keep_slowest_percent: '101'";
        QTest::newRow("errors") << "tail:\n  keep_errors: maybe\n"
                                << "tail.keep_errors: must be";
        QTest::newRow("wait") << "tail:\n  decision_wait: 20m\n"
                              << "tail.decision_wait: '20m'";
        QTest::newRow("investigate") << "tail:\n  investigate:\n    - until: 2026-01-01T00:00:00Z\n"
                                     << "tail.investigate[0].service: is required";
        QTest::newRow("until") << "tail:\n  investigate:\n    - {service: a, until: tomorrow}\n"
                               << "tail.investigate[0].until: must be an RFC 3339 time";
        QTest::newRow("syntax") << "head: [\n"
                                << "content: line";
    }
    void policyValidationNamesTheField() {
        QFETCH(QString, yaml);
        QFETCH(QString, message);
        const auto policy = parseSamplingPolicy(yaml.toStdString());
        QVERIFY(!policy);
        QCOMPARE(policy.status().code(), StatusCode::InvalidArgument);
        QVERIFY2(QString::fromStdString(policy.status().message()).contains(message),
                 policy.status().message().c_str());
    }

    void policyParses() {
        const auto policy = parseSamplingPolicy(R"(head:
  ratio: 0.1
  services:
    checkout: 1
tail:
  keep_errors: true
  keep_slowest_percent: 5
  decision_wait: 3s
  investigate:
    - service: payments
      until: 2026-12-06T18:00:00Z
    - service: inventory
)");
        QVERIFY2(policy, policy.status().toString().c_str());
        QCOMPARE(policy->headRatio, 0.1);
        QCOMPARE(policy->ratioOf("checkout"), 1.0);
        QCOMPARE(policy->ratioOf("other"), 0.1);
        QVERIFY(policy->keepErrors);
        QCOMPARE(policy->keepSlowestPercent, 5.0);
        QCOMPARE(policy->decisionWait, std::chrono::milliseconds(3000));
        QCOMPARE(policy->investigate.size(), std::size_t{2});
        QVERIFY(policy->hasTailRules());
        const auto before = std::chrono::system_clock::time_point(std::chrono::hours(490000));
        QVERIFY(policy->investigating("payments", before));
        QVERIFY(!policy->investigating("payments", *policy->investigate[0].until));
        QVERIFY(policy->investigating("inventory", *policy->investigate[0].until));
        QVERIFY(parseSamplingPolicy("").value().headRatio == 1.0);
    }

    // The sampler decides each window once, after the decision wait, and deletes what no rule
    // keeps.
    void tailSamplerKeepsWhatRulesKeep() {
        auto clock = std::make_shared<ManualClock>();
        FakeTailStore store;
        auto policy = std::make_shared<SamplingPolicy>(parseSamplingPolicy(R"(head: {ratio: 0}
tail:
  keep_errors: true
  keep_slowest_percent: 10
  decision_wait: 2s
  investigate: [{service: payments}]
)")
                                                           .value());
        TailSampler sampler(store, [&] { return SamplingPolicyPtr(policy); }, {clock, 100});
        QCOMPARE(sampler.tick().value().kept, std::size_t{0});
        QVERIFY(store.windows.empty());
        clock->advance(std::chrono::seconds(3));
        for (std::uint64_t i = 1; i <= 20; ++i) {
            TailCandidate trace;
            trace.traceId = traceOf(i);
            trace.durationNanos = static_cast<std::int64_t>(i) * 1000;
            trace.services = {"checkout"};
            trace.rootService = "checkout";
            trace.hasError = i == 3;
            if (i == 5) {
                trace.services.push_back("payments");
            }
            store.candidates.push_back(trace);
        }
        const auto round = sampler.tick();
        QVERIFY(round);
        // The error (3), payments (5) and the slowest 10 % (19, 20).
        QCOMPARE(round->kept, std::size_t{4});
        QCOMPARE(round->deleted, std::size_t{16});
        QCOMPARE(store.windows.size(), std::size_t{1});
        QCOMPARE(store.windows[0].second - store.windows[0].first, std::int64_t{1'000'000'000});
        for (std::uint64_t kept : {3, 5, 19, 20}) {
            QVERIFY(std::find(store.deleted.begin(), store.deleted.end(), traceOf(kept)) ==
                    store.deleted.end());
        }
        // Nothing new to decide within the same second.
        store.candidates.clear();
        QCOMPARE(sampler.tick().value().deleted, std::size_t{0});
        QCOMPARE(store.windows.size(), std::size_t{1});
    }

    void httpStatusBody() {
        // google.rpc.Status{code: 3, message: "x"}
        QCOMPARE(encodeRpcStatus(invalidArgument("x")), std::string("\x08\x03\x12\x01x", 5));
        const std::string gzipped = [] {
            // "hello" compressed by gzip -n.
            return std::string("\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03\xcb\x48\xcd\xc9\xc9\x07"
                               "\x00\x86\xa6\x10\x36\x05\x00\x00\x00",
                               25);
        }();
        QCOMPARE(gunzip(gzipped, 100).value(), std::string("hello"));
        QCOMPARE(gunzip(gzipped, 3).status().code(), StatusCode::ResourceExhausted);
        QCOMPARE(gunzip("not gzip", 100).status().code(), StatusCode::InvalidArgument);
    }
};

QTEST_APPLESS_MAIN(TestOtlpIngest)
#include "tst_otlp_ingest.moc"
