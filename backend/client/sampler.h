#pragma once

#include "client/trace_context.h"

#include <memory>
#include <optional>
#include <string>

namespace aegis::client {

// Whether a new span is recorded and exported (and so marked sampled for its children).
enum class SamplingDecision { Drop, RecordAndSample };

// Decides, when a span starts, whether it is sampled. Implementations are immutable and
// thread-safe: the tracer calls them from any thread.
class Sampler {
public:
    virtual ~Sampler() = default;
    // `parent` is the span's parent (local or remote), nullopt for a root span.
    virtual SamplingDecision shouldSample(const std::optional<SpanContext> &parent,
                                          const TraceId &traceId) const = 0;
    // As OpenTelemetry describes its samplers, e.g. "ParentBased{root=TraceIdRatioBased{0.25}}".
    virtual std::string description() const = 0;
};

using SamplerPtr = std::shared_ptr<const Sampler>;

SamplerPtr alwaysOnSampler();
SamplerPtr alwaysOffSampler();

// Samples a share `ratio` (clamped to 0..1) of traces, decided by the trace id alone, so every
// process reaches the same decision for one trace, and a larger ratio samples a superset of what a
// smaller one samples: the trace id's rightmost 56 bits (random by W3C's rules) compared with a
// threshold, as OpenTelemetry's ProbabilitySampler does. Ignores the parent's decision.
SamplerPtr traceIdRatioSampler(double ratio);

// Follows the parent's sampled flag when there is a parent; asks `root` for root spans.
SamplerPtr parentBasedSampler(SamplerPtr root);

} // namespace aegis::client
