#include "client/sampler.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace aegis::client {
namespace {

class AlwaysOn final : public Sampler {
public:
    SamplingDecision shouldSample(const std::optional<SpanContext> &,
                                  const TraceId &) const override {
        return SamplingDecision::RecordAndSample;
    }
    std::string description() const override { return "AlwaysOnSampler"; }
};

class AlwaysOff final : public Sampler {
public:
    SamplingDecision shouldSample(const std::optional<SpanContext> &,
                                  const TraceId &) const override {
        return SamplingDecision::Drop;
    }
    std::string description() const override { return "AlwaysOffSampler"; }
};

class TraceIdRatio final : public Sampler {
public:
    explicit TraceIdRatio(double ratio)
        : m_ratio(std::clamp(std::isnan(ratio) ? 0.0 : ratio, 0.0, 1.0))
        // A trace is sampled when its 56 random bits are at least this threshold.
        , m_threshold(static_cast<std::uint64_t>(std::llround((1.0 - m_ratio) * kRange))) {}

    SamplingDecision shouldSample(const std::optional<SpanContext> &,
                                  const TraceId &traceId) const override {
        if (m_ratio <= 0) {
            return SamplingDecision::Drop;
        }
        std::uint64_t random = 0;
        for (std::size_t i = traceId.size() - 7; i < traceId.size(); ++i) {
            random = random << 8 | traceId[i];
        }
        return random >= m_threshold ? SamplingDecision::RecordAndSample : SamplingDecision::Drop;
    }

    std::string description() const override {
        char text[64];
        std::snprintf(text, sizeof text, "TraceIdRatioBased{%.6f}", m_ratio);
        return text;
    }

private:
    static constexpr double kRange = 72057594037927936.0; // 2^56
    const double m_ratio;
    const std::uint64_t m_threshold;
};

class ParentBased final : public Sampler {
public:
    explicit ParentBased(SamplerPtr root)
        : m_root(std::move(root)) {}

    SamplingDecision shouldSample(const std::optional<SpanContext> &parent,
                                  const TraceId &traceId) const override {
        if (parent && parent->isValid()) {
            return parent->isSampled() ? SamplingDecision::RecordAndSample : SamplingDecision::Drop;
        }
        return m_root->shouldSample(parent, traceId);
    }

    std::string description() const override {
        return "ParentBased{root=" + m_root->description() + "}";
    }

private:
    const SamplerPtr m_root;
};

} // namespace

SamplerPtr alwaysOnSampler() {
    return std::make_shared<AlwaysOn>();
}

SamplerPtr alwaysOffSampler() {
    return std::make_shared<AlwaysOff>();
}

SamplerPtr traceIdRatioSampler(double ratio) {
    return std::make_shared<TraceIdRatio>(ratio);
}

SamplerPtr parentBasedSampler(SamplerPtr root) {
    return std::make_shared<ParentBased>(std::move(root));
}

} // namespace aegis::client
