#pragma once

#include "net/api_types.h"

#include <QStyledItemDelegate>

namespace aegis::console {

struct ThemeColors;

// Paints InstanceModel's colour column as a colour chip, its state and health columns as badges
// and its labels column as compact chips ("+2" when they do not fit); other columns as usual.
class InstanceDelegate final : public QStyledItemDelegate {
    Q_OBJECT
public:
    using QStyledItemDelegate::QStyledItemDelegate;

    void paint(QPainter *painter, const QStyleOptionViewItem &option,
               const QModelIndex &index) const override;
    QSize sizeHint(const QStyleOptionViewItem &option, const QModelIndex &index) const override;
};

// The tone of an InstanceState (as int), of a health badge and of a deployment colour label
// ("blue", "green").
QColor instanceStateTone(int state, const ThemeColors &colors);
QColor healthBadgeTone(HealthBadge badge, const ThemeColors &colors);
QColor deployColourTone(const QString &colour, const ThemeColors &colors);

} // namespace aegis::console
