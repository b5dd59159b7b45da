#include "views/trace_delegates.h"

#include "models/series_colors.h"
#include "models/trace_comparison_model.h"
#include "models/trace_results_model.h"
#include "views/pill_painter.h"
#include "views/theme.h"

#include <QApplication>
#include <QPainter>

namespace aegis::console {

QColor serviceColor(const QString &service, bool darkTheme) {
    return SeriesColors::paletteColor(
        SeriesColors::preferredIndex({{QStringLiteral("service"), service}}), darkTheme);
}

void TraceResultsDelegate::paint(QPainter *painter, const QStyleOptionViewItem &option,
                                 const QModelIndex &index) const {
    const ThemeColors colors = themeColors(option.palette);
    if (index.column() == TraceResultsModel::DurationColumn) {
        QStyleOptionViewItem background = option;
        initStyleOption(&background, index);
        background.text.clear();
        QApplication::style()->drawControl(QStyle::CE_ItemViewItem, &background, painter,
                                           background.widget);
        const double fraction =
            std::clamp(index.data(TraceResultsModel::DurationFractionRole).toDouble(), 0.0, 1.0);
        const bool errors = index.data(TraceResultsModel::HasErrorsRole).toBool();
        const QRect area = option.rect.adjusted(6, 0, -6, 0);
        const int textWidth = option.fontMetrics.horizontalAdvance(QStringLiteral("000.0 ms")) + 8;
        const QRect barArea(area.left() + textWidth, area.center().y() - 3,
                            std::max(0, area.width() - textWidth), 7);
        QColor track = colors.border;
        track.setAlpha(colors.dark ? 90 : 120);
        const bool selected = option.state & QStyle::State_Selected;
        // On the selection colour the accent would vanish: the bar takes the selection's text
        // colour there.
        QColor bar = errors     ? colors.danger
                     : selected ? option.palette.color(QPalette::HighlightedText)
                                : colors.accent;
        painter->save();
        painter->setRenderHint(QPainter::Antialiasing);
        painter->setPen(Qt::NoPen);
        painter->setBrush(track);
        painter->drawRoundedRect(barArea, 3, 3);
        QRect filled = barArea;
        filled.setWidth(std::max(2, int(barArea.width() * fraction)));
        painter->setBrush(bar);
        painter->drawRoundedRect(filled, 3, 3);
        painter->setPen(
            option.palette.color(selected ? QPalette::HighlightedText : QPalette::Text));
        painter->drawText(QRect(area.left(), area.top(), textWidth, area.height()),
                          Qt::AlignLeft | Qt::AlignVCenter, index.data().toString());
        painter->restore();
        return;
    }
    if (index.column() == TraceResultsModel::ServicesColumn) {
        QStyleOptionViewItem background = option;
        initStyleOption(&background, index);
        background.text.clear();
        QApplication::style()->drawControl(QStyle::CE_ItemViewItem, &background, painter,
                                           background.widget);
        const QStringList names = index.data(TraceResultsModel::ServiceNamesRole).toStringList();
        const QVariantList errors = index.data(TraceResultsModel::ServiceErrorsRole).toList();
        const bool selected = option.state & QStyle::State_Selected;
        int x = option.rect.left() + 4;
        const int right = option.rect.right() - 4;
        for (qsizetype i = 0; i < names.size(); ++i) {
            const int width = pillWidth(option, names[i]);
            if (x + width > right) {
                const QString more = QStringLiteral("+%1").arg(names.size() - i);
                drawPill(painter, option, more, colors.muted, x, std::max(0, right - x));
                break;
            }
            QColor tone =
                errors.value(i).toBool() ? colors.danger : serviceColor(names[i], colors.dark);
            if (selected) {
                tone = selectedTone(tone, colors.dark);
            }
            x = drawPill(painter, option, names[i], tone, x).right() + 4;
        }
        return;
    }
    QStyledItemDelegate::paint(painter, option, index);
}

void TraceComparisonDelegate::paint(QPainter *painter, const QStyleOptionViewItem &option,
                                    const QModelIndex &index) const {
    const auto difference =
        static_cast<PathDifference>(index.data(TraceComparisonModel::DifferenceRole).toInt());
    const ThemeColors colors = themeColors(option.palette);
    QColor tint;
    switch (difference) {
    case PathDifference::OnlyLeft:
        tint = colors.diffRemoved;
        break;
    case PathDifference::OnlyRight:
        tint = colors.diffAdded;
        break;
    case PathDifference::CountDiffers:
        tint = colors.warning;
        tint.setAlpha(colors.dark ? 60 : 45);
        break;
    case PathDifference::Slower:
        tint = colors.danger;
        tint.setAlpha(colors.dark ? 55 : 35);
        break;
    case PathDifference::Faster:
        tint = colors.success;
        tint.setAlpha(colors.dark ? 55 : 35);
        break;
    case PathDifference::Same:
        break;
    }
    if (tint.isValid() && !(option.state & QStyle::State_Selected)) {
        painter->fillRect(option.rect, tint);
    }
    QStyleOptionViewItem styled = option;
    if (index.column() == TraceComparisonModel::DeltaColumn &&
        (difference == PathDifference::Slower || difference == PathDifference::Faster)) {
        styled.font.setWeight(QFont::DemiBold);
    }
    QStyledItemDelegate::paint(painter, styled, index);
}

} // namespace aegis::console
