#pragma once

#include "models/chart_markers.h"
#include "models/chart_series.h"
#include "models/metric_units.h"

#include <QHash>
#include <QTimer>
#include <QWidget>

#include <functional>
#include <optional>

class QCPAbstractLegendItem;
class QCPGraph;
class QCPItemRect;
class QCPItemStraightLine;
class QCPItemText;
class QCPLegend;
class QCPTextElement;
class QCustomPlot;

namespace aegis::console {

// A time chart of metric series on QCustomPlot: a time axis, a value axis in the chart's unit
// (ms, MiB, %, req/s), a stable colour per series (SeriesColors) and a line style per query role,
// a legend below (click hides a series, double-click shows it alone, again shows all), a
// crosshair whose tooltip lists every series' value at that time, zoom and pan of the time axis
// with the mouse, gaps where a series has none (NaN), vertical markers with labels (rollout
// events), PNG and CSV export, and colours from the application palette (light or dark).
//
// In point mode (a scatter, the Traces page's durations over time) the series are drawn as
// points: a click on one, or Enter on the current one (the arrow keys move it through the points
// in time order), emits pointActivated, and the tooltip describes the point under the mouse.
//
// Data arrives per role (one of the chart's queries): setRoleSeries replaces a role's series,
// appendRoleTail extends them. Nothing is drawn on arrival: changes mark the chart dirty and one
// replot follows on a short timer (none while hidden), so a burst of updates costs one replot.
class TimeSeriesChart final : public QWidget {
    Q_OBJECT
public:
    explicit TimeSeriesChart(const QString &title, MetricUnit unit, QWidget *parent = nullptr);
    ~TimeSeriesChart() override;

    QString title() const { return m_title; }
    MetricUnit unit() const { return m_unit; }
    void setUnit(MetricUnit unit);
    // The name a role's series carry in the legend when the chart has several ("p99").
    void setRoleName(int role, const QString &name);

    // Replaces the series of `role` with `series`, evaluated at `stepMs`.
    void setRoleSeries(int role, const QList<MetricSeries> &series, qint64 stepMs);
    // Appends new points of `role` (a WatchQuery tail); a series not yet shown is added. Points
    // before `windowStart` (seconds since the epoch) are dropped.
    void appendRoleTail(int role, const QList<MetricSeries> &tail, qint64 stepMs,
                        double windowStart);
    // Replaces every series with `series`, as they are (point mode: keys ascending per series).
    void setSeries(const QList<ChartSeries> &series);
    // Removes every series.
    void clear();
    // Every series, in legend order.
    const QList<ChartSeries> &series() const { return m_series; }

    // Shows `lower`..`upper` (seconds since the epoch) on the time axis.
    void setTimeRange(double lower, double upper);
    double timeLower() const;
    double timeUpper() const;
    void setMarkers(const QList<ChartMarker> &markers);
    const QList<ChartMarker> &markers() const { return m_markers; }
    // The markers whose line is drawn (in range), with their label rows.
    QList<PlacedMarker> placedMarkers() const { return m_placed; }
    // A horizontal line at `value` (an alert rule's threshold) with `label`; nullopt removes it.
    // The value axis keeps it in view.
    void setThreshold(std::optional<double> value, const QString &label = {});
    std::optional<double> threshold() const { return m_threshold; }
    // Shaded spans behind the series (an alert's pending and firing periods).
    void setSpans(const QList<ChartSpan> &spans);
    const QList<ChartSpan> &spans() const { return m_spans; }
    // A line over the plot area ("No data", "Metrics are turned off"); empty hides it.
    void setMessage(const QString &message);
    QString message() const { return m_messageText; }

    void setPointMode(bool points);
    bool isPointMode() const { return m_pointMode; }
    // The colour a series is drawn in: its labels' (SeriesColors), or one of the theme's.
    enum class SeriesTone { Labels, Accent, Danger };
    void setSeriesTone(const QString &key, SeriesTone tone);
    // What the tooltip says about point `index` of series `key` in point mode (default: its time
    // and value).
    void setPointText(std::function<QString(const QString &key, int index)> text);
    // Rings point `index` of series `key`; an empty key rings none.
    void setCurrentPoint(const QString &key, int index);
    QString currentPointKey() const { return m_currentKey; }
    int currentPointIndex() const { return m_currentIndex; }
    // The point drawn within `radius` pixels of `position` (in the plot's coordinates), nearest
    // first: {key, index}, or {"", -1}.
    QPair<QString, int> pointAt(const QPoint &position, int radius = 8) const;
    // Where point `index` of series `key` is drawn, in the plot's coordinates.
    QPoint pointPosition(const QString &key, int index) const;

