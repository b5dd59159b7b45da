#include "rollout/rollout_metrics.h"

#include <string>

namespace aegis::rollout {

RolloutMetrics::RolloutMetrics(prometheus::Registry &registry)
    : m_rollouts(prometheus::BuildGauge()
                     .Name("aegis_rollouts")
                     .Help("Rollouts in progress, by phase.")
                     .Register(registry))
    , m_transitions(prometheus::BuildCounter()
                        .Name("aegis_rollout_transitions_total")
                        .Help("Rollouts that entered each phase.")
                        .Register(registry))
    , m_rollbacks(prometheus::BuildCounter()
                      .Name("aegis_rollout_rollbacks_total")
                      .Help("Rollouts rolled back.")
                      .Register(registry)
                      .Add({})) {
    for (int value = static_cast<int>(Phase::Pending); value <= static_cast<int>(Phase::Failed);
         ++value) {
        const auto phase = static_cast<Phase>(value);
        const prometheus::Labels labels{{"phase", std::string(phaseName(phase))}};
        m_counters[phase] = &m_transitions.Add(labels);
        if (!isFinished(phase)) {
            m_gauges[phase] = &m_rollouts.Add(labels);
        }
    }
}

void RolloutMetrics::entered(Phase phase) {
    if (const auto it = m_counters.find(phase); it != m_counters.end()) {
        it->second->Increment();
    }
    if (phase == Phase::RolledBack) {
        m_rollbacks.Increment();
    }
}

void RolloutMetrics::inProgress(const std::map<Phase, int> &byPhase) {
    for (const auto &[phase, gauge] : m_gauges) {
        const auto found = byPhase.find(phase);
        gauge->Set(found == byPhase.end() ? 0 : found->second);
    }
}

} // namespace aegis::rollout
