#include "alerting/alerting_metrics.h"

namespace aegis::alerting {

AlertingMetrics::AlertingMetrics(prometheus::Registry &registry)
    : m_evaluations(prometheus::BuildCounter()
                        .Name("aegis_alerting_rule_evaluations_total")
                        .Help("Alerting rules evaluated.")
                        .Register(registry)
                        .Add({}))
    , m_failures(prometheus::BuildCounter()
                     .Name("aegis_alerting_rule_evaluation_failures_total")
                     .Help("Alerting rule evaluations that failed.")
                     .Register(registry)
                     .Add({}))
    , m_groupDuration(prometheus::BuildHistogram()
                          .Name("aegis_alerting_group_evaluation_seconds")
                          .Help("Time to evaluate a rule group and make its state durable.")
                          .Register(registry))
    , m_alerts(prometheus::BuildGauge()
                   .Name("aegis_alerting_alerts")
                   .Help("Alerts by state.")
                   .Register(registry))
    , m_pending(m_alerts.Add({{"state", "pending"}}))
    , m_firing(m_alerts.Add({{"state", "firing"}}))
    , m_resolved(m_alerts.Add({{"state", "resolved"}}))
    , m_queued(prometheus::BuildCounter()
                   .Name("aegis_alerting_notifications_queued_total")
                   .Help("Alerts handed to the notifier.")
                   .Register(registry)
                   .Add({})) {}

void AlertingMetrics::evaluated(std::size_t rules, std::size_t failures) {
    m_evaluations.Increment(static_cast<double>(rules));
    if (failures > 0) {
        m_failures.Increment(static_cast<double>(failures));
    }
}

void AlertingMetrics::groupEvaluated(const std::string &group, std::chrono::microseconds duration) {
    prometheus::Histogram *histogram = nullptr;
    {
        std::lock_guard lock(m_mutex);
        auto &slot = m_histograms[group];
        if (slot == nullptr) {
            slot = &m_groupDuration.Add(
                {{"group", group}}, prometheus::Histogram::BucketBoundaries{
                                        0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10});
        }
        histogram = slot;
    }
    histogram->Observe(std::chrono::duration<double>(duration).count());
}

void AlertingMetrics::alerts(std::size_t pending, std::size_t firing, std::size_t resolved) {
    m_pending.Set(static_cast<double>(pending));
    m_firing.Set(static_cast<double>(firing));
    m_resolved.Set(static_cast<double>(resolved));
}

void AlertingMetrics::queued(std::size_t alerts) {
    if (alerts > 0) {
        m_queued.Increment(static_cast<double>(alerts));
    }
}

} // namespace aegis::alerting
