#include "views/outcome_delegate.h"

#include "models/audit_record_model.h"
#include "views/pill_painter.h"
#include "views/theme.h"

#include <QApplication>

namespace aegis::console {

void OutcomeDelegate::paint(QPainter *painter, const QStyleOptionViewItem &option,
                            const QModelIndex &index) const {
    QStyleOptionViewItem background = option;
    initStyleOption(&background, index);
    background.text.clear();
    QStyle *style = option.widget ? option.widget->style() : QApplication::style();
    style->drawControl(QStyle::CE_ItemViewItem, &background, painter, option.widget);

    const bool succeeded = index.data(AuditRecordModel::SucceededRole).toBool();
    const ThemeColors colors = themeColors(option.palette);
    QColor tone = succeeded ? colors.success : colors.danger;
    if (option.state & QStyle::State_Selected) {
        tone = succeeded ? QColor(0x1a, 0x7f, 0x37) : QColor(0xcf, 0x22, 0x2e);
    }
    drawPill(painter, option, index.data(Qt::DisplayRole).toString(), tone);
}

QSize OutcomeDelegate::sizeHint(const QStyleOptionViewItem &option,
                                const QModelIndex &index) const {
    QSize size = QStyledItemDelegate::sizeHint(option, index);
    size.setWidth(size.width() + 24);
    return size;
}

} // namespace aegis::console
