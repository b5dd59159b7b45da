#include "views/alert_state_delegate.h"

#include "net/alert_types.h"
#include "views/pill_painter.h"
#include "views/theme.h"

#include <QApplication>

#include <algorithm>

namespace aegis::console {

AlertStateDelegate::AlertStateDelegate(int stateRole, int silencedRole, QObject *parent)
    : QStyledItemDelegate(parent)
    , m_stateRole(stateRole)
    , m_silencedRole(silencedRole) {}

void AlertStateDelegate::paint(QPainter *painter, const QStyleOptionViewItem &option,
                               const QModelIndex &index) const {
    const QVariant state = index.data(m_stateRole);
    if (!state.isValid()) {
        QStyledItemDelegate::paint(painter, option, index);
        return;
    }
    QStyleOptionViewItem background = option;
    initStyleOption(&background, index);
    background.text.clear();
    QStyle *style = option.widget ? option.widget->style() : QApplication::style();
    style->drawControl(QStyle::CE_ItemViewItem, &background, painter, option.widget);

    const ThemeColors colors = themeColors(option.palette);
    const bool silenced = m_silencedRole != 0 && index.data(m_silencedRole).toBool();
    QColor tone = colors.muted;
    if (!silenced && AlertState(state.toInt()) == AlertState::Firing) {
        tone = colors.danger;
    } else if (!silenced && AlertState(state.toInt()) == AlertState::Pending) {
        tone = colors.warning;
    }
    if (option.state & QStyle::State_Selected) {
        tone = selectedTone(tone, colors.dark);
    }
    drawPill(painter, option, index.data(Qt::DisplayRole).toString(), tone, option.rect.left() + 4,
             option.rect.width() - 8);
}

QSize AlertStateDelegate::sizeHint(const QStyleOptionViewItem &option,
                                   const QModelIndex &index) const {
    QSize size = QStyledItemDelegate::sizeHint(option, index);
    size.setWidth(size.width() + 24);
    // Room for the badge above and below its text.
    size.setHeight(std::max(size.height(), option.fontMetrics.height() + 10));
    return size;
}

} // namespace aegis::console
