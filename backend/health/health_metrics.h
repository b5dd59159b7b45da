#pragma once

#include "health/health_state_machine.h"

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <chrono>
#include <cstddef>
#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace aegis::health {

// Health checking's figures on aegisd's /metrics (HealthMonitor::exportMetrics()):
//   aegis_health_probes_total{kind,result}        active probes by prober kind and result
//                                                 (passing, warning, critical); every known kind
//                                                 with every result from the start, at zero
//   aegis_health_probe_duration_seconds{kind}     time of one probe
//   aegis_health_ejections_total                  outlier ejections (callers' reported failures)
//   aegis_health_ejected_instances                instances ejected now
// Thread-safe.
class HealthMetrics {
public:
    HealthMetrics(prometheus::Registry &registry, const std::vector<std::string> &kinds);

    void probed(const std::string &kind, HealthState result,
                std::chrono::steady_clock::duration elapsed);
    void ejected();
    void ejectedNow(std::size_t count);

private:
    prometheus::Family<prometheus::Counter> &m_probes;
    prometheus::Family<prometheus::Histogram> &m_durations;
    prometheus::Counter &m_ejections;
    prometheus::Gauge &m_ejected;
    std::mutex m_mutex;
    std::map<std::pair<std::string, HealthState>, prometheus::Counter *> m_counters;
    std::map<std::string, prometheus::Histogram *> m_histograms;
};

} // namespace aegis::health
