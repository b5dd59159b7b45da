#include "tracing/otlp_ingest.h"

#include "common/bearer_token.h"
#include "tracing/trace_ids.h"
#include "tracing/tracing_metrics.h"

#include <algorithm>

namespace aegis::tracing {
namespace {

namespace otlp = opentelemetry::proto;
using otlp::collector::trace::v1::ExportTraceServiceRequest;
using otlp::common::v1::AnyValue;
using otlp::common::v1::KeyValue;
using KeyValues = google::protobuf::RepeatedPtrField<KeyValue>;

const char *protocolName(OtlpProtocol protocol) {
    return protocol == OtlpProtocol::Grpc ? "grpc" : "http";
}

// Compares without an early exit, so the time taken does not tell how much of a guess matched.
bool sameSecret(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) {
        return false;
    }
    unsigned char difference = 0;
    for (std::size_t i = 0; i < a.size(); ++i) {
        difference |= static_cast<unsigned char>(a[i] ^ b[i]);
    }
    return difference == 0;
}

std::string serviceOf(const otlp::resource::v1::Resource &resource) {
    for (const KeyValue &attribute : resource.attributes()) {
        if (attribute.key() == "service.name" && attribute.value().has_string_value()) {
            return attribute.value().string_value();
        }
    }
    return {};
}

std::string limitReason(std::string_view what, std::int64_t value, std::int64_t limit,
                        std::string_view option) {
    return std::string(what) + " " + std::to_string(value) + "; the limit is " +
           std::to_string(limit) + " (tracing.limits." + std::string(option) + ")";
}

// The first string or bytes value over `maxBytes` in `value` (nested arrays and lists included).
std::int64_t oversizeValue(const AnyValue &value, std::int64_t maxBytes) {
    switch (value.value_case()) {
    case AnyValue::kStringValue:
        return static_cast<std::int64_t>(value.string_value().size()) > maxBytes
                   ? static_cast<std::int64_t>(value.string_value().size())
                   : 0;
    case AnyValue::kBytesValue:
        return static_cast<std::int64_t>(value.bytes_value().size()) > maxBytes
                   ? static_cast<std::int64_t>(value.bytes_value().size())
                   : 0;
    case AnyValue::kArrayValue:
        for (const AnyValue &item : value.array_value().values()) {
            if (const auto size = oversizeValue(item, maxBytes); size > 0) {
                return size;
            }
        }
        return 0;
    case AnyValue::kKvlistValue:
        for (const KeyValue &item : value.kvlist_value().values()) {
            if (static_cast<std::int64_t>(item.key().size()) > maxBytes) {
                return static_cast<std::int64_t>(item.key().size());
            }
            if (const auto size = oversizeValue(item.value(), maxBytes); size > 0) {
                return size;
            }
        }
        return 0;
    default:
        return 0;
    }
}

// Why `attributes` (of `owner`: "span", "event 'x'", "resource") break the limits; "" if not.
std::string checkAttributes(const KeyValues &attributes, const IngestLimits &limits,
                            const std::string &owner) {
    if (attributes.size() > limits.maxAttributes) {
        return limitReason(owner + " has", attributes.size(), limits.maxAttributes,
                           "max_attributes") +
               " attributes";
    }
    for (const KeyValue &attribute : attributes) {
        if (static_cast<std::int64_t>(attribute.key().size()) > limits.maxAttributeBytes) {
            return limitReason(owner + " has an attribute key of", attribute.key().size(),
                               limits.maxAttributeBytes, "max_attribute_bytes") +
                   " bytes";
        }
        if (const auto size = oversizeValue(attribute.value(), limits.maxAttributeBytes);
            size > 0) {
            return limitReason(owner + " attribute '" + attribute.key().substr(0, 64) + "' is",
                               size, limits.maxAttributeBytes, "max_attribute_bytes") +
                   " bytes";
        }
    }
    return {};
}

// Removes the elements `drop` selects, keeping the order of the others.
template <typename Element, typename Drop>
void eraseIf(google::protobuf::RepeatedPtrField<Element> &elements, Drop drop) {
    int kept = 0;
    for (int i = 0; i < elements.size(); ++i) {
        if (!drop(elements.Get(i))) {
            if (kept != i) {
                elements.SwapElements(kept, i);
            }
            ++kept;
        }
    }
    if (kept < elements.size()) {
        elements.DeleteSubrange(kept, elements.size() - kept);
    }
}

// The exports waiting for their sinks.
struct Fanout {
    std::atomic<std::size_t> left;
    std::mutex mutex;
    Status failure;
    ExportResult result;
    std::function<void(ExportResult)> finish;
};

} // namespace

