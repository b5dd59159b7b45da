#pragma once

#include "common/clock.h"
#include "common/status.h"
#include "tracing/sampling_policy.h"
#include "tracing/span_sink.h"

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>

namespace aegis::tracing {

class TracingMetrics;

struct TailSamplerOptions {
    ClockPtr clock = std::make_shared<SystemClock>();
    // How many recent trace durations "the slowest N %" is measured against.
    std::size_t durationWindow = 10000;
};

// The tail half of the sampling policy. With tail rules the ingest stores every span; each
// tick() takes the traces whose last span arrived between the previous tick's horizon and now
// minus the policy's decision wait, keeps those a rule keeps (an error, among the slowest N %, a
// service under investigation, or the head ratio of the root's service) and deletes the others
// from the store. A failed read or delete leaves the window to the next tick, so nothing is
// skipped. Traces that completed before this process started are left as stored. Ticks are
// serialized; the caller's timer runs them (they block on the store).
class TailSampler {
public:
    TailSampler(TailSamplingStore &store, std::function<SamplingPolicyPtr()> policy,
                TailSamplerOptions options = {});

    void setMetrics(std::shared_ptr<TracingMetrics> metrics) { m_metrics = std::move(metrics); }

    struct Round {
        std::size_t kept = 0;
        std::size_t deleted = 0;
    };
    StatusOr<Round> tick();

private:
    bool keeps(const SamplingPolicy &policy, const TailCandidate &trace,
               std::int64_t slowThresholdNanos, std::chrono::system_clock::time_point now) const;

    TailSamplingStore &m_store;
    const std::function<SamplingPolicyPtr()> m_policy;
    const TailSamplerOptions m_options;
    std::shared_ptr<TracingMetrics> m_metrics;
    std::mutex m_mutex;
    // Traces whose last span arrived before this (Unix ns) are decided.
    std::int64_t m_horizon = 0;
    std::deque<std::int64_t> m_durations;
};

} // namespace aegis::tracing
