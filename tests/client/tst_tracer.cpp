// The tracer of libaegis-client: sampler decisions, spans and their OTLP records, the current span
// within a thread and handed across threads, and the OTEL_* environment.

#include "client/tracer.h"
#include "client/tracing_setup.h"

#include <QtTest>

#include <map>
#include <mutex>
#include <thread>

using namespace aegis;
using namespace aegis::client;
namespace otlp = opentelemetry::proto;

namespace {

// Keeps what the tracer hands over.
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

TraceId traceIdWithLow56(std::uint64_t low) {
    TraceId id{};
    id[0] = 0xAB;
    for (int i = 15; i >= 9; --i) {
        id[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(low & 0xFF);
        low >>= 8;
    }
    return id;
}

SpanContext remoteParent(bool sampled) {
    auto context =
        *parseTraceparent(std::string("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0") +
                          (sampled ? "3" : "2"));
    return context;
}

Environment fakeEnvironment(std::map<std::string, std::string> values) {
    return [values](const char *name) -> std::optional<std::string> {
        const auto found = values.find(name);
        if (found == values.end() || found->second.empty()) {
            return std::nullopt;
        }
        return found->second;
    };
}

std::string attribute(const otlp::resource::v1::Resource &resource, const std::string &key) {
    for (const auto &kv : resource.attributes()) {
        if (kv.key() == key) {
            return kv.value().string_value();
        }
    }
    return "<absent>";
}

const otlp::common::v1::AnyValue *attribute(const otlp::trace::v1::Span &span,
                                            const std::string &key) {
    for (const auto &kv : span.attributes()) {
        if (kv.key() == key) {
            return &kv.value();
        }
    }
    return nullptr;
}

} // namespace

class TracerTest : public QObject {
    Q_OBJECT

private slots:
    void ratioSamplerDecidesByTheTraceId() {
        constexpr std::uint64_t kHalf = std::uint64_t{1} << 55;
        const auto half = traceIdRatioSampler(0.5);
        QCOMPARE(half->shouldSample(std::nullopt, traceIdWithLow56(kHalf)),
                 SamplingDecision::RecordAndSample);
        QCOMPARE(half->shouldSample(std::nullopt, traceIdWithLow56(kHalf - 1)),
                 SamplingDecision::Drop);
        QCOMPARE(traceIdRatioSampler(1.0)->shouldSample(std::nullopt, traceIdWithLow56(0)),
                 SamplingDecision::RecordAndSample);
        QCOMPARE(traceIdRatioSampler(0.0)->shouldSample(std::nullopt,
                                                        traceIdWithLow56((kHalf << 1) - 1)),
                 SamplingDecision::Drop);
        QCOMPARE(half->description(), std::string("TraceIdRatioBased{0.500000}"));
        // It ignores the parent's decision; a larger ratio samples a superset, and about the
        // ratio's share of random trace ids.
        QCOMPARE(half->shouldSample(remoteParent(false), traceIdWithLow56(kHalf)),
                 SamplingDecision::RecordAndSample);
        const auto quarter = traceIdRatioSampler(0.25);
        int sampledQuarter = 0;
        for (int i = 0; i < 4000; ++i) {
            const TraceId id = newTraceId();
            const bool inQuarter =
                quarter->shouldSample(std::nullopt, id) == SamplingDecision::RecordAndSample;
            sampledQuarter += inQuarter ? 1 : 0;
            if (inQuarter) {
                QCOMPARE(half->shouldSample(std::nullopt, id), SamplingDecision::RecordAndSample);
            }
        }
        QVERIFY2(sampledQuarter > 800 && sampledQuarter < 1200,
                 std::to_string(sampledQuarter).c_str());
    }

    void parentBasedFollowsTheParent() {
        const auto sampler = parentBasedSampler(traceIdRatioSampler(0.0));
        QCOMPARE(sampler->shouldSample(remoteParent(true), newTraceId()),
                 SamplingDecision::RecordAndSample);
        QCOMPARE(sampler->shouldSample(remoteParent(false), newTraceId()), SamplingDecision::Drop);
        // A root asks the root sampler (ratio 0: never).
        QCOMPARE(sampler->shouldSample(std::nullopt, newTraceId()), SamplingDecision::Drop);
        QCOMPARE(parentBasedSampler(alwaysOnSampler())->shouldSample(std::nullopt, newTraceId()),
                 SamplingDecision::RecordAndSample);
        QCOMPARE(sampler->description(),
                 std::string("ParentBased{root=TraceIdRatioBased{0.000000}}"));
    }

