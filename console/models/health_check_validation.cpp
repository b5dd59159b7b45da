#include "models/health_check_validation.h"

#include <common/duration.h>
#include <validation/health_check_rules.h>

namespace aegis::console {

std::optional<qint64> parseDurationText(const QString &text) {
    const QString trimmed = text.trimmed();
    if (trimmed.isEmpty()) {
        return std::nullopt;
    }
    const auto parsed = parseDuration(trimmed.toStdString(), "duration");
    if (!parsed) {
        return std::nullopt;
    }
    return static_cast<qint64>(parsed->count());
}

QString durationText(qint64 milliseconds) {
    return QString::fromStdString(formatDuration(std::chrono::milliseconds(milliseconds)));
}

QList<HealthCheckProblem> validateHealthCheck(const HealthCheckSpec &spec,
                                              const QList<ExtensionDescription> &probers) {
    using std::chrono::milliseconds;
    // The values as UpdateHealthCheck stores them: zero means the documented default, an
    // absent jitter a tenth of the interval, an absent panic threshold one half.
    validation::HealthCheckFields check;
    check.kind = spec.kind.toStdString();
    check.port = spec.port;
    for (auto it = spec.options.cbegin(); it != spec.options.cend(); ++it) {
        check.options[it.key().toStdString()] = it.value().toStdString();
    }
    check.interval = milliseconds(spec.intervalMs != 0 ? spec.intervalMs : 10'000);
    check.timeout = milliseconds(spec.timeoutMs != 0 ? spec.timeoutMs : 2'000);
    check.rise = spec.rise != 0 ? spec.rise : 2;
    check.fall = spec.fall != 0 ? spec.fall : 3;
    check.jitter = spec.jitterMs ? milliseconds(*spec.jitterMs) : check.interval / 10;
    check.deregisterAfter = milliseconds(spec.deregisterAfterMs);
    check.flapMaxTransitions = spec.flapMaxTransitions.value_or(5);
    check.flapWindow = milliseconds(spec.flapWindowMs != 0 ? spec.flapWindowMs : 300'000);
    check.panicThreshold = spec.panicThreshold.value_or(0.5);

    std::vector<const ExtensionDescription *> kinds;
    for (const ExtensionDescription &prober : probers) {
        kinds.push_back(&prober);
    }
    QList<HealthCheckProblem> problems;
    for (const validation::FieldProblem &problem : validation::validateHealthCheck(check, kinds)) {
        problems.append(
            {QString::fromStdString(problem.field), QString::fromStdString(problem.message)});
    }
    return problems;
}

} // namespace aegis::console
