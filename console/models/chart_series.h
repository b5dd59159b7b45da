#pragma once

#include "net/metrics_types.h"

#include <QList>
#include <QString>
#include <QVector>

namespace aegis::console {

// One line of a time chart, ready for the plot: keys are seconds since the epoch (ascending),
// values their numbers, and a NaN value marks a gap (the plot breaks the line there).
struct ChartSeries {
    // Identity across updates: the labels (and the query's role) as text, see seriesKey().
    QString key;
    // What the legend and the tooltip call it.
    QString name;
    MetricLabels labels;
    QVector<double> keys;
    QVector<double> values;
    // Which of a chart's queries it came from (p50, p95, p99 of a latency chart); the view
    // draws each role in its own line style.
    int role = 0;

    friend bool operator==(const ChartSeries &, const ChartSeries &) = default;
};

// `{color="blue",service="checkout"}`: a label set as stable text.
QString seriesKey(const MetricLabels &labels);

// A series' points as plot data. Where two neighbouring points are further apart than 1.5
// steps (the series was absent, a scrape failed, the backend was down) a NaN goes between them,
// so the line shows the gap instead of bridging it.
ChartSeries toChartSeries(const MetricSeries &series, qint64 stepMs, int role = 0);
// Appends the points of `tail` newer than the last one `series` has (a gap first when they do
// not follow on) and drops the points before `windowStart` (seconds since the epoch).
void appendTail(ChartSeries &series, const MetricSeries &tail, qint64 stepMs, double windowStart);

// Legend names for series of one chart: only the labels that differ between them, e.g.
// "blue" and "green" for two colours of one service, or `prefix` and the differing labels
// ("p99 blue") when the chart has several queries; other labels as name=value, or the value
// alone when only one label differs. A single series is called by its metric name
// or `prefix`.
QStringList legendNames(const QList<MetricLabels> &labels, const QString &prefix = {});

// The value of `series` at `key`: the nearest point no further than `tolerance` seconds away,
// NaN when there is none or it is a gap.
double valueAt(const ChartSeries &series, double key, double tolerance);

// How many points per series to ask for when a chart is `pixels` wide: about one per pixel, which
// is all a line can show, within the backend's limits.
int maxPointsForWidth(int pixels);
// The step to ask for `rangeMs` shown with at most `maxPoints` points: at least `minStepMs` (the
// scrape interval; anything finer repeats samples) and rounded up to a step people read (1 s,
// 5 s, 15 s, 1 min, …) so successive refreshes line up.
qint64 stepForRange(qint64 rangeMs, int maxPoints, qint64 minStepMs);
// Whether a chart should let the plot thin its points when drawing: when a series holds more
// points than there are pixels to show them.
bool needsAdaptiveSampling(qsizetype points, int pixels);

// The series as CSV: a header "time,<name>,…" and one row per timestamp of any series, the time
// in ISO 8601 UTC, an empty cell where a series has no value.
QString toCsv(const QList<ChartSeries> &series);

} // namespace aegis::console
