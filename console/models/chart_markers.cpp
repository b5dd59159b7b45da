#include "models/chart_markers.h"

#include <QCoreApplication>

#include <algorithm>
#include <numeric>

namespace aegis::console {
namespace {

// The translation context of this file's texts, which belong to no QObject.
struct ChartMarkerTexts {
    Q_DECLARE_TR_FUNCTIONS(ChartMarkerTexts)
};

} // namespace

QList<ChartMarker> rolloutMarkers(const Rollout &rollout) {
    QList<ChartMarker> markers;
    if (rollout.createTime.isValid()) {
        markers.append({rollout.createTime, MarkerKind::Start,
                        ChartMarkerTexts::tr("%1 start").arg(rollout.id),
                        ChartMarkerTexts::tr("%1 started: %2 on %3")
                            .arg(rollout.id, rollout.spec.version, rollout.newColor)});
    }
    for (const RolloutTransition &transition : rollout.transitions) {
        MarkerKind kind;
        QString what;
        switch (transition.phase) {
        case RolloutPhase::Switching:
            kind = MarkerKind::Switch;
            what = ChartMarkerTexts::tr("switch");
            break;
        case RolloutPhase::Aborting:
            kind = MarkerKind::Abort;
            what = ChartMarkerTexts::tr("abort");
            break;
        case RolloutPhase::RolledBack:
            kind = MarkerKind::Rollback;
            what = ChartMarkerTexts::tr("rolled back");
            break;
        case RolloutPhase::Succeeded:
            kind = MarkerKind::Done;
            what = ChartMarkerTexts::tr("done");
            break;
        case RolloutPhase::Failed:
            kind = MarkerKind::Failed;
            what = ChartMarkerTexts::tr("failed");
            break;
        default:
            continue;
        }
        if (!transition.time.isValid()) {
            continue;
        }
        const QString label = QStringLiteral("%1 %2").arg(rollout.id, what);
        markers.append({transition.time, kind, label,
                        transition.reason.isEmpty()
                            ? label
                            : label + QStringLiteral(": ") + transition.reason});
    }
    return markers;
}

std::optional<ChartMarker> rolloutLogMarker(const RolloutLogLine &line) {
    static const QString kTraffic = QStringLiteral("traffic: ");
    if (!line.line.startsWith(kTraffic) || !line.time.isValid()) {
        return std::nullopt;
    }
    const QString split = line.line.mid(kTraffic.size());
    return ChartMarker{line.time, MarkerKind::Step,
                       ChartMarkerTexts::tr("%1 step").arg(line.rolloutId),
                       ChartMarkerTexts::tr("%1: traffic %2").arg(line.rolloutId, split)};
}

QList<PlacedMarker> placeMarkers(const QList<double> &keys, double lower, double upper, int pixels,
                                 int labelPixels, int rows) {
    QList<PlacedMarker> placed;
    if (upper <= lower || pixels <= 0) {
        return placed;
    }
    QList<int> order(keys.size());
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(),
                     [&keys](int a, int b) { return keys[a] < keys[b]; });
    // Where the last label on each row ends, in pixels.
    QList<double> rowEnd(std::max(rows, 0), -1e300);
    for (const int index : order) {
        const double key = keys[index];
        if (key < lower || key > upper) {
            continue;
        }
        const double x = (key - lower) / (upper - lower) * pixels;
        int row = -1;
        for (int r = 0; r < rowEnd.size(); ++r) {
            if (rowEnd[r] + 4 <= x) {
                row = r;
                rowEnd[r] = x + labelPixels;
                break;
            }
        }
        placed.append({index, x, row});
    }
    return placed;
}

} // namespace aegis::console
