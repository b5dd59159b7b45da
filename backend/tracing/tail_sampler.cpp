#include "tracing/tail_sampler.h"

#include "tracing/tracing_metrics.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace aegis::tracing {
namespace {

std::int64_t unixNanos(std::chrono::system_clock::time_point time) {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(time.time_since_epoch()).count();
}

} // namespace

TailSampler::TailSampler(TailSamplingStore &store, std::function<SamplingPolicyPtr()> policy,
                         TailSamplerOptions options)
    : m_store(store)
    , m_policy(std::move(policy))
    , m_options(std::move(options))
    , m_horizon(unixNanos(m_options.clock->now())) {}

bool TailSampler::keeps(const SamplingPolicy &policy, const TailCandidate &trace,
                        std::int64_t slowThresholdNanos,
                        std::chrono::system_clock::time_point now) const {
    if (policy.keepErrors && trace.hasError) {
        return true;
    }
    if (policy.keepSlowestPercent > 0 && trace.durationNanos >= slowThresholdNanos) {
        return true;
    }
    for (const std::string &service : trace.services) {
        if (policy.investigating(service, now)) {
            return true;
        }
    }
    const std::string &service = !trace.rootService.empty() ? trace.rootService
                                 : trace.services.empty()   ? trace.rootService
                                                            : trace.services.front();
    return policy.headKeeps(trace.traceId, service);
}

StatusOr<TailSampler::Round> TailSampler::tick() {
    std::lock_guard lock(m_mutex);
    const SamplingPolicyPtr policy = m_policy();
    const auto now = m_options.clock->now();
    const std::int64_t to = unixNanos(now - policy->decisionWait);
    if (!policy->hasTailRules()) {
        // Head sampling decided at ingest; when tail rules come, they start from here.
        m_horizon = std::max(m_horizon, to);
        return Round{};
    }
    if (to <= m_horizon) {
        return Round{};
    }
    auto candidates = m_store.tracesLastReceivedBetween(m_horizon, to);
    if (!candidates) {
        return candidates.status();
    }
    for (const TailCandidate &trace : *candidates) {
        m_durations.push_back(trace.durationNanos);
    }
    while (m_durations.size() > m_options.durationWindow) {
        m_durations.pop_front();
    }
    std::int64_t threshold = 0;
    if (policy->keepSlowestPercent > 0 && !m_durations.empty()) {
        std::vector<std::int64_t> sorted(m_durations.begin(), m_durations.end());
        const auto index = static_cast<std::size_t>(std::floor(
            static_cast<double>(sorted.size()) * (1.0 - policy->keepSlowestPercent / 100.0)));
        const std::size_t at = std::min(index, sorted.size() - 1);
        std::nth_element(sorted.begin(), sorted.begin() + static_cast<std::ptrdiff_t>(at),
                         sorted.end());
        threshold = sorted[at];
    }
    Round round;
    std::vector<TraceId> dropped;
    for (const TailCandidate &trace : *candidates) {
        if (keeps(*policy, trace, threshold, now)) {
            ++round.kept;
        } else {
            dropped.push_back(trace.traceId);
        }
    }
    if (!dropped.empty()) {
        if (Status deleted = m_store.deleteTraces(dropped); !deleted.isOk()) {
            return deleted;
        }
    }
    round.deleted = dropped.size();
    m_horizon = to;
    if (m_metrics) {
        m_metrics->tailDecided(round.kept, round.deleted);
    }
    return round;
}

} // namespace aegis::tracing
