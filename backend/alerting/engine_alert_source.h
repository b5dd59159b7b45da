#pragma once

#include "alerting/alert_engine.h"
#include "rollout/alert_source.h"

namespace aegis::alerting {

// The alert engine as the rollout controller sees it: the firing alerts of a service.
class EngineAlertSource final : public rollout::AlertSource {
public:
    explicit EngineAlertSource(const AlertEngine &engine)
        : m_engine(engine) {}

    std::vector<rollout::FiringAlert> firing(const std::string &service) const override {
        std::vector<rollout::FiringAlert> firing;
        for (Alert &alert : m_engine.firingFor(service)) {
            std::string name;
            for (const auto &[label, value] : alert.labels) {
                if (label == "alertname") {
                    name = value;
                }
            }
            firing.push_back({std::move(name), std::move(alert.labels)});
        }
        return firing;
    }

private:
    const AlertEngine &m_engine; // Not owned.
};

} // namespace aegis::alerting
