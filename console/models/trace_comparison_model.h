#pragma once

#include "net/trace_types.h"

#include <QAbstractTableModel>

namespace aegis::console {

// How one path of two compared traces differs.
enum class PathDifference {
    Same,
    // Only the left (right) trace has the path.
    OnlyLeft,
    OnlyRight,
    // Both have it, a different number of times.
    CountDiffers,
    // Both have it as often, and the right took notably longer (shorter): at least a fifth
    // and at least a millisecond.
    Slower,
    Faster,
};
PathDifference pathDifference(const TracePathComparison &path);

// CompareTraces' paths as a table, in the daemon's depth-first order: the path (its last step,
// indented by depth; the whole path in the tooltip), the count, total duration and errors on each
// side, and the change in duration. DifferenceRole says how the row differs; the view colours it.
class TraceComparisonModel final : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column {
        PathColumn,
        LeftCountColumn,
        RightCountColumn,
        LeftDurationColumn,
        RightDurationColumn,
        DeltaColumn,
        LeftErrorsColumn,
        RightErrorsColumn,
        ColumnCount
    };
    enum Role { DifferenceRole = Qt::UserRole + 1, DepthRole };

    explicit TraceComparisonModel(QObject *parent = nullptr);

    void setComparison(const TraceComparison &comparison);
    void clear();
    const TraceComparison &comparison() const { return m_comparison; }
    // How many paths differ at all.
    int differenceCount() const;

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

private:
    TraceComparison m_comparison;
};

} // namespace aegis::console
