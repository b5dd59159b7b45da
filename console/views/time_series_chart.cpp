#include "views/time_series_chart.h"

#include "models/series_colors.h"
#include "views/theme.h"

#include <QApplication>
#include <QDateTime>
#include <QFile>
#include <QMouseEvent>
#include <QSaveFile>
#include <QToolTip>
#include <QVBoxLayout>

#include <qcustomplot.h>

#include <algorithm>
#include <cmath>

namespace aegis::console {
namespace {

constexpr int kReplotDelayMs = 30;
constexpr int kMarkerLabelPixels = 130;
constexpr int kMarkerRows = 3;
constexpr int kMaxLegendEntries = 12;

// Tick labels in the axis' unit, one scale for every tick.
class UnitTicker final : public QCPAxisTicker {
public:
    explicit UnitTicker(MetricUnit unit)
        : m_unit(unit) {}
    void setMagnitude(double magnitude) { m_scale = unitScale(m_unit, magnitude); }

protected:
    // Round steps in the shown unit (1 MiB, not 1,000,000 bytes).
    double getTickStep(const QCPRange &range) override {
        const QCPRange scaled(range.lower / m_scale.divisor, range.upper / m_scale.divisor);
        return QCPAxisTicker::getTickStep(scaled) * m_scale.divisor;
    }
    QString getTickLabel(double tick, const QLocale &, QChar, int) override {
        // Ticks near zero come out as 1e-17 rather than 0.
        return formatScaled(std::fabs(tick) < 1e-12 ? 0 : tick, m_scale);
    }

private:
    MetricUnit m_unit;
    UnitScale m_scale;
};

Qt::PenStyle roleStyle(int role) {
    static constexpr Qt::PenStyle kStyles[] = {Qt::SolidLine, Qt::DashLine, Qt::DotLine,
                                               Qt::DashDotLine};
    return kStyles[std::size_t(role) % std::size(kStyles)];
}

QColor markerColor(MarkerKind kind, const ThemeColors &colors) {
    switch (kind) {
    case MarkerKind::Start:
    case MarkerKind::Switch:
        return colors.accent;
    case MarkerKind::Step:
        return colors.muted;
    case MarkerKind::Abort:
        return colors.warning;
    case MarkerKind::Rollback:
    case MarkerKind::Failed:
        return colors.danger;
    case MarkerKind::Done:
        return colors.success;
    }
    return colors.muted;
}

} // namespace

TimeSeriesChart::TimeSeriesChart(const QString &title, MetricUnit unit, QWidget *parent)
    : QWidget(parent)
    , m_title(title)
    , m_unit(unit)
    , m_plot(new QCustomPlot(this)) {
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_plot);
    setMinimumHeight(180);

    m_plot->setNoAntialiasingOnDrag(true);
    m_plot->plotLayout()->insertRow(0);
    m_titleElement = new QCPTextElement(
        m_plot, title, QFont(font().family(), font().pointSize(), QFont::DemiBold));
    m_plot->plotLayout()->addElement(0, 0, m_titleElement);
    // The legend goes in its own row below the plot, wrapping into columns, so it never hides data.
    auto *legendRow = new QCPLayoutGrid;
    m_plot->plotLayout()->addElement(2, 0, legendRow);
    legendRow->setMargins(QMargins(6, 0, 6, 4));
    legendRow->addElement(0, 0, m_plot->legend);
    // An empty legend would cap the row's width, and so the plot's; the filler beside it does not.
    legendRow->addElement(0, 1, new QCPLayoutElement(m_plot));
    legendRow->setColumnStretchFactor(1, 0.001);
    m_plot->legend->setVisible(true);
    m_plot->legend->setFillOrder(QCPLegend::foColumnsFirst);
    m_plot->legend->setWrap(4);
    m_plot->legend->setRowSpacing(0);
    m_plot->legend->setBorderPen(Qt::NoPen);
    m_plot->legend->setBrush(Qt::NoBrush);
    m_plot->plotLayout()->setRowStretchFactor(2, 0.001);

    auto time = QSharedPointer<QCPAxisTickerDateTime>::create();
    m_plot->xAxis->setTicker(time);
    m_plot->yAxis->setTicker(QSharedPointer<UnitTicker>::create(unit));
    m_plot->xAxis->grid()->setVisible(true);
    m_plot->yAxis->grid()->setVisible(true);
    m_plot->setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
    m_plot->axisRect()->setRangeDrag(Qt::Horizontal);
    m_plot->axisRect()->setRangeZoom(Qt::Horizontal);
    const double now = double(QDateTime::currentMSecsSinceEpoch()) / 1000.0;
    m_plot->xAxis->setRange(now - 3600, now);
    m_plot->yAxis->setRange(0, 1);

