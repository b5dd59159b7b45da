#include "views/outcome_delegate.h"

#include "models/audit_record_model.h"
#include "views/theme.h"

#include <QApplication>
#include <QPainter>

namespace aegis::console {

void OutcomeDelegate::paint(QPainter *painter, const QStyleOptionViewItem &option,
                            const QModelIndex &index) const {
    QStyleOptionViewItem background = option;
    initStyleOption(&background, index);
    background.text.clear();
    QStyle *style = option.widget ? option.widget->style() : QApplication::style();
    style->drawControl(QStyle::CE_ItemViewItem, &background, painter, option.widget);

    const bool succeeded = index.data(AuditRecordModel::SucceededRole).toBool();
    const QString text = index.data(Qt::DisplayRole).toString();
    const ThemeColors colors = themeColors(option.palette);
    const QColor tone = (option.state & QStyle::State_Selected)
                            ? (succeeded ? QColor(0x1a, 0x7f, 0x37) : QColor(0xcf, 0x22, 0x2e))
                            : (succeeded ? colors.success : colors.danger);

    QFont font = option.font;
    font.setPointSizeF(font.pointSizeF() * 0.85);
    font.setWeight(QFont::DemiBold);
    const QFontMetrics metrics(font);
    const int width = metrics.horizontalAdvance(text) + 16;
    const int height = metrics.height() + 4;
    QRect badge(0, 0, std::min(width, option.rect.width() - 8), height);
    badge.moveCenter(option.rect.center());

    painter->save();
    painter->setRenderHint(QPainter::Antialiasing);
    QColor fill = tone;
    fill.setAlpha(colors.dark ? 60 : 36);
    if (option.state & QStyle::State_Selected) {
        // On the selection colour a tinted pill disappears; a light one stays legible.
        fill = QColor(255, 255, 255, 235);
    }
    painter->setPen(Qt::NoPen);
    painter->setBrush(fill);
    painter->drawRoundedRect(badge, height / 2.0, height / 2.0);
    painter->setPen(tone);
    painter->setFont(font);
    painter->drawText(badge, Qt::AlignCenter,
                      metrics.elidedText(text, Qt::ElideRight, badge.width() - 8));
    painter->restore();
}

QSize OutcomeDelegate::sizeHint(const QStyleOptionViewItem &option,
                                const QModelIndex &index) const {
    QSize size = QStyledItemDelegate::sizeHint(option, index);
    size.setWidth(size.width() + 24);
    return size;
}

} // namespace aegis::console
