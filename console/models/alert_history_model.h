#pragma once

#include "models/chart_markers.h"
#include "net/alert_types.h"

#include <QAbstractTableModel>

namespace aegis::console {

// One alert's state transitions (GetAlertHistory), newest first: when, from → to, and the value
// at that evaluation.
class AlertHistoryModel final : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column { TimeColumn, TransitionColumn, ValueColumn, ColumnCount };
    enum Role {
        // int (AlertState): the state entered.
        ToStateRole = Qt::UserRole + 1,
    };

    explicit AlertHistoryModel(QObject *parent = nullptr);

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

    void reset(QList<AlertTransitionInfo> transitions);
    const QList<AlertTransitionInfo> &transitions() const { return m_transitions; }

    static QString stateName(AlertState state);

private:
    QList<AlertTransitionInfo> m_transitions;
};

// The pending and firing spans of `alert` for a chart: from its transitions (any order) where
// there are some, and from its own times for the span it is in now (open spans end at `now`).
QList<ChartSpan> alertSpans(const QList<AlertTransitionInfo> &transitions, const AlertInfo &alert,
                            const QDateTime &now);

} // namespace aegis::console
