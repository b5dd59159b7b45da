#pragma once

#include <QStyledItemDelegate>

namespace aegis::console {

struct ThemeColors;

// Paints InstanceModel's colour column as a colour chip, its state column as a badge and its
// labels column as compact chips ("+2" when they do not fit); other columns as usual.
class InstanceDelegate final : public QStyledItemDelegate {
    Q_OBJECT
public:
    using QStyledItemDelegate::QStyledItemDelegate;

    void paint(QPainter *painter, const QStyleOptionViewItem &option,
               const QModelIndex &index) const override;
    QSize sizeHint(const QStyleOptionViewItem &option, const QModelIndex &index) const override;
};

// The tone of an InstanceState (as int) and of a deployment colour label ("blue", "green").
QColor instanceStateTone(int state, const ThemeColors &colors);
QColor deployColourTone(const QString &colour, const ThemeColors &colors);

} // namespace aegis::console