    m_message = new QCPItemText(m_plot);
    m_message->setPositionAlignment(Qt::AlignCenter);
    m_message->position->setType(QCPItemPosition::ptAxisRectRatio);
    m_message->position->setCoords(0.5, 0.5);
    m_message->setVisible(false);
    m_crosshair = new QCPItemStraightLine(m_plot);
    m_crosshair->setVisible(false);
    m_crosshair->setSelectable(false);
    for (QCPItemPosition *point : {m_crosshair->point1, m_crosshair->point2}) {
        point->setTypeX(QCPItemPosition::ptPlotCoords);
        point->setTypeY(QCPItemPosition::ptAxisRectRatio);
    }

    connect(m_plot->xAxis, qOverload<const QCPRange &>(&QCPAxis::rangeChanged), this,
            [this](const QCPRange &range) {
                updateTimeTicker();
                layoutMarkers();
                if (!m_settingRange) {
                    emit timeRangeChangedByUser(range.lower, range.upper);
                }
            });
    connect(
        m_plot, &QCustomPlot::legendClick, this,
        [this](QCPLegend *, QCPAbstractLegendItem *item, QMouseEvent *) { onLegendClick(item); });
    connect(m_plot, &QCustomPlot::legendDoubleClick, this,
            [this](QCPLegend *, QCPAbstractLegendItem *item, QMouseEvent *) {
                onLegendDoubleClick(item);
            });
    connect(m_plot, &QCustomPlot::mouseMove, this,
            [this](QMouseEvent *event) { onMouseMove(event->pos()); });
    connect(m_plot, &QCustomPlot::mousePress, this,
            [this](QMouseEvent *event) { m_pressPosition = event->pos(); });
    connect(m_plot, &QCustomPlot::mouseRelease, this,
            [this](QMouseEvent *event) { onMouseRelease(event); });
    m_plot->setMouseTracking(true);

    m_replotTimer.setSingleShot(true);
    m_replotTimer.setInterval(kReplotDelayMs);
    connect(&m_replotTimer, &QTimer::timeout, this, [this] {
        if (isVisible()) {
            flush();
        }
    });
    // A click on the legend waits out the double-click interval, so a double-click (solo) is not
    // preceded by a hide.
    m_legendClickTimer.setSingleShot(true);
    m_legendClickTimer.setInterval(QApplication::doubleClickInterval());
    connect(&m_legendClickTimer, &QTimer::timeout, this, [this] {
        if (!m_pendingLegendKey.isEmpty()) {
            setSeriesVisible(m_pendingLegendKey, !isSeriesVisible(m_pendingLegendKey));
        }
        m_pendingLegendKey.clear();
    });

    applyColors();
    updateTimeTicker();
}

TimeSeriesChart::~TimeSeriesChart() = default;

void TimeSeriesChart::setUnit(MetricUnit unit) {
    m_unit = unit;
    m_plot->yAxis->setTicker(QSharedPointer<UnitTicker>::create(unit));
    scheduleReplot(false);
}

void TimeSeriesChart::setRoleName(int role, const QString &name) {
    m_roleNames.insert(role, name);
}

void TimeSeriesChart::setRoleSeries(int role, const QList<MetricSeries> &series, qint64 stepMs) {
    m_series.erase(std::remove_if(m_series.begin(), m_series.end(),
                                  [role](const ChartSeries &one) { return one.role == role; }),
                   m_series.end());
    for (const MetricSeries &one : series) {
        m_series.append(toChartSeries(one, stepMs, role));
    }
    m_stepMs = std::max(m_stepMs, stepMs);
    scheduleReplot(true);
}

void TimeSeriesChart::appendRoleTail(int role, const QList<MetricSeries> &tail, qint64 stepMs,
                                     double windowStart) {
    bool added = false;
    for (const MetricSeries &one : tail) {
        const QString key = QString::number(role) + seriesKey(one.labels);
        auto found = std::find_if(m_series.begin(), m_series.end(),
                                  [&key](const ChartSeries &s) { return s.key == key; });
        if (found == m_series.end()) {
            m_series.append(toChartSeries(one, stepMs, role));
            added = true;
        } else {
            appendTail(*found, one, stepMs, windowStart);
        }
    }
    for (ChartSeries &one : m_series) {
        if (one.role == role) {
            appendTail(one, {}, stepMs, windowStart);
        }
    }
    m_stepMs = std::max(m_stepMs, stepMs);
    if (added) {
        scheduleReplot(true);
        return;
    }
    // Same series, more points: hand the plot the new data without rebuilding the graphs.
    for (const ChartSeries &one : m_series) {
        if (QCPGraph *graph = m_graphs.value(one.key)) {
            graph->setData(one.keys, one.values, true);
        }
    }
    scheduleReplot(false);
}

