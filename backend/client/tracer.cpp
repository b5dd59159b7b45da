#include "client/tracer.h"

#include <random>

namespace aegis::client {
namespace {

namespace otlp = opentelemetry::proto;

thread_local std::optional<SpanContext> t_current;

std::mt19937_64 &generator() {
    thread_local std::mt19937_64 random([] {
        std::random_device device;
        return (std::uint64_t{device()} << 32) ^ device();
    }());
    return random;
}

template <std::size_t N>
std::array<std::uint8_t, N> randomId() {
    std::array<std::uint8_t, N> id{};
    do {
        for (std::size_t i = 0; i < N; i += 8) {
            std::uint64_t bits = generator()();
            for (std::size_t j = i; j < std::min(N, i + 8); ++j) {
                id[j] = static_cast<std::uint8_t>(bits & 0xFF);
                bits >>= 8;
            }
        }
    } while (std::all_of(id.begin(), id.end(), [](std::uint8_t b) { return b == 0; }));
    return id;
}

std::uint64_t unixNanos(std::chrono::system_clock::time_point time) {
    return static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::nanoseconds>(time.time_since_epoch()).count());
}

std::string bytesOf(const auto &id) {
    return std::string(id.begin(), id.end());
}

void addAttributes(google::protobuf::RepeatedPtrField<otlp::common::v1::KeyValue> &into,
                   const Attributes &attributes) {
    for (const auto &[key, value] : attributes) {
        auto *attribute = into.Add();
        attribute->set_key(key);
        *attribute->mutable_value() = value.otlp();
    }
}

} // namespace

AttributeValue::AttributeValue(bool value) {
    m_value.set_bool_value(value);
}
AttributeValue::AttributeValue(int value) {
    m_value.set_int_value(value);
}
AttributeValue::AttributeValue(std::int64_t value) {
    m_value.set_int_value(value);
}
AttributeValue::AttributeValue(double value) {
    m_value.set_double_value(value);
}
AttributeValue::AttributeValue(const char *value) {
    m_value.set_string_value(value);
}
AttributeValue::AttributeValue(std::string_view value) {
    m_value.set_string_value(std::string(value));
}
AttributeValue::AttributeValue(const std::string &value) {
    m_value.set_string_value(value);
}

AttributeValue AttributeValue::bytes(std::string_view value) {
    AttributeValue result;
    result.m_value.set_bytes_value(std::string(value));
    return result;
}

AttributeValue AttributeValue::array(std::vector<AttributeValue> values) {
    AttributeValue result;
    auto *array = result.m_value.mutable_array_value();
    for (auto &value : values) {
        *array->add_values() = std::move(value.m_value);
    }
    return result;
}

AttributeValue
AttributeValue::keyValues(std::vector<std::pair<std::string, AttributeValue>> values) {
    AttributeValue result;
    auto *list = result.m_value.mutable_kvlist_value();
    for (auto &[key, value] : values) {
        auto *entry = list->add_values();
        entry->set_key(key);
        *entry->mutable_value() = std::move(value.m_value);
    }
    return result;
}

Span::Span(Span &&other) noexcept
    : m_context(std::move(other.m_context))
    , m_record(std::move(other.m_record)) {}

Span &Span::operator=(Span &&other) noexcept {
    if (this != &other) {
        end();
        m_context = std::move(other.m_context);
        m_record = std::move(other.m_record);
    }
    return *this;
}

Span::~Span() {
    end();
}

Span &Span::setName(std::string_view name) {
    if (m_record) {
        m_record->span.set_name(std::string(name));
    }
    return *this;
}

Span &Span::setAttribute(std::string_view key, const AttributeValue &value) {
    if (!m_record) {
        return *this;
    }
    // A key appears once: setting it again replaces the value.
    for (auto &attribute : *m_record->span.mutable_attributes()) {
        if (attribute.key() == key) {
            *attribute.mutable_value() = value.otlp();
            return *this;
        }
    }
    auto *attribute = m_record->span.add_attributes();
    attribute->set_key(std::string(key));
    *attribute->mutable_value() = value.otlp();
    return *this;
}

Span &Span::addEvent(std::string_view name, const Attributes &attributes) {
    if (!m_record) {
        return *this;
    }
    return addEvent(name, m_record->clock(), attributes);
}

Span &Span::addEvent(std::string_view name, std::chrono::system_clock::time_point time,
                     const Attributes &attributes) {
    if (!m_record) {
        return *this;
    }
    auto *event = m_record->span.add_events();
    event->set_name(std::string(name));
    event->set_time_unix_nano(unixNanos(time));
    addAttributes(*event->mutable_attributes(), attributes);
    return *this;
}

