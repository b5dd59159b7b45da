#include "views/service_summary_delegate.h"

#include "models/service_summary_model.h"
#include "views/pill_painter.h"
#include "views/theme.h"

#include <QApplication>
#include <QPainter>

namespace aegis::console {

void ServiceSummaryDelegate::paint(QPainter *painter, const QStyleOptionViewItem &option,
                                   const QModelIndex &index) const {
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