OtlpIngest::OtlpIngest(OtlpIngestOptions options)
    : m_options(std::move(options))
    , m_sinks(m_options.sinks)
    , m_policy(std::make_shared<SamplingPolicy>())
    , m_policyYaml(defaultSamplingPolicyYaml()) {}

OtlpIngest::~OtlpIngest() = default;

void OtlpIngest::exportMetrics(prometheus::Registry &registry) {
    m_metrics = std::make_shared<TracingMetrics>(registry);
}

Status OtlpIngest::authorize(std::string_view authorization) const {
    if (m_options.bearerToken.empty()) {
        return Status::ok();
    }
    const std::string_view token = bearerToken(authorization);
    if (token.empty()) {
        return Status(StatusCode::Unauthenticated,
                      "this OTLP receiver requires \"authorization: Bearer <token>\" (the "
                      "token in aegisd's tracing.bearer_token_file)");
    }
    if (!sameSecret(token, m_options.bearerToken)) {
        return Status(StatusCode::Unauthenticated,
                      "the bearer token is not the one in aegisd's tracing.bearer_token_file");
    }
    return Status::ok();
}

void OtlpIngest::exportSerialized(std::string_view serialized, OtlpProtocol protocol,
                                  ExportDone done) {
    const auto started = std::chrono::steady_clock::now();
    if (static_cast<std::int64_t>(serialized.size()) > m_options.limits.maxRequestBytes) {
        finish(protocol, started,
               {Status(StatusCode::ResourceExhausted,
                       limitReason("the export is", static_cast<std::int64_t>(serialized.size()),
                                   m_options.limits.maxRequestBytes, "max_request_bytes") +
                           " bytes; send smaller batches"),
                {}},
               done);
        return;
    }
    ExportTraceServiceRequest request;
    if (!request.ParseFromArray(serialized.data(), static_cast<int>(serialized.size()))) {
        return refuseUndecodable(protocol, std::move(done));
    }
    exportRequest(std::move(request), serialized.size(), protocol, std::move(done));
}

void OtlpIngest::refuseUndecodable(OtlpProtocol protocol, ExportDone done) {
    finish(protocol, std::chrono::steady_clock::now(),
           {invalidArgument("the body is not a protobuf ExportTraceServiceRequest (or a string "
                            "field in it is not valid UTF-8)"),
            {}},
           done);
}

std::string OtlpIngest::check(const otlp::trace::v1::Span &span) const {
    const IngestLimits &limits = m_options.limits;
    if (!traceIdFromBytes(span.trace_id())) {
        return "trace_id is " + std::to_string(span.trace_id().size()) +
               " bytes; it must be 16 bytes, not all zero";
    }
    if (!spanIdFromBytes(span.span_id())) {
        return "span_id is " + std::to_string(span.span_id().size()) +
               " bytes; it must be 8 bytes, not all zero";
    }
    if (!span.parent_span_id().empty() && span.parent_span_id().size() != 8) {
        return "parent_span_id is " + std::to_string(span.parent_span_id().size()) +
               " bytes; it must be empty (a root span) or 8 bytes";
    }
    if (span.end_time_unix_nano() < span.start_time_unix_nano()) {
        return "end_time_unix_nano " + std::to_string(span.end_time_unix_nano()) +
               " is before start_time_unix_nano " + std::to_string(span.start_time_unix_nano());
    }
    if (auto reason = checkAttributes(span.attributes(), limits, "the span"); !reason.empty()) {
        return reason;
    }
    if (span.events_size() > limits.maxEvents) {
        return limitReason("the span has", span.events_size(), limits.maxEvents, "max_events") +
               " events";
    }
    for (const auto &event : span.events()) {
        if (auto reason = checkAttributes(event.attributes(), limits,
                                          "event '" + event.name().substr(0, 64) + "'");
            !reason.empty()) {
            return reason;
        }
    }
    if (span.links_size() > limits.maxLinks) {
        return limitReason("the span has", span.links_size(), limits.maxLinks, "max_links") +
               " links";
    }
    for (int i = 0; i < span.links_size(); ++i) {
        const auto &link = span.links(i);
        const std::string owner = "links[" + std::to_string(i) + "]";
        if (!traceIdFromBytes(link.trace_id()) || !spanIdFromBytes(link.span_id())) {
            return owner + " needs a 16-byte trace_id and an 8-byte span_id, not all zero";
        }
        if (auto reason = checkAttributes(link.attributes(), limits, owner); !reason.empty()) {
            return reason;
        }
    }
    return {};
}