    bool isSeriesVisible(const QString &key) const;
    void setSeriesVisible(const QString &key, bool visible);
    // Shows only `key`; when it is already the only one shown, shows every series again.
    void solo(const QString &key);

    // The tooltip the crosshair shows at `time` (seconds since the epoch): the time, then each
    // visible series' name and value.
    QString crosshairText(double time) const;
    // The colour series `key` is drawn in.
    QColor seriesColor(const QString &key) const;
    // The value axis' tick labels, as drawn.
    QStringList valueTickLabels() const;

    bool exportPng(const QString &path, int width = 0, int height = 0);
    bool exportCsv(const QString &path) const;

    // Redraws now if anything changed (tests; the timer does it otherwise).
    void flush();
    // How many replots ran (tests check that bursts are batched).
    int replotCount() const { return m_replots; }
    QCustomPlot *plot() const { return m_plot; }

signals:
    // The operator zoomed or panned the time axis.
    void timeRangeChangedByUser(double lower, double upper);
    // Point mode: a point was clicked, or Enter pressed on the current one.
    void pointActivated(const QString &key, int index);
    // Point mode: the arrow keys or a click moved the ring.
    void currentPointChanged(const QString &key, int index);

protected:
    void changeEvent(QEvent *event) override;
    void showEvent(QShowEvent *event) override;
    void keyPressEvent(QKeyEvent *event) override;

private:
    void scheduleReplot(bool rebuild);
    void rebuildGraphs();
    void rescaleValueAxis();
    void layoutMarkers();
    void applyColors();
    void updateTimeTicker();
    void onLegendClick(QCPAbstractLegendItem *item);
    void onLegendDoubleClick(QCPAbstractLegendItem *item);
    void onMouseMove(const QPoint &position);
    void onMouseRelease(QMouseEvent *event);
    void updateCurrentRing();
    // Every visible point in time order: {key, index}.
    QList<QPair<QString, int>> pointsInTimeOrder() const;
    QString keyOfLegendItem(QCPAbstractLegendItem *item) const;

    QString m_title;
    MetricUnit m_unit;
    QCustomPlot *m_plot; // Owned by this widget.
    QCPTextElement *m_titleElement = nullptr;
    QCPItemText *m_message = nullptr;
    QCPItemStraightLine *m_crosshair = nullptr;
    QString m_messageText;
    QHash<int, QString> m_roleNames;
    QList<ChartSeries> m_series;
    QHash<QString, QCPGraph *> m_graphs;
    QHash<QString, QColor> m_colors;
    QSet<QString> m_hidden;
    QList<ChartMarker> m_markers;
    QList<PlacedMarker> m_placed;
    QList<QCPItemStraightLine *> m_markerLines;
    QList<QCPItemText *> m_markerLabels;
    std::optional<double> m_threshold;
    QCPItemStraightLine *m_thresholdLine = nullptr;
    QCPItemText *m_thresholdLabel = nullptr;
    QList<ChartSpan> m_spans;
    QList<QCPItemRect *> m_spanRects;
    // The largest step of the data shown: how far the crosshair looks for a point.
    qint64 m_stepMs = 0;
    QTimer m_replotTimer;
    QTimer m_legendClickTimer;
    QString m_pendingLegendKey;
    bool m_pointMode = false;
    QHash<QString, SeriesTone> m_tones;
    std::function<QString(const QString &, int)> m_pointText;
    QString m_currentKey;
    int m_currentIndex = -1;
    QCPGraph *m_currentRing = nullptr;
    QPoint m_pressPosition;
    bool m_rebuild = false;
    bool m_dirty = false;
    bool m_settingRange = false;
    int m_replots = 0;
};

} // namespace aegis::console
