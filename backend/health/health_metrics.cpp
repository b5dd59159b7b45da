#include "health/health_metrics.h"

namespace aegis::health {
namespace {

constexpr HealthState kResults[] = {HealthState::Passing, HealthState::Warning,
                                    HealthState::Critical};

const prometheus::Histogram::BucketBoundaries &probeBuckets() {
    // A TTL check answers at once, a local TCP or HTTP probe in well under a millisecond, a
    // remote or slow one up to its timeout.
    static const prometheus::Histogram::BucketBoundaries kBuckets = {
        0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
        0.05,   0.1,     0.25,   0.5,   1,      2.5,   5,    10};
    return kBuckets;
}

} // namespace

HealthMetrics::HealthMetrics(prometheus::Registry &registry, const std::vector<std::string> &kinds)
    : m_probes(prometheus::BuildCounter()
                   .Name("aegis_health_probes_total")
                   .Help("Active health probes, by prober kind and result.")
                   .Register(registry))
    , m_durations(prometheus::BuildHistogram()
                      .Name("aegis_health_probe_duration_seconds")
                      .Help("Time of one active health probe, by prober kind.")
                      .Register(registry))
    , m_ejections(prometheus::BuildCounter()
                      .Name("aegis_health_ejections_total")
                      .Help("Instances ejected by outlier detection.")
                      .Register(registry)
                      .Add({}))
    , m_ejected(prometheus::BuildGauge()
                    .Name("aegis_health_ejected_instances")
                    .Help("Instances ejected by outlier detection now.")
                    .Register(registry)
                    .Add({})) {
    std::lock_guard lock(m_mutex);
    for (const std::string &kind : kinds) {
        for (const HealthState result : kResults) {
            m_counters[{kind, result}] =
                &m_probes.Add({{"kind", kind}, {"result", healthStateName(result)}});
        }
        m_histograms[kind] = &m_durations.Add({{"kind", kind}}, probeBuckets());
    }
}

void HealthMetrics::probed(const std::string &kind, HealthState result,
                           std::chrono::steady_clock::duration elapsed) {
    prometheus::Counter *counter;
    prometheus::Histogram *histogram;
    {
        std::lock_guard lock(m_mutex);
        auto &slot = m_counters[{kind, result}];
        if (slot == nullptr) {
            slot = &m_probes.Add({{"kind", kind}, {"result", healthStateName(result)}});
        }
        counter = slot;
        auto &hist = m_histograms[kind];
        if (hist == nullptr) {
            hist = &m_durations.Add({{"kind", kind}}, probeBuckets());
        }
        histogram = hist;
    }
    counter->Increment();
    histogram->Observe(std::chrono::duration<double>(elapsed).count());
}

void HealthMetrics::ejected() {
    m_ejections.Increment();
}

void HealthMetrics::ejectedNow(std::size_t count) {
    m_ejected.Set(static_cast<double>(count));
}

} // namespace aegis::health