void OtlpIngest::exportRequest(ExportTraceServiceRequest request, std::size_t bytes,
                               OtlpProtocol protocol, ExportDone done) {
    const auto started = std::chrono::steady_clock::now();
    // Throttling as the OTLP specification has it (UNAVAILABLE / 503: retryable): decoded exports
    // held until answered stay under the cap. One over max_request_bytes is refused below.
    const auto held = static_cast<std::int64_t>(bytes);
    if (held <= m_options.limits.maxRequestBytes) {
        const std::int64_t before = m_inFlightBytes.fetch_add(held);
        if (before + held > m_options.limits.maxInFlightBytes) {
            m_inFlightBytes -= held;
            return finish(protocol, started,
                          {unavailable("aegisd is busy: " + std::to_string(before) +
                                       " bytes of exports are in flight, and this one's " +
                                       std::to_string(held) + " would pass the limit of " +
                                       std::to_string(m_options.limits.maxInFlightBytes) +
                                       " (tracing.limits.max_in_flight_bytes); retry later"),
                           {}},
                          done);
        }
        done = [this, held, answer = std::move(done)](ExportResult result) {
            m_inFlightBytes -= held;
            answer(std::move(result));
        };
    }
    const std::size_t received = countSpans(request);
    m_received += received;
    if (m_metrics) {
        m_metrics->received(protocolName(protocol), received);
    }
    const IngestLimits &limits = m_options.limits;
    auto refuseAll = [&](Status status) {
        m_rejected += received;
        if (m_metrics) {
            m_metrics->rejected(received);
        }
        finish(protocol, started, {std::move(status), {}}, done);
    };
    if (static_cast<std::int64_t>(bytes) > limits.maxRequestBytes) {
        return refuseAll(Status(StatusCode::ResourceExhausted,
                                limitReason("the export is", static_cast<std::int64_t>(bytes),
                                            limits.maxRequestBytes, "max_request_bytes") +
                                    " bytes; send smaller batches"));
    }
    if (static_cast<std::int64_t>(received) > limits.maxSpansPerRequest) {
        return refuseAll(
            invalidArgument(limitReason("the export has", static_cast<std::int64_t>(received),
                                        limits.maxSpansPerRequest, "max_spans_per_request") +
                            " spans; send smaller batches"));
    }

    const SamplingPolicyPtr sampling = policy();
    // With tail rules every span is stored and the tail sampler applies the head ratios later.
    const bool headSampling = !(m_options.tailSampled && sampling->hasTailRules());
    std::uint64_t rejected = 0;
    std::uint64_t sampledOut = 0;
    std::string firstReason;
    for (auto &resourceSpans : *request.mutable_resource_spans()) {
        const std::string resourceReason =
            checkAttributes(resourceSpans.resource().attributes(), limits, "its resource");
        const std::string service = serviceOf(resourceSpans.resource());
        for (auto &scopeSpans : *resourceSpans.mutable_scope_spans()) {
            for (auto &span : *scopeSpans.mutable_spans()) {
                // Eight zero bytes are how some exporters write "no parent".
                if (span.parent_span_id().size() == 8 && !spanIdFromBytes(span.parent_span_id())) {
                    span.clear_parent_span_id();
                }
            }
            eraseIf(*scopeSpans.mutable_spans(), [&](const otlp::trace::v1::Span &span) {
                std::string reason = resourceReason.empty() ? check(span) : resourceReason;
                if (!reason.empty()) {
                    if (rejected++ == 0) {
                        firstReason = "span " + bytesToHex(span.trace_id()) + "/" +
                                      bytesToHex(span.span_id()) + " ('" +
                                      span.name().substr(0, 128) + "'" +
                                      (service.empty() ? "" : " of " + service) + "): " + reason;
                    }
                    return true;
                }
                if (headSampling &&
                    !sampling->headKeeps(*traceIdFromBytes(span.trace_id()), service)) {
                    ++sampledOut;
                    return true;
                }
                return false;
            });
        }
        eraseIf(*resourceSpans.mutable_scope_spans(),
                [](const auto &scopeSpans) { return scopeSpans.spans_size() == 0; });
    }
    eraseIf(*request.mutable_resource_spans(),
            [](const auto &resourceSpans) { return resourceSpans.scope_spans_size() == 0; });

    m_rejected += rejected;
    m_sampledOut += sampledOut;
    if (m_metrics) {
        m_metrics->rejected(rejected);
        m_metrics->sampledOut(sampledOut);
    }
    ExportResult result;
    if (rejected > 0) {
        auto *partial = result.response.mutable_partial_success();
        partial->set_rejected_spans(static_cast<std::int64_t>(rejected));
        partial->set_error_message(
            firstReason + (rejected > 1 ? " (and " + std::to_string(rejected - 1) +
                                              " more spans rejected; see aegisd's limits in "
                                              "tracing.limits)"
                                        : ""));
    }
    const std::size_t accepted = received - rejected - sampledOut;
    if (accepted == 0 || m_sinks.empty()) {
        return finish(protocol, started, result, done);
    }

    auto batch = std::make_shared<SpanBatch>();
    batch->request = std::move(request);
    batch->spanCount = accepted;
    batch->receivedUnixNano = std::chrono::duration_cast<std::chrono::nanoseconds>(
                                  m_options.clock->now().time_since_epoch())
                                  .count();
    auto fanout = std::make_shared<Fanout>();
    fanout->left = m_sinks.size();
    fanout->result = std::move(result);
    fanout->finish = [this, protocol, started, done = std::move(done)](ExportResult answer) {
        finish(protocol, started, answer, done);
    };
    const SpanBatchPtr shared = std::move(batch);
    for (SpanSink *sink : m_sinks) {
        sink->accept(shared, [fanout](Status status) {
            if (!status.isOk()) {
                std::lock_guard lock(fanout->mutex);
                if (fanout->failure.isOk()) {
                    fanout->failure = std::move(status);
                }
            }
            if (fanout->left.fetch_sub(1) != 1) {
                return;
            }
            if (!fanout->failure.isOk()) {
                // Nothing of the batch is stored: the exporter sends it again.
                fanout->result.status =
                    unavailable("the spans could not be stored (" + fanout->failure.message() +
                                "); retry the export");
                fanout->result.response.Clear();
            }
            fanout->finish(std::move(fanout->result));
        });
    }
}

