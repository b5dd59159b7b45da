#include "models/traffic_share.h"

#include <QCoreApplication>
#include <QLocale>

namespace aegis::console {
namespace {

// The translation context of this file's texts, which belong to no QObject.
struct TrafficShare {
    Q_DECLARE_TR_FUNCTIONS(TrafficShare)
};

bool isDeployColour(const QString &colour) {
    return colour == QLatin1String("blue") || colour == QLatin1String("green");
}

QString colourOf(const ServiceInstance &instance) {
    return instance.labels.value(QStringLiteral("color")).toLower();
}

// Why an instance takes none of its colour's traffic whatever the split; empty when it may.
QString instanceZeroReason(const ServiceInstance &instance) {
    if (instance.state == InstanceState::Draining) {
        return TrafficShare::tr("draining: callers send it no new requests");
    }
    if (instance.state == InstanceState::Maintenance) {
        return TrafficShare::tr("in maintenance: out of rotation");
    }
    if (instance.state != InstanceState::Serving) {
        return TrafficShare::tr("not serving");
    }
    if (!instance.routable) {
        return TrafficShare::tr("not routed: discovery leaves it out");
    }
    if (instance.weight <= 0) {
        return TrafficShare::tr("traffic weight 0");
    }
    return {};
}

} // namespace

QString colourRoleName(ColourRole role) {
    switch (role) {
    case ColourRole::None:
        return {};
    case ColourRole::Live:
        return TrafficShare::tr("live");
    case ColourRole::Idle:
        return TrafficShare::tr("idle");
    case ColourRole::WarmForUndo:
        return TrafficShare::tr("warm for undo");
    case ColourRole::TearingDown:
        return TrafficShare::tr("being torn down");
    }
    return {};
}

TrafficSplit effectiveSplit(const ServiceRolloutState &state) {
    if (state.latest && state.latest->isActive()) {
        return state.latest->traffic;
    }
    return state.release.traffic;
}

ColourRole colourRole(const QString &colour, const ServiceRolloutState &state,
                      const QDateTime &now) {
    if (!isDeployColour(colour)) {
        return ColourRole::None;
    }
    if (effectiveSplit(state).share(colour) > 0) {
        return ColourRole::Live;
    }
    if (!state.latest) {
        return ColourRole::Idle;
    }
    const Rollout &rollout = *state.latest;
    const bool isNew = colour == rollout.newColor;
    const bool isStable = !rollout.stableColor.isEmpty() && colour == rollout.stableColor;
    switch (rollout.phase) {
    case RolloutPhase::Aborting:
    case RolloutPhase::RolledBack:
    case RolloutPhase::Failed:
        return isNew ? ColourRole::TearingDown : ColourRole::Idle;
    case RolloutPhase::Baking:
        // Everything moved; the old colour stays up so an abort can move it back.
        return isStable ? ColourRole::WarmForUndo : ColourRole::Idle;
    case RolloutPhase::Finalizing:
        return isStable ? ColourRole::TearingDown : ColourRole::Idle;
    case RolloutPhase::Succeeded:
        if (isStable) {
            return rollout.undoUntil.isValid() && now < rollout.undoUntil ? ColourRole::WarmForUndo
                                                                          : ColourRole::TearingDown;
        }
        return ColourRole::Idle;
    case RolloutPhase::Unspecified:
    case RolloutPhase::Pending:
    case RolloutPhase::Provisioning:
    case RolloutPhase::Verifying:
    case RolloutPhase::AwaitingApproval:
    case RolloutPhase::Switching:
        return ColourRole::Idle;
    }
    return ColourRole::Idle;
}

QHash<QString, InstanceTraffic> trafficShares(const QList<ServiceInstance> &instances,
                                              const std::optional<ServiceRolloutState> &state,
                                              const QDateTime &now) {
    const TrafficSplit split = state ? effectiveSplit(*state) : TrafficSplit{};
    // A colour's percentage of the service, or -1: the instance shares the whole service with
    // the others outside the split.
    const auto colourPercent = [&](const QString &colour) {
        return state && isDeployColour(colour) ? split.share(colour) : -1;
    };
    QHash<QString, qint64> weightOf;
    for (const ServiceInstance &instance : instances) {
        if (instanceZeroReason(instance).isEmpty()) {
            const QString colour = colourOf(instance);
            weightOf[colourPercent(colour) < 0 ? QString() : colour] += instance.weight;
        }
    }
    QHash<QString, InstanceTraffic> shares;
    shares.reserve(instances.size());
    for (const ServiceInstance &instance : instances) {
        InstanceTraffic traffic;
        const QString colour = colourOf(instance);
        traffic.colour = isDeployColour(colour) ? colour : QString();
        traffic.role = state ? colourRole(colour, *state, now) : ColourRole::None;
        const int percent = colourPercent(colour);
        traffic.zeroReason = instanceZeroReason(instance);
        if (traffic.zeroReason.isEmpty() && percent == 0) {
            traffic.zeroReason =
                TrafficShare::tr("%1 takes 0 % of the service's traffic").arg(colour);
        }
        if (traffic.zeroReason.isEmpty()) {
            const qint64 total = weightOf.value(percent < 0 ? QString() : colour);
            traffic.share = double(percent < 0 ? 100 : percent) * instance.weight / double(total);
        }
        shares.insert(instance.key(), traffic);
    }
    return shares;
}

QString formatShare(double percent) {
    if (percent <= 0) {
        return TrafficShare::tr("0 %");
    }
    if (percent >= 9.95) {
        // Whole numbers when they are (25 %), else one decimal (37.5 %), so shares add up.
        const bool whole = qAbs(percent - qRound(percent)) < 0.05;
        return whole ? TrafficShare::tr("%1 %").arg(QLocale().toString(qRound(percent)))
                     : TrafficShare::tr("%1 %").arg(QLocale().toString(percent, 'f', 1));
    }
    if (percent < 0.001) {
        return TrafficShare::tr("< 0.001 %");
    }
    const int decimals = percent >= 0.995 ? 1 : percent >= 0.0995 ? 2 : 3;
    return TrafficShare::tr("%1 %").arg(QLocale().toString(percent, 'f', decimals));
}

} // namespace aegis::console
