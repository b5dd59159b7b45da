#pragma once

#include <QStyledItemDelegate>

namespace aegis::console {

// Paints the outcome column as a small rounded badge: green "OK", red with the status code name
// otherwise. Reads AuditRecordModel::SucceededRole.
class OutcomeDelegate final : public QStyledItemDelegate {
    Q_OBJECT
public:
    using QStyledItemDelegate::QStyledItemDelegate;

    void paint(QPainter *painter, const QStyleOptionViewItem &option,
               const QModelIndex &index) const override;
    QSize sizeHint(const QStyleOptionViewItem &option, const QModelIndex &index) const override;
};

} // namespace aegis::console
