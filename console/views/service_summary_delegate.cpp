#include "views/service_summary_delegate.h"

#include "models/metric_units.h"
#include "models/service_summary_model.h"
#include "views/pill_painter.h"
#include "views/theme.h"

#include <QApplication>
#include <QPainter>
#include <QPainterPath>

#include <algorithm>
#include <cmath>

namespace aegis::console {
namespace {

constexpr int kSparklineWidth = 64;
// An error line spans the cell's height at this ratio or its own peak, whichever is larger, so
// a trickle of errors stays a trickle.
constexpr double kErrorScaleFloor = 0.05;

// `series` as a polyline in `area`, time from `start` to `end` (seconds) and values from 0 to
// `top`; a gap (NaN) breaks the line.
QPainterPath sparklinePath(const ChartSeries &series, const QRectF &area, double start, double end,
                           double top) {
    QPainterPath path;
    bool drawing = false;
    for (qsizetype i = 0; i < series.keys.size(); ++i) {
        const double value = series.values[i];
        if (std::isnan(value)) {
            drawing = false;
            continue;
        }
        const QPointF point(area.left() + area.width() * (series.keys[i] - start) / (end - start),
                            area.bottom() - area.height() * std::clamp(value / top, 0.0, 1.0));
        drawing ? path.lineTo(point) : path.moveTo(point);
        drawing = true;
    }
    return path;
}

// `series` as areas between its line and the bottom of `area`, one per run without gaps.
QList<QPainterPath> errorAreas(const ChartSeries &series, const QRectF &area, double start,
                               double end, double top) {
    QList<QPainterPath> areas;
    QPolygonF run;
    const auto close = [&] {
        if (run.size() >= 2) {
            run.append(QPointF(run.last().x(), area.bottom()));
            run.append(QPointF(run.first().x(), area.bottom()));
            QPainterPath path;
            path.addPolygon(run);
            areas.append(path);
        }
        run.clear();
    };
    for (qsizetype i = 0; i < series.keys.size(); ++i) {
        const double value = series.values[i];
        if (std::isnan(value)) {
            close();
            continue;
        }
        run.append(QPointF(area.left() + area.width() * (series.keys[i] - start) / (end - start),
                           area.bottom() - area.height() * std::clamp(value / top, 0.0, 1.0)));
    }
    close();
    return areas;
}

double peak(const ChartSeries &series) {
    double result = 0;
    for (double value : series.values) {
        if (!std::isnan(value)) {
            result = std::max(result, value);
        }
    }
    return result;
}

} // namespace

void ServiceSummaryDelegate::paintTraffic(QPainter *painter, const QStyleOptionViewItem &option,
                                          const QModelIndex &index) const {
    QStyleOptionViewItem background = option;
    initStyleOption(&background, index);
    background.text.clear();
    QStyle *style = option.widget ? option.widget->style() : QApplication::style();
    style->drawControl(QStyle::CE_ItemViewItem, &background, painter, option.widget);
    const QVariant data = index.data(ServiceSummaryModel::TrafficRole);
    if (!data.isValid()) {
        return;
    }
    const auto traffic = data.value<ServiceTraffic>();
    const ThemeColors colors = themeColors(option.palette);
    const bool selected = option.state & QStyle::State_Selected;
    const QRect cell = option.rect.adjusted(6, 0, -6, 0);
    const QRectF area(cell.left(), cell.top() + 7, std::min(kSparklineWidth, cell.width()),
                      cell.height() - 14);

    // Both lines share the time axis: the model's window ending at the newest point.
    double end = 0;
    for (const ChartSeries *series : {&traffic.rate, &traffic.errors}) {
        if (!series->keys.isEmpty()) {
            end = std::max(end, series->keys.last());
        }
    }
    const auto *model = qobject_cast<const ServiceSummaryModel *>(index.model());
    const double start = end - double(model ? model->trafficWindowMs() : 15 * 60 * 1000) / 1000.0;

    painter->save();
    painter->setRenderHint(QPainter::Antialiasing);
    const QColor rateColor =
        selected ? option.palette.color(QPalette::HighlightedText) : colors.accent;
    const QColor errorColor = selected ? selectedTone(colors.danger, colors.dark) : colors.danger;
    // Errors as a filled area on the baseline: none is nothing, a burst a red hump.
    const double errorPeak = peak(traffic.errors);
    if (errorPeak > 0) {
        const double top = std::max(errorPeak * 1.1, kErrorScaleFloor);
        painter->setPen(Qt::NoPen);
        painter->setBrush(errorColor);
        for (const QPainterPath &run : errorAreas(traffic.errors, area, start, end, top)) {
            painter->drawPath(run);
        }
    }
    // The rate on top, so a burst of errors does not hide it.
    const double ratePeak = peak(traffic.rate);
    painter->setPen(QPen(rateColor, 1.4));
    painter->setBrush(Qt::NoBrush);
    painter->drawPath(
        sparklinePath(traffic.rate, area, start, end, ratePeak > 0 ? ratePeak * 1.1 : 1.0));

    // The current values at the right: the error ratio in red when there are errors.
    QRect textRect = cell;
    textRect.setLeft(int(area.right()) + 8);
    const QFontMetrics metrics(background.font);
    painter->setFont(background.font);
    const double errors = traffic.currentErrors();
    if (!std::isnan(errors)) {
        const QString errorText = formatMetricValue(errors, MetricUnit::Ratio);
        painter->setPen(errors > 0 ? errorColor : colors.muted);
        painter->drawText(textRect, Qt::AlignRight | Qt::AlignVCenter, errorText);
        textRect.setRight(textRect.right() -
                          std::max(metrics.horizontalAdvance(errorText),
                                   metrics.horizontalAdvance(QStringLiteral("00.0 %"))) -
                          8);
    }
    const double rate = traffic.currentRate();
    if (!std::isnan(rate)) {
        painter->setPen(
            option.palette.color(selected ? QPalette::HighlightedText : QPalette::Text));
        painter->drawText(textRect, Qt::AlignRight | Qt::AlignVCenter,
                          metrics.elidedText(formatMetricValue(rate, MetricUnit::RequestsPerSecond),
                                             Qt::ElideRight, std::max(0, textRect.width())));
    }
    painter->restore();
}

QSize ServiceSummaryDelegate::sizeHint(const QStyleOptionViewItem &option,
                                       const QModelIndex &index) const {
    QSize size = QStyledItemDelegate::sizeHint(option, index);
    if (index.column() == ServiceSummaryModel::NameColumn &&
        index.data(ServiceSummaryModel::PanicRole).toBool()) {
        // paint(): the badge 4 px from the right edge, the name 6 px before it.
        size.rwidth() += pillWidth(option, tr("panic")) + 10;
    }
    return size;
}

void ServiceSummaryDelegate::paint(QPainter *painter, const QStyleOptionViewItem &option,
                                   const QModelIndex &index) const {
    if (index.column() == ServiceSummaryModel::TrafficColumn) {
        paintTraffic(painter, option, index);
        return;
    }
    const bool panic = index.data(ServiceSummaryModel::PanicRole).toBool();
    const int unhealthy = index.data(ServiceSummaryModel::UnhealthyRole).toInt();
    const bool nameWithPanic = index.column() == ServiceSummaryModel::NameColumn && panic;
    const bool unhealthyCount =
        index.column() == ServiceSummaryModel::UnhealthyColumn && unhealthy > 0;
    if (!nameWithPanic && !unhealthyCount) {
        QStyledItemDelegate::paint(painter, option, index);
        return;
    }
    const ThemeColors colors = themeColors(option.palette);
    const bool selected = option.state & QStyle::State_Selected;
    const QColor danger = selected ? selectedTone(colors.danger, colors.dark) : colors.danger;
    QStyleOptionViewItem background = option;
    initStyleOption(&background, index);
    const QString text = background.text;
    background.text.clear();
    QStyle *style = option.widget ? option.widget->style() : QApplication::style();
    style->drawControl(QStyle::CE_ItemViewItem, &background, painter, option.widget);
    const QString badge = unhealthyCount ? text : tr("panic");
    const int pillLeft = option.rect.right() - 4 - pillWidth(option, badge);
    drawPill(painter, option, badge, danger, pillLeft);
    if (unhealthyCount) {
        return;
    }
    // The name, narrowed so the badge fits at the right.
    QRect textRect = style->subElementRect(QStyle::SE_ItemViewItemText, &background, option.widget);
    textRect.setRight(pillLeft - 6);
    painter->save();
    painter->setFont(background.font);
    painter->setPen(option.palette.color(selected ? QPalette::HighlightedText : QPalette::Text));
    painter->drawText(textRect, Qt::AlignLeft | Qt::AlignVCenter,
                      QFontMetrics(background.font)
                          .elidedText(text, Qt::ElideRight, std::max(0, textRect.width())));
    painter->restore();
}

} // namespace aegis::console
