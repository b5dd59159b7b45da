#pragma once

#include <QStyledItemDelegate>

namespace aegis::console {

// Paints ServiceSummaryModel's unhealthy counts as red badges (a plain dot when none) and marks
// a service in panic with a "panic" badge after its name, and the traffic column as a sparkline
// (request rate in the accent colour, error ratio in red when there were errors) beside the
// current values; other cells as usual.
class ServiceSummaryDelegate final : public QStyledItemDelegate {
    Q_OBJECT
public:
    using QStyledItemDelegate::QStyledItemDelegate;

    void paint(QPainter *painter, const QStyleOptionViewItem &option,
               const QModelIndex &index) const override;
    // A name in panic asks for room for its badge too, so fitted columns show it whole.
    QSize sizeHint(const QStyleOptionViewItem &option, const QModelIndex &index) const override;

private:
    void paintTraffic(QPainter *painter, const QStyleOptionViewItem &option,
                      const QModelIndex &index) const;
};

} // namespace aegis::console