void TimeSeriesChart::setSeries(const QList<ChartSeries> &series) {
    m_series = series;
    m_stepMs = 0;
    if (!m_currentKey.isEmpty()) {
        const auto found =
            std::find_if(m_series.cbegin(), m_series.cend(),
                         [this](const ChartSeries &one) { return one.key == m_currentKey; });
        if (found == m_series.cend() || m_currentIndex >= found->keys.size()) {
            m_currentKey.clear();
            m_currentIndex = -1;
        }
    }
    scheduleReplot(true);
}

void TimeSeriesChart::clear() {
    m_series.clear();
    m_stepMs = 0;
    m_currentKey.clear();
    m_currentIndex = -1;
    scheduleReplot(true);
}

void TimeSeriesChart::setPointMode(bool points) {
    m_pointMode = points;
    // The arrow keys and Enter reach the chart once a click gave it focus.
    setFocusPolicy(points ? Qt::StrongFocus : Qt::NoFocus);
    scheduleReplot(true);
}

void TimeSeriesChart::setSeriesTone(const QString &key, SeriesTone tone) {
    m_tones.insert(key, tone);
    scheduleReplot(true);
}

void TimeSeriesChart::setPointText(std::function<QString(const QString &, int)> text) {
    m_pointText = std::move(text);
}

void TimeSeriesChart::setCurrentPoint(const QString &key, int index) {
    if (key == m_currentKey && index == m_currentIndex) {
        return;
    }
    m_currentKey = key;
    m_currentIndex = key.isEmpty() ? -1 : index;
    updateCurrentRing();
    scheduleReplot(false);
}

QPair<QString, int> TimeSeriesChart::pointAt(const QPoint &position, int radius) const {
    QPair<QString, int> best{QString(), -1};
    double bestDistance = double(radius) * radius;
    for (const ChartSeries &one : m_series) {
        if (m_hidden.contains(one.key)) {
            continue;
        }
        for (qsizetype i = 0; i < one.keys.size(); ++i) {
            const double dx = m_plot->xAxis->coordToPixel(one.keys[i]) - position.x();
            const double dy = m_plot->yAxis->coordToPixel(one.values[i]) - position.y();
            const double distance = dx * dx + dy * dy;
            if (distance <= bestDistance) {
                bestDistance = distance;
                best = {one.key, int(i)};
            }
        }
    }
    return best;
}

QPoint TimeSeriesChart::pointPosition(const QString &key, int index) const {
    for (const ChartSeries &one : m_series) {
        if (one.key == key && index >= 0 && index < one.keys.size()) {
            return QPoint(int(std::lround(m_plot->xAxis->coordToPixel(one.keys[index]))),
                          int(std::lround(m_plot->yAxis->coordToPixel(one.values[index]))));
        }
    }
    return {};
}

QList<QPair<QString, int>> TimeSeriesChart::pointsInTimeOrder() const {
    QList<std::tuple<double, QString, int>> points;
    for (const ChartSeries &one : m_series) {
        if (m_hidden.contains(one.key)) {
            continue;
        }
        for (qsizetype i = 0; i < one.keys.size(); ++i) {
            points.append({one.keys[i], one.key, int(i)});
        }
    }
    std::stable_sort(points.begin(), points.end(),
                     [](const auto &a, const auto &b) { return std::get<0>(a) < std::get<0>(b); });
    QList<QPair<QString, int>> result;
    result.reserve(points.size());
    for (const auto &[key, seriesKey, index] : points) {
        result.append({seriesKey, index});
    }
    return result;
}