Span &Span::addLink(const SpanContext &linked, const Attributes &attributes) {
    if (!m_record || !linked.isValid()) {
        return *this;
    }
    auto *link = m_record->span.add_links();
    link->set_trace_id(bytesOf(linked.traceId));
    link->set_span_id(bytesOf(linked.spanId));
    link->set_trace_state(linked.traceState.format());
    link->set_flags(linked.traceFlags | otlp::trace::v1::SPAN_FLAGS_CONTEXT_HAS_IS_REMOTE_MASK |
                    (linked.remote ? otlp::trace::v1::SPAN_FLAGS_CONTEXT_IS_REMOTE_MASK : 0));
    addAttributes(*link->mutable_attributes(), attributes);
    return *this;
}

Span &Span::setStatus(SpanStatus status, std::string_view description) {
    if (!m_record || status == SpanStatus::Unset) {
        return *this;
    }
    auto *current = m_record->span.mutable_status();
    if (current->code() == otlp::trace::v1::Status::STATUS_CODE_OK) {
        return *this;
    }
    current->set_code(static_cast<otlp::trace::v1::Status::StatusCode>(status));
    current->set_message(status == SpanStatus::Error ? std::string(description) : std::string());
    return *this;
}

Span &Span::recordError(std::string_view message) {
    addEvent("exception", {{"exception.message", message}});
    return setStatus(SpanStatus::Error, message);
}

void Span::end() {
    if (m_record) {
        end(m_record->clock());
    }
}

void Span::end(std::chrono::system_clock::time_point time) {
    if (!m_record) {
        return;
    }
    auto record = std::move(m_record);
    record->span.set_end_time_unix_nano(
        std::max<std::uint64_t>(unixNanos(time), record->span.start_time_unix_nano()));
    if (record->processor) {
        record->processor->onEnd(std::move(record->span));
    }
}

Scope::Scope(const SpanContext &context)
    : m_previous(std::move(t_current)) {
    t_current = context;
}

Scope::~Scope() {
    t_current = std::move(m_previous);
}

std::optional<SpanContext> currentSpanContext() {
    return t_current;
}

TraceId newTraceId() {
    return randomId<16>();
}

SpanId newSpanId() {
    return randomId<8>();
}

Tracer::Tracer(TracerOptions options, std::shared_ptr<SpanProcessor> processor)
    : m_options(std::move(options))
    , m_processor(std::move(processor)) {}

Span Tracer::startSpan(std::string_view name, const SpanOptions &options) const {
    std::optional<SpanContext> parent =
        options.root ? std::nullopt : (options.parent ? options.parent : t_current);
    if (parent && !parent->isValid()) {
        parent.reset();
    }
    Span span;
    if (!m_options.enabled) {
        // A no-op tracer passes its parent's context on unchanged.
        if (parent) {
            span.m_context = *parent;
        }
        return span;
    }
    span.m_context.spanId = newSpanId();
    if (parent) {
        span.m_context.traceId = parent->traceId;
        span.m_context.traceState = parent->traceState;
        span.m_context.traceFlags = parent->traceFlags & kTraceFlagRandom;
    } else {
        span.m_context.traceId = newTraceId();
        span.m_context.traceFlags = kTraceFlagRandom;
    }
    const SamplingDecision decision =
        m_options.sampler ? m_options.sampler->shouldSample(parent, span.m_context.traceId)
                          : SamplingDecision::RecordAndSample;
    if (decision == SamplingDecision::Drop) {
        return span;
    }
    span.m_context.traceFlags |= kTraceFlagSampled;

    auto record = std::make_unique<Span::Record>();
    record->processor = m_processor;
    record->clock = m_options.clock;
    auto &otlpSpan = record->span;
    otlpSpan.set_trace_id(bytesOf(span.m_context.traceId));
    otlpSpan.set_span_id(bytesOf(span.m_context.spanId));
    otlpSpan.set_trace_state(span.m_context.traceState.format());
    std::uint32_t flags = span.m_context.traceFlags;
    if (parent) {
        otlpSpan.set_parent_span_id(bytesOf(parent->spanId));
        flags |= otlp::trace::v1::SPAN_FLAGS_CONTEXT_HAS_IS_REMOTE_MASK |
                 (parent->remote ? otlp::trace::v1::SPAN_FLAGS_CONTEXT_IS_REMOTE_MASK : 0);
    }
    otlpSpan.set_flags(flags);
    otlpSpan.set_name(std::string(name));
    otlpSpan.set_kind(static_cast<otlp::trace::v1::Span::SpanKind>(options.kind));
    otlpSpan.set_start_time_unix_nano(unixNanos(options.startTime.value_or(m_options.clock())));
    addAttributes(*otlpSpan.mutable_attributes(), options.attributes);
    span.m_record = std::move(record);
    for (const auto &link : options.links) {
        span.addLink(link);
    }
    return span;
}

bool Tracer::forceFlush(std::chrono::milliseconds timeout) const {
    return m_processor ? m_processor->forceFlush(timeout) : true;
}

void Tracer::shutdown(std::chrono::milliseconds timeout) const {
    if (m_processor) {
        m_processor->shutdown(timeout);
    }
}

} // namespace aegis::client
