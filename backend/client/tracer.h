#pragma once

#include "client/sampler.h"
#include "client/trace_context.h"

#include "opentelemetry/proto/common/v1/common.pb.h"
#include "opentelemetry/proto/trace/v1/trace.pb.h"

#include <chrono>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace aegis::client {

// An attribute's value, of any OTLP type: string, bool, int64, double, bytes, an array of
// values or a list of key/value pairs.
class AttributeValue {
public:
    AttributeValue(bool value);
    AttributeValue(int value);
    AttributeValue(std::int64_t value);
    AttributeValue(double value);
    AttributeValue(const char *value);
    AttributeValue(std::string_view value);
    AttributeValue(const std::string &value);
    static AttributeValue bytes(std::string_view value);
    static AttributeValue array(std::vector<AttributeValue> values);
    static AttributeValue keyValues(std::vector<std::pair<std::string, AttributeValue>> values);

    const opentelemetry::proto::common::v1::AnyValue &otlp() const { return m_value; }

private:
    AttributeValue() = default;
    opentelemetry::proto::common::v1::AnyValue m_value;
};

using Attributes = std::vector<std::pair<std::string, AttributeValue>>;

// Numeric values match OTLP's Span.SpanKind.
enum class SpanKind { Internal = 1, Server = 2, Client = 3, Producer = 4, Consumer = 5 };
// Numeric values match OTLP's Status.StatusCode.
enum class SpanStatus { Unset = 0, Ok = 1, Error = 2 };

using SpanClock = std::function<std::chrono::system_clock::time_point()>;

// Where ended, sampled spans go (the batching OTLP exporter). Called from any thread; onEnd must
// not block.
class SpanProcessor {
public:
    virtual ~SpanProcessor() = default;
    virtual void onEnd(opentelemetry::proto::trace::v1::Span span) = 0;
    // Exports everything handed over so far; false when `timeout` passed first.
    virtual bool forceFlush(std::chrono::milliseconds timeout) = 0;
    // Exports what is left and stops; later spans are dropped. Idempotent.
    virtual void shutdown(std::chrono::milliseconds timeout) = 0;
};

class Tracer;

// One operation. A Span is a move-only value: a recording span (sampled) keeps its OTLP record
// and hands it to the tracer's processor when ended, exactly once (end() or destruction); a
// non-recording one only carries its context, so children and downstream calls continue the
// trace with the sampled flag cleared. Setters do nothing on a non-recording or ended span.
// Not thread-safe: one thread at a time may change it (move it to hand it over).
class Span {
public:
    Span() = default;
    Span(Span &&) noexcept;
    Span &operator=(Span &&) noexcept;
    ~Span();

    const SpanContext &context() const { return m_context; }
    bool isRecording() const { return m_record != nullptr; }

    Span &setName(std::string_view name);
    Span &setAttribute(std::string_view key, const AttributeValue &value);
    Span &addEvent(std::string_view name, const Attributes &attributes = {});
    Span &addEvent(std::string_view name, std::chrono::system_clock::time_point time,
                   const Attributes &attributes = {});
    Span &addLink(const SpanContext &linked, const Attributes &attributes = {});
    // OpenTelemetry's rules: Ok is final; a description is kept only with Error.
    Span &setStatus(SpanStatus status, std::string_view description = {});
    // Records an "exception" event (exception.message) and sets the status to Error.
    Span &recordError(std::string_view message);

    void end();
    void end(std::chrono::system_clock::time_point time);

private:
    friend class Tracer;
    struct Record {
        opentelemetry::proto::trace::v1::Span span;
        std::shared_ptr<SpanProcessor> processor;
        SpanClock clock;
    };
    SpanContext m_context;
    std::unique_ptr<Record> m_record;
};

struct SpanOptions {
    SpanKind kind = SpanKind::Internal;
    // The parent; unset: the thread's current span (see Scope), if any.
    std::optional<SpanContext> parent{};
    // Start a new trace even when the thread has a current span.
    bool root = false;
    Attributes attributes{};
    std::vector<SpanContext> links{};
    // Unset: now.
    std::optional<std::chrono::system_clock::time_point> startTime{};
};

// Makes a span's context the thread's current one until destroyed, restoring the previous one:
// spans started meanwhile on this thread without an explicit parent become its children. To
// continue on another thread or in a callback, pass span.context() along and start the next
// span with SpanOptions::parent, or open a Scope there. Scopes must be destroyed in reverse
// order of creation on the thread that made them.
class Scope {
public:
    explicit Scope(const SpanContext &context);
    explicit Scope(const Span &span)
        : Scope(span.context()) {}
    ~Scope();
    Scope(const Scope &) = delete;
    Scope &operator=(const Scope &) = delete;

private:
    std::optional<SpanContext> m_previous;
};

// The thread's current span context (set by Scope); nullopt when none.
std::optional<SpanContext> currentSpanContext();

struct TracerOptions {
    // The instrumentation scope written with every span.
    std::string scopeName = "aegis";
    std::string scopeVersion;
    SamplerPtr sampler = parentBasedSampler(alwaysOnSampler());
    // When false, every span is non-recording and only passes its parent's context on
    // (OTEL_SDK_DISABLED).
    bool enabled = true;
    SpanClock clock = [] { return std::chrono::system_clock::now(); };
};

// Starts spans: picks ids (random, the trace id's random flag set), asks the sampler, and hands
// ended sampled spans to the processor. Thread-safe.
class Tracer {
public:
    // `processor` may be null (nothing is exported; contexts still propagate).
    Tracer(TracerOptions options, std::shared_ptr<SpanProcessor> processor);

    Span startSpan(std::string_view name, const SpanOptions &options = {}) const;

    const TracerOptions &options() const { return m_options; }
    // The processor's forceFlush / shutdown; true without a processor.
    bool forceFlush(std::chrono::milliseconds timeout) const;
    void shutdown(std::chrono::milliseconds timeout) const;

private:
    const TracerOptions m_options;
    const std::shared_ptr<SpanProcessor> m_processor;
};

using TracerPtr = std::shared_ptr<Tracer>;

// Random ids from a per-thread generator seeded from std::random_device; never all zeros.
TraceId newTraceId();
SpanId newSpanId();

} // namespace aegis::client