void TimeSeriesChart::keyPressEvent(QKeyEvent *event) {
    if (!m_pointMode) {
        QWidget::keyPressEvent(event);
        return;
    }
    const int key = event->key();
    if ((key == Qt::Key_Return || key == Qt::Key_Enter) && !m_currentKey.isEmpty()) {
        emit pointActivated(m_currentKey, m_currentIndex);
        return;
    }
    if (key != Qt::Key_Left && key != Qt::Key_Right && key != Qt::Key_Home && key != Qt::Key_End) {
        QWidget::keyPressEvent(event);
        return;
    }
    const QList<QPair<QString, int>> points = pointsInTimeOrder();
    if (points.isEmpty()) {
        return;
    }
    qsizetype at = points.indexOf(qMakePair(m_currentKey, m_currentIndex));
    if (key == Qt::Key_Home) {
        at = 0;
    } else if (key == Qt::Key_End) {
        at = points.size() - 1;
    } else if (at < 0) {
        at = key == Qt::Key_Right ? 0 : points.size() - 1;
    } else {
        at = std::clamp<qsizetype>(at + (key == Qt::Key_Right ? 1 : -1), 0, points.size() - 1);
    }
    setCurrentPoint(points[at].first, points[at].second);
    emit currentPointChanged(m_currentKey, m_currentIndex);
}

void TimeSeriesChart::onMouseRelease(QMouseEvent *event) {
    // A drag pans the time axis; only a click picks a point.
    if (!m_pointMode || event->button() != Qt::LeftButton ||
        (event->pos() - m_pressPosition).manhattanLength() > 4) {
        return;
    }
    const auto [key, index] = pointAt(event->pos());
    if (key.isEmpty()) {
        return;
    }
    setCurrentPoint(key, index);
    emit currentPointChanged(key, index);
    emit pointActivated(key, index);
}

void TimeSeriesChart::updateCurrentRing() {
    if (m_currentRing) {
        m_plot->removeGraph(m_currentRing);
        m_currentRing = nullptr;
    }
    for (const ChartSeries &one : std::as_const(m_series)) {
        if (one.key != m_currentKey || m_currentIndex < 0 || m_currentIndex >= one.keys.size()) {
            continue;
        }
        m_currentRing = m_plot->addGraph();
        m_currentRing->removeFromLegend();
        m_currentRing->setLineStyle(QCPGraph::lsNone);
        m_currentRing->setScatterStyle(QCPScatterStyle(
            QCPScatterStyle::ssCircle, QPen(palette().color(QPalette::Text), 2), Qt::NoBrush, 15));
        m_currentRing->setData({one.keys[m_currentIndex]}, {one.values[m_currentIndex]}, true);
        m_currentRing->setSelectable(QCP::stNone);
    }
}

void TimeSeriesChart::setTimeRange(double lower, double upper) {
    m_settingRange = true;
    m_plot->xAxis->setRange(lower, upper);
    m_settingRange = false;
    scheduleReplot(false);
}

double TimeSeriesChart::timeLower() const {
    return m_plot->xAxis->range().lower;
}

double TimeSeriesChart::timeUpper() const {
    return m_plot->xAxis->range().upper;
}

void TimeSeriesChart::setMarkers(const QList<ChartMarker> &markers) {
    if (markers == m_markers) {
        return;
    }
    m_markers = markers;
    for (QCPItemStraightLine *line : std::as_const(m_markerLines)) {
        m_plot->removeItem(line);
    }
    for (QCPItemText *label : std::as_const(m_markerLabels)) {
        m_plot->removeItem(label);
    }
    m_markerLines.clear();
    m_markerLabels.clear();
    const ThemeColors colors = themeColors(palette());
    for (const ChartMarker &marker : m_markers) {
        auto *line = new QCPItemStraightLine(m_plot);
        line->setSelectable(false);
        QPen pen(markerColor(marker.kind, colors), 1.2, Qt::DashLine);
        line->setPen(pen);
        const double x = double(marker.time.toMSecsSinceEpoch()) / 1000.0;
        line->point1->setTypeX(QCPItemPosition::ptPlotCoords);
        line->point1->setTypeY(QCPItemPosition::ptAxisRectRatio);
        line->point1->setCoords(x, 0);
        line->point2->setTypeX(QCPItemPosition::ptPlotCoords);
        line->point2->setTypeY(QCPItemPosition::ptAxisRectRatio);
        line->point2->setCoords(x, 1);
        m_markerLines.append(line);
        auto *label = new QCPItemText(m_plot);
        label->setSelectable(false);
        label->setText(marker.label);
        label->setColor(pen.color());
        label->setPositionAlignment(Qt::AlignLeft | Qt::AlignTop);
        label->setPadding(QMargins(3, 1, 3, 1));
        label->position->setTypeX(QCPItemPosition::ptPlotCoords);
        label->position->setTypeY(QCPItemPosition::ptAxisRectRatio);
        label->setClipToAxisRect(true);
        m_markerLabels.append(label);
    }
    layoutMarkers();
    scheduleReplot(false);
}