    void spansRecordEveryField() {
        auto processor = std::make_shared<CollectingProcessor>();
        Tracer tracer({}, processor);
        const auto linked = remoteParent(true);
        {
            Span span = tracer.startSpan(
                "checkout", {.kind = SpanKind::Server, .attributes = {{"http.route", "/"}}});
            QVERIFY(span.isRecording());
            QVERIFY(span.context().isSampled());
            QVERIFY(span.context().traceFlags & kTraceFlagRandom);
            span.setAttribute("s", "text")
                .setAttribute("b", true)
                .setAttribute("i", std::int64_t{42})
                .setAttribute("d", 2.5)
                .setAttribute("bytes", AttributeValue::bytes(std::string("\x00\x01", 2)))
                .setAttribute("list", AttributeValue::array({1, "two", 3.0}))
                .setAttribute("map", AttributeValue::keyValues({{"k", "v"}}))
                .setAttribute("i", 43) // replaces
                .addEvent("retry", {{"attempt", 2}})
                .addLink(linked, {{"why", "batch"}})
                .recordError("payment declined");
            span.setStatus(SpanStatus::Ok); // Ok is final, overriding Error
            span.setStatus(SpanStatus::Error, "ignored");
        }
        const auto spans = processor->spans();
        QCOMPARE(spans.size(), std::size_t(1));
        const auto &span = spans.front();
        QCOMPARE(span.name(), std::string("checkout"));
        QCOMPARE(span.kind(), otlp::trace::v1::Span::SPAN_KIND_SERVER);
        QCOMPARE(span.trace_id().size(), std::size_t(16));
        QCOMPARE(span.span_id().size(), std::size_t(8));
        QVERIFY(span.parent_span_id().empty());
        QVERIFY(span.end_time_unix_nano() >= span.start_time_unix_nano());
        QVERIFY(span.start_time_unix_nano() > 0);
        QCOMPARE(attribute(span, "http.route")->string_value(), std::string("/"));
        QCOMPARE(attribute(span, "s")->string_value(), std::string("text"));
        QCOMPARE(attribute(span, "b")->bool_value(), true);
        QCOMPARE(attribute(span, "i")->int_value(), std::int64_t{43});
        QCOMPARE(attribute(span, "d")->double_value(), 2.5);
        QCOMPARE(attribute(span, "bytes")->bytes_value(), std::string("\x00\x01", 2));
        QCOMPARE(attribute(span, "list")->array_value().values_size(), 3);
        QCOMPARE(attribute(span, "list")->array_value().values(1).string_value(),
                 std::string("two"));
        QCOMPARE(attribute(span, "map")->kvlist_value().values(0).key(), std::string("k"));
        QCOMPARE(span.events_size(), 2);
        QCOMPARE(span.events(0).name(), std::string("retry"));
        QCOMPARE(span.events(1).name(), std::string("exception"));
        QCOMPARE(span.links_size(), 1);
        QCOMPARE(span.links(0).trace_id(),
                 std::string(linked.traceId.begin(), linked.traceId.end()));
        QCOMPARE(span.links(0).flags() & otlp::trace::v1::SPAN_FLAGS_CONTEXT_IS_REMOTE_MASK,
                 std::uint32_t(otlp::trace::v1::SPAN_FLAGS_CONTEXT_IS_REMOTE_MASK));
        QCOMPARE(span.status().code(), otlp::trace::v1::Status::STATUS_CODE_OK);
    }

