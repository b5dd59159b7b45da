#include "views/navigation_delegate.h"

#include "views/theme.h"

#include <QPainter>

namespace aegis::console {

void NavigationDelegate::paint(QPainter *painter, const QStyleOptionViewItem &option,
                               const QModelIndex &index) const {
    QStyledItemDelegate::paint(painter, option, index);
    const QVariant badge = index.data(BadgeRole);
    if (!badge.isValid() || badge.toInt() <= 0) {
        return;
    }
    const QString text =
        badge.toInt() > 99 ? QStringLiteral("99+") : QString::number(badge.toInt());
    QFont font = option.font;
    font.setBold(true);
    font.setPointSizeF(font.pointSizeF() * 0.85);
    const QFontMetrics metrics(font);
    const int height = metrics.height() + 2;
    const int width = std::max(height, metrics.horizontalAdvance(text) + 10);
    const QRect pill(option.rect.right() - width - 8,
                     option.rect.top() + (option.rect.height() - height) / 2, width, height);
    painter->save();
    painter->setRenderHint(QPainter::Antialiasing);
    painter->setPen(Qt::NoPen);
    painter->setBrush(themeColors(option.palette).danger);
    painter->drawRoundedRect(pill, height / 2.0, height / 2.0);
    painter->setPen(Qt::white);
    painter->setFont(font);
    painter->drawText(pill, Qt::AlignCenter, text);
    painter->restore();
}

} // namespace aegis::console