void TimeSeriesChart::setThreshold(std::optional<double> value, const QString &label) {
    m_threshold = value;
    if (!value) {
        if (m_thresholdLine) {
            m_plot->removeItem(m_thresholdLine);
            m_plot->removeItem(m_thresholdLabel);
            m_thresholdLine = nullptr;
            m_thresholdLabel = nullptr;
        }
        scheduleReplot(false);
        return;
    }
    if (!m_thresholdLine) {
        m_thresholdLine = new QCPItemStraightLine(m_plot);
        m_thresholdLine->setSelectable(false);
        m_thresholdLabel = new QCPItemText(m_plot);
        m_thresholdLabel->setSelectable(false);
        m_thresholdLabel->setPositionAlignment(Qt::AlignRight | Qt::AlignBottom);
        m_thresholdLabel->setPadding(QMargins(3, 1, 3, 1));
        m_thresholdLabel->position->setTypeX(QCPItemPosition::ptAxisRectRatio);
        m_thresholdLabel->setClipToAxisRect(true);
    }
    m_thresholdLine->point1->setCoords(0, *value);
    m_thresholdLine->point2->setCoords(1, *value);
    m_thresholdLabel->position->setCoords(1, *value);
    m_thresholdLabel->setText(label);
    applyColors();
    scheduleReplot(false);
}

void TimeSeriesChart::setSpans(const QList<ChartSpan> &spans) {
    if (spans == m_spans) {
        return;
    }
    m_spans = spans;
    for (QCPItemRect *rect : std::as_const(m_spanRects)) {
        m_plot->removeItem(rect);
    }
    m_spanRects.clear();
    for (const ChartSpan &span : m_spans) {
        auto *rect = new QCPItemRect(m_plot);
        rect->setSelectable(false);
        // Behind the series.
        rect->setLayer(QStringLiteral("grid"));
        rect->setPen(Qt::NoPen);
        rect->topLeft->setTypeY(QCPItemPosition::ptAxisRectRatio);
        rect->bottomRight->setTypeY(QCPItemPosition::ptAxisRectRatio);
        rect->topLeft->setCoords(double(span.start.toMSecsSinceEpoch()) / 1000.0, 0);
        rect->bottomRight->setCoords(double(span.end.toMSecsSinceEpoch()) / 1000.0, 1);
        rect->setClipToAxisRect(true);
        m_spanRects.append(rect);
    }
    applyColors();
    scheduleReplot(false);
}

void TimeSeriesChart::layoutMarkers() {
    QList<double> keys;
    keys.reserve(m_markers.size());
    for (const ChartMarker &marker : std::as_const(m_markers)) {
        keys.append(double(marker.time.toMSecsSinceEpoch()) / 1000.0);
    }
    const QCPRange range = m_plot->xAxis->range();
    const int pixels = std::max(1, m_plot->axisRect()->width());
    m_placed =
        placeMarkers(keys, range.lower, range.upper, pixels, kMarkerLabelPixels, kMarkerRows);
    for (QCPItemText *label : std::as_const(m_markerLabels)) {
        label->setVisible(false);
    }
    const QFontMetrics metrics(font());
    const double rowHeight =
        double(metrics.height() + 2) / std::max(1, m_plot->axisRect()->height());
    for (const PlacedMarker &placed : std::as_const(m_placed)) {
        if (placed.row < 0) {
            continue;
        }
        QCPItemText *label = m_markerLabels[placed.index];
        label->position->setCoords(keys[placed.index], 0.01 + placed.row * rowHeight);
        label->setVisible(true);
    }
}

void TimeSeriesChart::setMessage(const QString &message) {
    if (message == m_messageText) {
        return;
    }
    m_messageText = message;
    m_message->setText(message);
    m_message->setVisible(!message.isEmpty());
    scheduleReplot(false);
}

bool TimeSeriesChart::isSeriesVisible(const QString &key) const {
    return !m_hidden.contains(key);
}

void TimeSeriesChart::setSeriesVisible(const QString &key, bool visible) {
    if (visible) {
        m_hidden.remove(key);
    } else {
        m_hidden.insert(key);
    }
    scheduleReplot(true);
}

