#pragma once

#include "net/alert_types.h"

#include <QAbstractTableModel>

namespace aegis::console {

// A flat list of alerts: what a silence would silence, or what a draft rule would make active
// (TestRule). Alert name, state, value and the other labels.
class AlertListModel final : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column { NameColumn, StateColumn, ValueColumn, LabelsColumn, ColumnCount };
    enum Role {
        // int (AlertState).
        StateRole = Qt::UserRole + 1,
    };

    explicit AlertListModel(QObject *parent = nullptr);

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

    void reset(const QList<AlertInfo> &alerts);
    const QList<AlertInfo> &alerts() const { return m_alerts; }

private:
    QList<AlertInfo> m_alerts;
};

} // namespace aegis::console
