#pragma once

#include "models/traffic_share.h"
#include "net/api_types.h"

#include <QAbstractTableModel>
#include <QDateTime>
#include <QHash>
#include <QPointer>
#include <QSet>

namespace aegis::console {

class ReleaseModel;

// Every service's instances, ordered by service then id. Fed by the services page from
// the Session's instance lists (sync) and watch (applyChanges); both insert, update and remove rows
// one by one, never resetting, so views keep their selection and scroll position. A change no
// newer than what a row already shows (by the event's revision, which a change of health bumps
// even when the instance's own mod_revision stays) is ignored, which makes replays after a stream
// resumes harmless. A list is a complete snapshot and replaces whatever differs. With a
// ReleaseModel (setReleaseModel) each instance also shows its effective share of its service's
// traffic and its colour's role (trafficShares()), recomputed as instances or rollouts change.
class InstanceModel final : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column {
        ServiceColumn,
        InstanceColumn,
        AddressColumn,
        VersionColumn,
        ColourColumn,
        // The effective share of the service's traffic (trafficShares()).
        TrafficColumn,
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
        // double 0..100: the instance's share of its service's traffic.
        ShareRole,
        // ColourRole as int.
        ColourRoleRole,
        // int: instanceSeverity(); higher is worse.
        SeverityRole,
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

    // Where the traffic split and the colours' roles come from. Not owned; may be null (every
    // instance then shares its service's traffic by weight alone).
    void setReleaseModel(ReleaseModel *releases);
    // The traffic of service/id as last computed.
    InstanceTraffic trafficOf(const QString &key) const { return m_traffic.value(key); }

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
    // Recomputes the traffic of every instance (of `service` only, when not empty) and
    // announces the rows whose traffic changed.
    void recomputeTraffic(const QString &service = {});

    QList<Row> m_rows;
    QDateTime m_now;
    QPointer<ReleaseModel> m_releases;
    // Key -> traffic, for every row.
    QHash<QString, InstanceTraffic> m_traffic;
    // While sync or applyChanges runs: the keys of the rows it announced whole (dataChanged of
    // every column), whose traffic needs no announcement of its own.
    QSet<QString> *m_announced = nullptr;
};

// How urgently a health badge needs a look, higher is worse: ejected 5, critical 4, flapping 3,
// warning 2, unknown 1, passing 0. Sorting descending puts the worst first.
int badgeSeverity(HealthBadge badge);
// The severity of the instance's health badge.
int instanceSeverity(const ServiceInstance &instance);
// Whether the instance is a problem: warning, flapping, critical or ejected.
bool isProblemInstance(const ServiceInstance &instance);

// "2 h 5 min" since the instance registered; "—" when unknown.
QString leaseAge(const ServiceInstance &instance, const QDateTime &now);
// The health of an instance in a few lines for a tooltip: the badge, the reason, the probe's
// output, since when, and whether it is routed. `now` ages the time of the change.
QString healthSummary(const ServiceInstance &instance, const QDateTime &now);

} // namespace aegis::console