    void childrenFollowTheCurrentSpanAndExplicitParents() {
        auto processor = std::make_shared<CollectingProcessor>();
        Tracer tracer({}, processor);
        const auto remote = remoteParent(true);
        Span server = tracer.startSpan("GET /", {.kind = SpanKind::Server, .parent = remote});
        QCOMPARE(server.context().traceId, remote.traceId);
        QVERIFY(server.context().spanId != remote.spanId);
        SpanContext fromThread;
        {
            Scope scope(server);
            QCOMPARE(currentSpanContext()->spanId, server.context().spanId);
            Span inner = tracer.startSpan("inner");
            {
                Scope nested(inner);
                QCOMPARE(currentSpanContext()->spanId, inner.context().spanId);
            }
            QCOMPARE(currentSpanContext()->spanId, server.context().spanId);
            // Another thread has no current span: the context is handed over explicitly.
            std::thread([&] {
                QVERIFY(!currentSpanContext());
                Scope there(server.context());
                Span work = tracer.startSpan("on another thread");
                fromThread = work.context();
            }).join();
            Span root = tracer.startSpan("unrelated", {.root = true});
            QVERIFY(root.context().traceId != server.context().traceId);
        }
        QVERIFY(!currentSpanContext());
        server.end();
        const auto spans = processor->spans();
        std::map<std::string, otlp::trace::v1::Span> byName;
        for (const auto &span : spans) {
            byName[span.name()] = span;
        }
        const auto bytes = [](const auto &id) { return std::string(id.begin(), id.end()); };
        QCOMPARE(byName.at("GET /").parent_span_id(), bytes(remote.spanId));
        QCOMPARE(byName.at("GET /").flags() & otlp::trace::v1::SPAN_FLAGS_CONTEXT_IS_REMOTE_MASK,
                 std::uint32_t(otlp::trace::v1::SPAN_FLAGS_CONTEXT_IS_REMOTE_MASK));
        QCOMPARE(byName.at("inner").parent_span_id(), bytes(server.context().spanId));
        QCOMPARE(byName.at("on another thread").parent_span_id(), bytes(server.context().spanId));
        QCOMPARE(fromThread.traceId, remote.traceId);
        QVERIFY(byName.at("unrelated").parent_span_id().empty());
    }

    void unsampledAndDisabledSpansStillPropagate() {
        auto processor = std::make_shared<CollectingProcessor>();
        Tracer tracer({}, processor);
        Span dropped = tracer.startSpan("x", {.parent = remoteParent(false)});
        QVERIFY(!dropped.isRecording());
        QCOMPARE(dropped.context().traceId, remoteParent(false).traceId);
        QVERIFY(dropped.context().spanId != remoteParent(false).spanId);
        QVERIFY(!dropped.context().isSampled());
        dropped.end();

        TracerOptions off;
        off.enabled = false;
        Tracer disabled(off, processor);
        Span passThrough = disabled.startSpan("y", {.parent = remoteParent(true)});
        QVERIFY(!passThrough.isRecording());
        QCOMPARE(passThrough.context(), remoteParent(true));
        QVERIFY(!disabled.startSpan("z").context().isValid());
        QVERIFY(processor->spans().empty());
    }

