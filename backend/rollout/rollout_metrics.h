#pragma once

#include "rollout/rollout.h"

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include <map>

namespace aegis::rollout {

// The rollout controller's figures on aegisd's /metrics (RolloutController::exportMetrics()):
//   aegis_rollouts{phase}                       rollouts in progress, by the phase they are in
//                                               (every phase but the finished ones, from zero)
//   aegis_rollout_transitions_total{phase}      rollouts that entered each phase (every phase)
//   aegis_rollout_rollbacks_total               rollouts rolled back
// Called from the controller's strand only.
class RolloutMetrics {
public:
    explicit RolloutMetrics(prometheus::Registry &registry);

    // A rollout entered `phase` (durably).
    void entered(Phase phase);
    // The rollouts in progress now, counted by phase.
    void inProgress(const std::map<Phase, int> &byPhase);

private:
    prometheus::Family<prometheus::Gauge> &m_rollouts;
    prometheus::Family<prometheus::Counter> &m_transitions;
    prometheus::Counter &m_rollbacks;
    std::map<Phase, prometheus::Gauge *> m_gauges;
    std::map<Phase, prometheus::Counter *> m_counters;
};

} // namespace aegis::rollout
