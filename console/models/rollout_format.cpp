#include "models/rollout_format.h"

#include "models/display_format.h"
#include "models/display_names.h"

#include <QCoreApplication>

namespace aegis::console {
namespace {

// The translation context of this file's texts, which belong to no QObject.
struct RolloutFormat {
    Q_DECLARE_TR_FUNCTIONS(RolloutFormat)
};

} // namespace

RolloutTone rolloutPhaseTone(RolloutPhase phase, bool paused) {
    if (paused && !isFinishedPhase(phase)) {
        return RolloutTone::Waiting;
    }
    switch (phase) {
    case RolloutPhase::Pending:
    case RolloutPhase::Provisioning:
    case RolloutPhase::Verifying:
    case RolloutPhase::Switching:
    case RolloutPhase::Baking:
    case RolloutPhase::Finalizing:
        return RolloutTone::Progress;
    case RolloutPhase::AwaitingApproval:
        return RolloutTone::Waiting;
    case RolloutPhase::Succeeded:
        return RolloutTone::Success;
    case RolloutPhase::RolledBack:
        return RolloutTone::Warning;
    case RolloutPhase::Aborting:
    case RolloutPhase::Failed:
        return RolloutTone::Danger;
    case RolloutPhase::Unspecified:
        break;
    }
    return RolloutTone::Muted;
}

RolloutTone deployColourTone(const QString &colour) {
    if (colour == QLatin1String("blue")) {
        return RolloutTone::Blue;
    }
    if (colour == QLatin1String("green")) {
        return RolloutTone::Green;
    }
    return RolloutTone::Muted;
}

QString trafficText(const TrafficSplit &split) {
    if (split.blue == 0 && split.green == 0) {
        return QStringLiteral("—");
    }
    return RolloutFormat::tr("blue %1 % · green %2 %").arg(split.blue).arg(split.green);
}

QString canaryStepText(const CanaryStep &step) {
    if (step.untilPromoted) {
        return RolloutFormat::tr("%1 % until promoted").arg(step.weight);
    }
    if (step.pauseMs > 0) {
        return RolloutFormat::tr("%1 % for %2").arg(step.weight).arg(humanDuration(step.pauseMs));
    }
    return RolloutFormat::tr("%1 %").arg(step.weight);
}

QString rolloutStatusText(RolloutPhase phase, bool paused) {
    if (paused && !isFinishedPhase(phase)) {
        return RolloutFormat::tr("%1 (paused)").arg(rolloutPhaseName(phase));
    }
    return rolloutPhaseName(phase);
}

QString colourVersionText(const QString &colour, const QString &version) {
    if (colour.isEmpty()) {
        return version;
    }
    return version.isEmpty() ? colour : QStringLiteral("%1 (%2)").arg(colour, version);
}

QString nextVersion(const QString &version) {
    qsizetype end = version.size();
    while (end > 0 && !version.at(end - 1).isDigit()) {
        --end;
    }
    qsizetype start = end;
    while (start > 0 && version.at(start - 1).isDigit()) {
        --start;
    }
    if (start == end) {
        return {};
    }
    bool ok = false;
    const qulonglong number = version.mid(start, end - start).toULongLong(&ok);
    if (!ok) {
        return {};
    }
    return version.left(start) + QString::number(number + 1) + version.mid(end);
}

} // namespace aegis::console