void TimeSeriesChart::solo(const QString &key) {
    const bool alreadyAlone =
        !m_hidden.contains(key) &&
        std::all_of(m_series.cbegin(), m_series.cend(), [this, &key](const ChartSeries &one) {
            return one.key == key || m_hidden.contains(one.key);
        });
    m_hidden.clear();
    if (!alreadyAlone) {
        for (const ChartSeries &one : std::as_const(m_series)) {
            if (one.key != key) {
                m_hidden.insert(one.key);
            }
        }
    }
    scheduleReplot(true);
}

QString TimeSeriesChart::crosshairText(double time) const {
    const QDateTime at = QDateTime::fromMSecsSinceEpoch(qint64(std::llround(time * 1000)));
    QStringList lines{
        QStringLiteral("<b>%1</b>").arg(at.toString(QStringLiteral("yyyy-MM-dd HH:mm:ss")))};
    const double tolerance = std::max(1.0, double(m_stepMs) / 1000.0);
    for (const ChartSeries &one : m_series) {
        if (m_hidden.contains(one.key)) {
            continue;
        }
        lines.append(QStringLiteral("<span style=\"color:%1\">■</span> %2: %3")
                         .arg(m_colors.value(one.key).name(), one.name.toHtmlEscaped(),
                              formatMetricValue(valueAt(one, time, tolerance), m_unit)));
    }
    return lines.join(QStringLiteral("<br>"));
}

QColor TimeSeriesChart::seriesColor(const QString &key) const {
    return m_colors.value(key);
}

QStringList TimeSeriesChart::valueTickLabels() const {
    return m_plot->yAxis->tickVectorLabels().toList();
}

bool TimeSeriesChart::exportPng(const QString &path, int width, int height) {
    // The picture is of the data, not of where the mouse happened to be.
    m_crosshair->setVisible(false);
    flush();
    return m_plot->savePng(path, width, height);
}

bool TimeSeriesChart::exportCsv(const QString &path) const {
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Text)) {
        return false;
    }
    file.write(toCsv(m_series).toUtf8());
    return file.commit();
}

void TimeSeriesChart::flush() {
    if (!m_dirty) {
        return;
    }
    m_replotTimer.stop();
    if (m_rebuild) {
        rebuildGraphs();
    }
    rescaleValueAxis();
    m_dirty = false;
    m_rebuild = false;
    m_plot->replot(QCustomPlot::rpQueuedRefresh);
    ++m_replots;
}

void TimeSeriesChart::changeEvent(QEvent *event) {
    QWidget::changeEvent(event);
    if (event->type() == QEvent::PaletteChange) {
        applyColors();
        scheduleReplot(true);
    }
}

void TimeSeriesChart::showEvent(QShowEvent *event) {
    QWidget::showEvent(event);
    // Changes that arrived while hidden are drawn now.
    if (m_dirty) {
        m_replotTimer.start();
    }
}

void TimeSeriesChart::scheduleReplot(bool rebuild) {
    m_rebuild = m_rebuild || rebuild;
    m_dirty = true;
    if (!m_replotTimer.isActive()) {
        m_replotTimer.start();
    }
}

