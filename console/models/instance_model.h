#pragma once

#include "net/api_types.h"

#include <QAbstractTableModel>
#include <QDateTime>

namespace aegis::console {

// Every service's instances, ordered by service then id. Fed by the services page from
// ApiClient's instance lists (sync) and watch (applyChanges); both insert, update and remove rows
// one by one, never resetting, so views keep their selection and scroll position. A change older
// than what a row already shows (by revision) is ignored, which makes replays after a stream
// resumes, and events overlapping a list, harmless.
class InstanceModel final : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column {
        ServiceColumn,
        InstanceColumn,
        AddressColumn,
        VersionColumn,
        ColourColumn,
        StateColumn,
        LeaseAgeColumn,
        LabelsColumn,
        ColumnCount
    };
    enum Role {
        // The whole ServiceInstance.
        InstanceRole = Qt::UserRole + 1,
        // InstanceState as int.
        StateRole,
        // The "color" label, lower case ("blue", "green", or anything else).
        ColourRole,
        // QStringList of "key=value", sorted by key, without version and color (which have
        // columns of their own).
        LabelListRole,
        // A value that sorts the column sensibly.
        SortRole,
    };

    explicit InstanceModel(QObject *parent = nullptr);

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

    // Makes the model hold exactly `instances` (a complete list), inserting, updating and removing
    // rows as needed.
    void sync(const QList<ServiceInstance> &instances);
    // Applies watch events in order; returns how many changed the model.
    int applyChanges(const QList<InstanceChange> &changes);
    void clear();

    const ServiceInstance &instanceAt(int row) const { return m_rows.at(row); }
    // The row of service/id, or -1.
    int rowOf(const QString &service, const QString &id) const;

    // The time lease ages are computed against; updating it refreshes that column only.
    void setReferenceTime(const QDateTime &now);
    QDateTime referenceTime() const;

private:
    // The first row not ordered before (service, id).
    int lowerBound(const QString &service, const QString &id) const;
    bool upsert(const ServiceInstance &instance);
    bool remove(const QString &service, const QString &id, qint64 revision);

    QList<ServiceInstance> m_rows;
    QDateTime m_now;
};

// "2 h 5 min" since the instance registered; "—" when unknown.
QString leaseAge(const ServiceInstance &instance, const QDateTime &now);

} // namespace aegis::console
