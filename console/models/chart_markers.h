#pragma once

#include "net/rollout_types.h"

#include <QDateTime>
#include <QList>
#include <QString>

namespace aegis::console {

// What happened at a chart marker.
enum class MarkerKind { Start, Step, Switch, Abort, Rollback, Done, Failed };

// A vertical line on every time chart at the moment something changed a service, so a jump in
// latency lines up with the release that caused it.
struct ChartMarker {
    QDateTime time;
    MarkerKind kind = MarkerKind::Start;
    // Short, drawn beside the line ("checkout-3 start").
    QString label;
    // Longer, in the tooltip (the reason, the traffic split).
    QString detail;

    friend bool operator==(const ChartMarker &, const ChartMarker &) = default;
};

// The markers of a rollout: its start, the switch of traffic, an abort, a roll-back, and how it
// ended, from its transitions.
QList<ChartMarker> rolloutMarkers(const Rollout &rollout);
// A canary step from a rollout's log line ("traffic: blue 80%, green 20%"); nothing for other
// lines.
std::optional<ChartMarker> rolloutLogMarker(const RolloutLogLine &line);

// A shaded stretch of time behind a chart's series: an alert's pending or firing period.
// (Not SpanKind: that is a trace span's kind, net/trace_types.h.)
enum class ChartSpanKind { Pending, Firing };
struct ChartSpan {
    QDateTime start;
    QDateTime end;
    ChartSpanKind kind = ChartSpanKind::Firing;

    friend bool operator==(const ChartSpan &, const ChartSpan &) = default;
};

// Where a marker's label goes: `row` 0 is the top line of labels, 1 the next; -1 means there is
// no room and only the line is drawn.
struct PlacedMarker {
    int index = 0;
    double x = 0;
    int row = 0;

    friend bool operator==(const PlacedMarker &, const PlacedMarker &) = default;
};

// Places the labels of markers at `keys` (seconds since the epoch, any order) on a chart showing
// `lower`..`upper` over `pixels`: markers outside the range are left out, each label (`labelPixels`
// wide) goes on the first of `rows` rows where it does not overlap the previous one.
QList<PlacedMarker> placeMarkers(const QList<double> &keys, double lower, double upper, int pixels,
                                 int labelPixels, int rows);

} // namespace aegis::console
