#include "views/rollout_delegate.h"

#include "views/pill_painter.h"
#include "views/theme.h"

#include <QApplication>

namespace aegis::console {

QColor rolloutToneColor(RolloutTone tone, const ThemeColors &colors) {
    switch (tone) {
    case RolloutTone::Progress:
        return colors.accent;
    case RolloutTone::Waiting:
        return colors.attention;
    case RolloutTone::Success:
        return colors.success;
    case RolloutTone::Warning:
        return colors.warning;
    case RolloutTone::Danger:
        return colors.danger;
    case RolloutTone::Blue:
        return colors.deployBlue;
    case RolloutTone::Green:
        return colors.deployGreen;
    case RolloutTone::Muted:
        break;
    }
    return colors.muted;
}

RolloutDelegate::RolloutDelegate(int toneRole, QObject *parent)
    : QStyledItemDelegate(parent)
    , m_toneRole(toneRole) {}

void RolloutDelegate::paint(QPainter *painter, const QStyleOptionViewItem &option,
                            const QModelIndex &index) const {
    const QVariant tone = index.data(m_toneRole);
    if (!tone.isValid()) {
        QStyledItemDelegate::paint(painter, option, index);
        return;
    }
    QStyleOptionViewItem background = option;
    initStyleOption(&background, index);
    background.text.clear();
    QStyle *style = option.widget ? option.widget->style() : QApplication::style();
    style->drawControl(QStyle::CE_ItemViewItem, &background, painter, option.widget);
    const ThemeColors colors = themeColors(option.palette);
    QColor color = rolloutToneColor(static_cast<RolloutTone>(tone.toInt()), colors);
    if (option.state & QStyle::State_Selected) {
        color = selectedTone(color, colors.dark);
    }
    drawPill(painter, option, index.data(Qt::DisplayRole).toString(), color,
             option.rect.left() + 6);
}

QSize RolloutDelegate::sizeHint(const QStyleOptionViewItem &option,
                                const QModelIndex &index) const {
    QSize size = QStyledItemDelegate::sizeHint(option, index);
    if (index.data(m_toneRole).isValid()) {
        size.setWidth(
            std::max(size.width(), pillWidth(option, index.data(Qt::DisplayRole).toString()) + 12));
    }
    return size;
}

} // namespace aegis::console
