#pragma once

#include <QStyledItemDelegate>

namespace aegis::console {

// Paints the sidebar's navigation entries as usual and, where an entry carries a count in
// BadgeRole (the Alerts entry: critical alerts firing), a red badge with it on the right.
class NavigationDelegate final : public QStyledItemDelegate {
    Q_OBJECT
public:
    // int: the count to show; no value: no badge.
    static constexpr int BadgeRole = Qt::UserRole + 40;

    using QStyledItemDelegate::QStyledItemDelegate;

    void paint(QPainter *painter, const QStyleOptionViewItem &option,
               const QModelIndex &index) const override;
};

} // namespace aegis::console
