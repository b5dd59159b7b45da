#pragma once

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

namespace aegis::alerting {

// The alert engine's figures on aegisd's /metrics (AlertEngine::exportMetrics()):
//   aegis_alerting_rule_evaluations_total          alerting rules evaluated
//   aegis_alerting_rule_evaluation_failures_total  of those, failed (query error, colliding
//                                                  labels, over the group's limit)
//   aegis_alerting_group_evaluation_seconds{group} time from a group's queries to its state
//                                                  being durable ("<file>/<group>")
//   aegis_alerting_alerts{state}                   alerts pending, firing and resolved
//   aegis_alerting_notifications_queued_total      alerts handed to the notifier
// Thread-safe.
class AlertingMetrics {
public:
    explicit AlertingMetrics(prometheus::Registry &registry);

    void evaluated(std::size_t rules, std::size_t failures);
    void groupEvaluated(const std::string &group, std::chrono::microseconds duration);
    void alerts(std::size_t pending, std::size_t firing, std::size_t resolved);
    void queued(std::size_t alerts);

private:
    prometheus::Counter &m_evaluations;
    prometheus::Counter &m_failures;
    prometheus::Family<prometheus::Histogram> &m_groupDuration;
    prometheus::Family<prometheus::Gauge> &m_alerts;
    prometheus::Gauge &m_pending;
    prometheus::Gauge &m_firing;
    prometheus::Gauge &m_resolved;
    prometheus::Counter &m_queued;
    std::mutex m_mutex;
    std::map<std::string, prometheus::Histogram *> m_histograms; // Not owned.
};

} // namespace aegis::alerting