    void environmentOverridesTheProgram() {
        TracingSetup setup;
        setup.serviceName = "checkout";
        setup.serviceVersion = "1.4.2";
        setup.colour = "green";
        setup.instanceId = "checkout-1";
        setup.exporter.endpoint = "http://127.0.0.1:4317";
        const auto warnings = applyEnvironment(
            setup, fakeEnvironment({
                       {"OTEL_SERVICE_NAME", "renamed"},
                       {"OTEL_RESOURCE_ATTRIBUTES",
                        "deployment.environment=prod,service.version=9.9,team=a%2Cb%3Dc"},
                       {"OTEL_EXPORTER_OTLP_ENDPOINT", "http://general:4317"},
                       {"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "http://traces:4317"},
                       {"OTEL_EXPORTER_OTLP_HEADERS", "Authorization=Bearer%20abc, x-tenant = 7"},
                       {"OTEL_TRACES_SAMPLER", "ParentBased_TraceIdRatio"},
                       {"OTEL_TRACES_SAMPLER_ARG", "0.25"},
                       {"OTEL_BSP_SCHEDULE_DELAY", "250"},
                       {"OTEL_BSP_EXPORT_TIMEOUT", "2000"},
                       {"OTEL_BSP_MAX_QUEUE_SIZE", "100"},
                       {"OTEL_BSP_MAX_EXPORT_BATCH_SIZE", "500"},
                   }));
        QCOMPARE(warnings.size(), std::size_t(1)); // the batch size above the queue
        QVERIFY(warnings[0].find("OTEL_BSP_MAX_EXPORT_BATCH_SIZE") != std::string::npos);
        QCOMPARE(setup.serviceName, std::string("renamed"));
        QCOMPARE(setup.exporter.endpoint, std::string("http://traces:4317"));
        QCOMPARE(setup.exporter.headers.at("authorization"), std::string("Bearer abc"));
        QCOMPARE(setup.exporter.headers.at("x-tenant"), std::string("7"));
        QCOMPARE(setup.sampler->description(),
                 std::string("ParentBased{root=TraceIdRatioBased{0.250000}}"));
        QCOMPARE(setup.exporter.scheduleDelay, std::chrono::milliseconds(250));
        QCOMPARE(setup.exporter.exportTimeout, std::chrono::milliseconds(2000));
        QCOMPARE(setup.exporter.maxQueueSize, 100);
        QCOMPARE(setup.exporter.maxExportBatchSize, 100);
        QVERIFY(setup.enabled);

        const auto resource = makeResource(setup);
        QCOMPARE(attribute(resource, "service.name"), std::string("renamed"));
        // The program's own attributes win over OTEL_RESOURCE_ATTRIBUTES.
        QCOMPARE(attribute(resource, "service.version"), std::string("1.4.2"));
        QCOMPARE(attribute(resource, "aegis.colour"), std::string("green"));
        QCOMPARE(attribute(resource, "service.instance.id"), std::string("checkout-1"));
        QCOMPARE(attribute(resource, "deployment.environment"), std::string("prod"));
        QCOMPARE(attribute(resource, "team"), std::string("a,b=c"));
    }

    void environmentEdgeCases() {
        TracingSetup setup;
        auto warnings = applyEnvironment(setup, fakeEnvironment({{"OTEL_SDK_DISABLED", "TRUE"}}));
        QVERIFY(warnings.empty());
        QVERIFY(!setup.enabled);

        setup = {};
        warnings = applyEnvironment(
            setup, fakeEnvironment({{"OTEL_SDK_DISABLED", "yes"},
                                    {"OTEL_TRACES_SAMPLER", "jaeger_remote"},
                                    {"OTEL_RESOURCE_ATTRIBUTES", "broken"},
                                    {"OTEL_BSP_MAX_QUEUE_SIZE", "-3"},
                                    {"OTEL_EXPORTER_OTLP_ENDPOINT", "http://general:4317"},
                                    {"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", ""}}));
        // Only "true" disables; an unknown sampler, bad attributes and a bad size are ignored
        // with a warning each; an empty variable counts as unset.
        QVERIFY(setup.enabled);
        QCOMPARE(warnings.size(), std::size_t(4));
        QCOMPARE(setup.sampler->description(), std::string("ParentBased{root=AlwaysOnSampler}"));
        QCOMPARE(setup.exporter.maxQueueSize, 2048);
        QCOMPARE(setup.exporter.maxExportBatchSize, 512);
        QCOMPARE(setup.exporter.scheduleDelay, std::chrono::milliseconds(5000));
        QCOMPARE(setup.exporter.exportTimeout, std::chrono::milliseconds(30000));
        QCOMPARE(setup.exporter.endpoint, std::string("http://general:4317"));

        // A sampler argument out of range falls back to 1.0; the argument alone changes nothing.
        setup = {};
        warnings = applyEnvironment(setup, fakeEnvironment({{"OTEL_TRACES_SAMPLER", "traceidratio"},
                                                            {"OTEL_TRACES_SAMPLER_ARG", "1.5"}}));
        QCOMPARE(warnings.size(), std::size_t(1));
        QCOMPARE(setup.sampler->description(), std::string("TraceIdRatioBased{1.000000}"));
        setup = {};
        applyEnvironment(setup, fakeEnvironment({{"OTEL_TRACES_SAMPLER_ARG", "0.1"}}));
        QCOMPARE(setup.sampler->description(), std::string("ParentBased{root=AlwaysOnSampler}"));

        QVERIFY(!makeResource({}).attributes().empty());
        QCOMPARE(attribute(makeResource({}), "service.name"), std::string("unknown_service"));
        QVERIFY(!parseKeyValueList("a=%zz"));
        QCOMPARE(parseKeyValueList(" a = 1 ,, b=%41 ")->at("b"), std::string("A"));
    }
};

QTEST_APPLESS_MAIN(TracerTest)
#include "tst_tracer.moc"
