#include "net/rollout_types.h"

namespace aegis::console {
int TrafficSplit::share(const QString &colour) const {
    if (colour == QLatin1String("blue")) {
        return blue;
    }
    if (colour == QLatin1String("green")) {
        return green;
    }
    return 0;
}

QList<CanaryStep> RolloutSpec::effectiveSteps() const {
    if (steps.isEmpty()) {
        return {CanaryStep{}};
    }
    QList<CanaryStep> result = steps;
    if (result.last().weight < 100) {
        result.append(CanaryStep{});
    }
    return result;
}

int Rollout::number() const {
    const qsizetype dash = id.lastIndexOf(QLatin1Char('-'));
    return dash < 0 ? 0 : id.mid(dash + 1).toInt();
}

std::optional<ColorDeployment> Release::deployment(const QString &color) const {
    for (const ColorDeployment &deployment : deployments) {
        if (deployment.color == color) {
            return deployment;
        }
    }
    return std::nullopt;
}

} // namespace aegis::console
