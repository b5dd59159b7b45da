#pragma once

#include "net/api_types.h"

#include <QAbstractTableModel>

namespace aegis::console {

// GetAppliedStatus as a table: which instance runs which version of one item, whether that is the
// published one, the gray one, an older one or a failure. Refreshing updates rows in place
// (inserting and removing by service/instance), so a periodic refresh keeps the selection.
class AppliedStatusModel final : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column { InstanceColumn, VersionColumn, StateColumn, TimeColumn, ColumnCount };
    enum class State { Current, Gray, Behind, Failed };
    enum Role { StateRole = Qt::UserRole + 1 };

    explicit AppliedStatusModel(QObject *parent = nullptr);

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

    void setStatus(const ConfigAppliedStatus &status);
    void clear();
    const ConfigAppliedStatus &status() const { return m_status; }
    State stateAt(int row) const;

private:
    ConfigAppliedStatus m_status;
};

} // namespace aegis::console
