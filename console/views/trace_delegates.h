#pragma once

#include <QStyledItemDelegate>

namespace aegis::console {

// The colour of service `service` wherever traces show it (chips, graph nodes): SeriesColors'
// entry for its name, so it is the same on every page and run.
QColor serviceColor(const QString &service, bool darkTheme);

// Paints TraceResultsModel's duration column as the text over a bar of the trace's share of the
// longest in the list (red when the trace has errors), and its services column as chips in each
// service's colour (red for a service with errors).
class TraceResultsDelegate final : public QStyledItemDelegate {
    Q_OBJECT
public:
    using QStyledItemDelegate::QStyledItemDelegate;

    void paint(QPainter *painter, const QStyleOptionViewItem &option,
               const QModelIndex &index) const override;
};

// Tints TraceComparisonModel's rows by how they differ: only on one side, a different count,
// notably slower or faster on the right.
class TraceComparisonDelegate final : public QStyledItemDelegate {
    Q_OBJECT
public:
    using QStyledItemDelegate::QStyledItemDelegate;

    void paint(QPainter *painter, const QStyleOptionViewItem &option,
               const QModelIndex &index) const override;
};

} // namespace aegis::console