void TimeSeriesChart::rebuildGraphs() {
    const ThemeColors colors = themeColors(palette());
    // Legend names: a role's name leads when the chart has several roles.
    QSet<int> roles;
    for (const ChartSeries &one : std::as_const(m_series)) {
        roles.insert(one.role);
    }
    QList<MetricLabels> labelSets;
    for (const ChartSeries &one : std::as_const(m_series)) {
        labelSets.append(one.labels);
    }
    const QStringList names = legendNames(labelSets);
    // Colours follow the labels alone, so p50 and p99 of one colour share it (the role's line
    // style tells them apart).
    QList<MetricLabels> distinct;
    // Each series' index in `distinct`, found by its labels' key (a hash, not a scan per series).
    QList<qsizetype> colorIndex;
    colorIndex.reserve(labelSets.size());
    QHash<QString, qsizetype> seen;
    for (const MetricLabels &set : std::as_const(labelSets)) {
        const QString key = seriesKey(set);
        auto found = seen.constFind(key);
        if (found == seen.cend()) {
            found = seen.insert(key, distinct.size());
            distinct.append(set);
        }
        colorIndex.append(*found);
    }
    const QList<QColor> seriesPalette =
        SeriesColors::assign(distinct, colors.dark, colors.deployBlue, colors.deployGreen);
    m_plot->clearGraphs();
    m_currentRing = nullptr;
    m_graphs.clear();
    m_colors.clear();
    // Past a dozen entries the legend would crowd out the plot; the crosshair names them. Its
    // entries are then not made at all: each costs a layout element, thousands cost seconds.
    const bool legend = m_series.size() <= kMaxLegendEntries;
    m_plot->legend->setVisible(legend);
    m_plot->setAutoAddPlottableToLegend(legend);
    // Lines wider than a pixel go through Qt's path stroker, many times slower than its
    // one-pixel line drawing, and antialiasing costs again as much; past a dozen series thin,
    // sharp lines also crowd less.
    const double penWidth = legend ? 1.6 : 1.0;
    for (qsizetype i = 0; i < m_series.size(); ++i) {
        ChartSeries &one = m_series[i];
        const QString roleName = m_roleNames.value(one.role);
        QString name = names[i] == QLatin1String("{}") ? m_title : names[i];
        if (roles.size() > 1 && !roleName.isEmpty()) {
            name = distinct.size() > 1 ? roleName + QLatin1Char(' ') + name : roleName;
        }
        one.name = name;
        const SeriesTone tone = m_tones.value(one.key, SeriesTone::Labels);
        const QColor colour = tone == SeriesTone::Danger   ? colors.danger
                              : tone == SeriesTone::Accent ? colors.accent
                                                           : seriesPalette[colorIndex[i]];
        m_colors.insert(one.key, colour);
        QCPGraph *graph = m_plot->addGraph();
        graph->setName(one.name);
        graph->setAdaptiveSampling(true);
        graph->setAntialiased(legend);
        if (m_pointMode) {
            QColor fill = colour;
            fill.setAlpha(150);
            graph->setLineStyle(QCPGraph::lsNone);
            graph->setScatterStyle(
                QCPScatterStyle(QCPScatterStyle::ssCircle, QPen(colour, 1.2), fill, 8));
            graph->setAntialiasedScatters(true);
        } else {
            graph->setLineStyle(QCPGraph::lsLine);
        }
        QPen pen(colour, penWidth, roleStyle(one.role));
        graph->setPen(pen);
        graph->setData(one.keys, one.values, true);
        const bool hidden = m_hidden.contains(one.key);
        graph->setVisible(!hidden);
        if (QCPAbstractLegendItem *item = m_plot->legend->itemWithPlottable(graph)) {
            item->setTextColor(hidden ? colors.muted : palette().color(QPalette::Text));
        }
        m_graphs.insert(one.key, graph);
    }
    updateCurrentRing();
}

void TimeSeriesChart::rescaleValueAxis() {
    double low = 0;
    double high = 0;
    bool any = false;
    const QCPRange range = m_plot->xAxis->range();
    for (const ChartSeries &one : std::as_const(m_series)) {
        if (m_hidden.contains(one.key)) {
            continue;
        }
        for (qsizetype i = 0; i < one.keys.size(); ++i) {
            const double value = one.values[i];
            if (std::isnan(value) || one.keys[i] < range.lower || one.keys[i] > range.upper) {
                continue;
            }
            low = any ? std::min(low, value) : std::min(0.0, value);
            high = any ? std::max(high, value) : value;
            any = true;
        }
    }
    if (m_threshold) {
        low = any ? std::min(low, *m_threshold) : std::min(0.0, *m_threshold);
        high = any ? std::max(high, *m_threshold) : *m_threshold;
        any = true;
    }
    if (!any || high <= low) {
        high = low + (m_unit == MetricUnit::Ratio ? 0.01 : 1);
    }
    m_plot->yAxis->setRange(low, high + (high - low) * 0.08);
    auto ticker = m_plot->yAxis->ticker().dynamicCast<UnitTicker>();
    if (ticker) {
        ticker->setMagnitude(std::max(std::fabs(low), std::fabs(high)));
    }
}

