#pragma once

#include "net/api_types.h"

#include <QAbstractTableModel>
#include <QDateTime>

namespace aegis::console {

// Every service's instances, ordered by service then id. Fed by the services page from
// the Session's instance lists (sync) and watch (applyChanges); both insert, update and remove rows
// one by one, never resetting, so views keep their selection and scroll position. A change no
// newer than what a row already shows (by the event's revision, which a change of health bumps
// even when the instance's own mod_revision stays) is ignored, which makes replays after a stream
// resumes harmless. A list is a complete snapshot and replaces whatever differs.
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
        HealthColumn,
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
        // HealthBadge as int.
        HealthBadgeRole,
        // bool: whether discovery hands the instance out.
        RoutableRole,
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

    const ServiceInstance &instanceAt(int row) const { return m_rows.at(row).instance; }
    // The row of service/id, or -1.
    int rowOf(const QString &service, const QString &id) const;

    // The time lease ages are computed against; updating it refreshes that column only.
    void setReferenceTime(const QDateTime &now);
    QDateTime referenceTime() const;

signals:
    // An existing row's health changed (through the watch or a re-list); `instance` is the row's
    // new content. Not emitted for rows inserted or removed.
    void healthChanged(const aegis::console::ServiceInstance &instance,
                       const aegis::console::InstanceHealth &previous);

private:
    struct Row {
        ServiceInstance instance;
        // The newest revision this row reflects: its mod_revision or the last event's.
        qint64 revision = 0;
    };

    // The first row not ordered before (service, id).
    int lowerBound(const QString &service, const QString &id) const;
    // `revision` 0 (a list) replaces the row when it differs; otherwise the row changes only if
    // `revision` is newer than the one it reflects.
    bool upsert(const ServiceInstance &instance, qint64 revision);
    bool remove(const QString &service, const QString &id, qint64 revision);

    QList<Row> m_rows;
    QDateTime m_now;
};

// "2 h 5 min" since the instance registered; "—" when unknown.
QString leaseAge(const ServiceInstance &instance, const QDateTime &now);
// The health of an instance in a few lines for a tooltip: the badge, the reason, the probe's
// output, since when, and whether it is routed. `now` ages the time of the change.
QString healthSummary(const ServiceInstance &instance, const QDateTime &now);

} // namespace aegis::console