void OtlpIngest::finish(OtlpProtocol protocol, std::chrono::steady_clock::time_point started,
                        const ExportResult &result, const ExportDone &done) const {
    if (m_metrics) {
        m_metrics->exported(protocolName(protocol), statusCodeName(result.status.code()),
                            std::chrono::duration_cast<std::chrono::microseconds>(
                                std::chrono::steady_clock::now() - started));
    }
    done(result);
}

void OtlpIngest::setPolicy(SamplingPolicyPtr policy, std::int64_t version, std::string yaml) {
    std::lock_guard lock(m_mutex);
    m_policy = std::move(policy);
    m_policyVersion = version;
    m_policyYaml = std::move(yaml);
}

SamplingPolicyPtr OtlpIngest::policy() const {
    std::lock_guard lock(m_mutex);
    return m_policy;
}

IngestStatus OtlpIngest::status() const {
    IngestStatus status;
    status.spansReceived = m_received;
    status.spansRejected = m_rejected;
    status.spansSampledOut = m_sampledOut;
    std::lock_guard lock(m_mutex);
    status.otlpGrpcAddress = m_grpcAddress;
    status.otlpHttpPath = m_httpPath;
    status.samplingPolicy = m_policyYaml;
    status.samplingPolicyVersion = m_policyVersion;
    return status;
}

void OtlpIngest::setAddresses(std::string otlpGrpcAddress, std::string otlpHttpPath) {
    std::lock_guard lock(m_mutex);
    m_grpcAddress = std::move(otlpGrpcAddress);
    m_httpPath = std::move(otlpHttpPath);
}

} // namespace aegis::tracing