void TimeSeriesChart::applyColors() {
    const ThemeColors colors = themeColors(palette());
    const QColor background = palette().color(QPalette::Base);
    const QColor text = palette().color(QPalette::Text);
    QColor grid = colors.border;
    grid.setAlpha(colors.dark ? 110 : 160);
    m_plot->setBackground(background);
    m_plot->axisRect()->setBackground(background);
    for (QCPAxis *axis : {m_plot->xAxis, m_plot->yAxis}) {
        axis->setBasePen(QPen(colors.border));
        axis->setTickPen(QPen(colors.border));
        axis->setSubTickPen(QPen(colors.border));
        axis->setTickLabelColor(colors.muted);
        axis->setLabelColor(text);
        axis->grid()->setPen(QPen(grid, 1, Qt::DotLine));
        axis->grid()->setZeroLinePen(QPen(grid));
    }
    m_titleElement->setTextColor(text);
    m_plot->legend->setTextColor(text);
    m_message->setColor(colors.muted);
    m_crosshair->setPen(QPen(colors.muted, 1, Qt::DashLine));
    for (qsizetype i = 0; i < m_markerLines.size() && i < m_markers.size(); ++i) {
        const QColor colour = markerColor(m_markers[i].kind, colors);
        m_markerLines[i]->setPen(QPen(colour, 1.2, Qt::DashLine));
        m_markerLabels[i]->setColor(colour);
    }
    if (m_thresholdLine) {
        m_thresholdLine->setPen(QPen(colors.danger, 1.4, Qt::DashLine));
        m_thresholdLabel->setColor(colors.danger);
    }
    for (qsizetype i = 0; i < m_spanRects.size() && i < m_spans.size(); ++i) {
        QColor fill = m_spans[i].kind == ChartSpanKind::Firing ? colors.danger : colors.warning;
        fill.setAlpha(colors.dark ? 48 : 36);
        m_spanRects[i]->setBrush(fill);
    }
}

void TimeSeriesChart::updateTimeTicker() {
    auto ticker = m_plot->xAxis->ticker().dynamicCast<QCPAxisTickerDateTime>();
    if (!ticker) {
        return;
    }
    const double span = m_plot->xAxis->range().size();
    ticker->setDateTimeFormat(span > 2 * 86400  ? QStringLiteral("MMM d")
                              : span > 6 * 3600 ? QStringLiteral("MMM d\nHH:mm")
                              : span > 600      ? QStringLiteral("HH:mm")
                                                : QStringLiteral("HH:mm:ss"));
}

QString TimeSeriesChart::keyOfLegendItem(QCPAbstractLegendItem *item) const {
    auto *plottableItem = qobject_cast<QCPPlottableLegendItem *>(item);
    if (!plottableItem) {
        return {};
    }
    for (auto it = m_graphs.cbegin(); it != m_graphs.cend(); ++it) {
        if (it.value() == plottableItem->plottable()) {
            return it.key();
        }
    }
    return {};
}

void TimeSeriesChart::onLegendClick(QCPAbstractLegendItem *item) {
    const QString key = keyOfLegendItem(item);
    if (key.isEmpty() || m_legendClickTimer.isActive()) {
        return;
    }
    m_pendingLegendKey = key;
    m_legendClickTimer.start();
}

void TimeSeriesChart::onLegendDoubleClick(QCPAbstractLegendItem *item) {
    const QString key = keyOfLegendItem(item);
    m_legendClickTimer.stop();
    m_pendingLegendKey.clear();
    if (!key.isEmpty()) {
        solo(key);
    }
}

void TimeSeriesChart::onMouseMove(const QPoint &position) {
    const QRect area = m_plot->axisRect()->rect();
    if (!area.contains(position) || m_series.isEmpty()) {
        if (m_crosshair->visible()) {
            m_crosshair->setVisible(false);
            m_plot->replot(QCustomPlot::rpQueuedReplot);
            QToolTip::hideText();
        }
        return;
    }
    if (m_pointMode) {
        const auto [key, index] = pointAt(position);
        if (key.isEmpty()) {
            QToolTip::hideText();
            return;
        }
        QString text;
        if (m_pointText) {
            text = m_pointText(key, index);
        } else {
            for (const ChartSeries &one : std::as_const(m_series)) {
                if (one.key == key) {
                    text = QStringLiteral("%1: %2").arg(
                        QDateTime::fromMSecsSinceEpoch(qint64(std::llround(one.keys[index] * 1000)))
                            .toString(QStringLiteral("yyyy-MM-dd HH:mm:ss")),
                        formatMetricValue(one.values[index], m_unit));
                }
            }
        }
        QToolTip::showText(m_plot->mapToGlobal(position + QPoint(16, 16)), text, m_plot);
        return;
    }
    const double time = m_plot->xAxis->pixelToCoord(position.x());
    m_crosshair->point1->setCoords(time, 0);
    m_crosshair->point2->setCoords(time, 1);
    m_crosshair->setVisible(true);
    m_plot->replot(QCustomPlot::rpQueuedReplot);
    QToolTip::showText(m_plot->mapToGlobal(position + QPoint(16, 16)), crosshairText(time), m_plot);
}

} // namespace aegis::console
