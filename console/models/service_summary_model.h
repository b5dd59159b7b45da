#pragma once

#include "net/api_types.h"

#include <QAbstractTableModel>
#include <QPointer>
#include <QSet>

namespace aegis::console {

class InstanceModel;

// One row per service with its instance counts by state, derived from an InstanceModel and kept
// current as its rows change; row 0 stands for every service. Services the daemon listed stay
// (with zero instances) when their last instance goes; others go with it. Rows are inserted,
// updated and removed one by one, never reset.
class ServiceSummaryModel final : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column {
        NameColumn,
        InstancesColumn,
        ServingColumn,
        DrainingColumn,
        MaintenanceColumn,
        ColumnCount
    };
    enum Role {
        // The service's name; empty for the "all services" row.
        ServiceNameRole = Qt::UserRole + 1,
    };

    explicit ServiceSummaryModel(QObject *parent = nullptr);

    // Not owned; may be null.
    void setInstanceModel(InstanceModel *instances);
    // Services that exist even without instances (from ListServices); replaces the previous set.
    void setKnownServices(const QList<ServiceInfo> &services);

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

    // The row of `service` (0 for empty, i.e. all), or -1.
    int rowOf(const QString &service) const;

private:
    struct Summary {
        QString name;
        int instances = 0;
        int serving = 0;
        int draining = 0;
        int maintenance = 0;
        friend bool operator==(const Summary &, const Summary &) = default;
    };

    void recount();

    QPointer<InstanceModel> m_instances;
    QSet<QString> m_known;
    // m_rows[0] is the total, named "".
    QList<Summary> m_rows;
};

} // namespace aegis::console
