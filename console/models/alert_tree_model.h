#pragma once

#include "models/alert_matchers.h"
#include "net/alert_types.h"

#include <QAbstractItemModel>
#include <QDateTime>
#include <QHash>

#include <optional>

namespace aegis::console {

// How many alerts are in each state, over every alert the console knows (not only those a
// filter shows). `criticalFiring` (firing, severity "critical", not silenced) is the navigation
// badge.
struct AlertCounts {
    int firing = 0;
    int pending = 0;
    int silenced = 0;
    int criticalFiring = 0;

    friend bool operator==(const AlertCounts &, const AlertCounts &) = default;
};

// The pending and firing alerts the daemon reports, as a tree: service (the `service` label),
// then severity (critical, warning, info, then the rest by name), then the alerts, firing before
// pending, longest active first. Fed by WatchAlerts batches (apply) or a list (reset); a filter
// (Alertmanager matchers) narrows what is shown. Rows are rebuilt only when the tree's shape
// changes; otherwise changed alerts are announced with dataChanged, so a view keeps its
// selection and expansion.
//
// It is also where the console decides what deserves a desktop notification:
// criticalAlertsFiring lists the alerts that started firing (not in the first snapshot after the
// model was created, which shows what was already firing), with severity critical and not
// silenced.
class AlertTreeModel final : public QAbstractItemModel {
    Q_OBJECT
public:
    enum Column { NameColumn, StateColumn, AgeColumn, SummaryColumn, ColumnCount };
    enum Role {
        // QString: the alert's id (alert rows only).
        AlertIdRole = Qt::UserRole + 1,
        // int (AlertState) of an alert row.
        StateRole,
        // bool: an alert row that a silence matches.
        SilencedRole,
        // int: 0 service row, 1 severity row, 2 alert row.
        LevelRole,
        // QString: the row's severity (severity and alert rows).
        SeverityRole,
    };

    explicit AlertTreeModel(QObject *parent = nullptr);

    QModelIndex index(int row, int column, const QModelIndex &parent = {}) const override;
    QModelIndex parent(const QModelIndex &child) const override;
    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

    // Replaces every alert (ListAlerts, or a snapshot).
    void reset(const QList<AlertInfo> &alerts);
    // A WatchAlerts batch: a snapshot replaces, changes update and remove.
    void apply(const AlertBatch &batch);
    // Takes which silences match each alert from `listed` (ListAlerts) for the alerts known:
    // the daemon decides silencing when it answers, and an alert whose silencing alone changed is
    // not sent on the watch again.
    void updateSilencing(const QList<AlertInfo> &listed);
    void clear();

    // Shows only the alerts `filter` matches.
    void setFilter(const AlertMatchers &filter);
    // The time ages are measured to; updating it refreshes the age column.
    void setReferenceTime(const QDateTime &now);

    AlertCounts counts() const { return m_counts; }
    // Every pending and firing alert, filtered or not.
    QList<AlertInfo> alerts() const { return m_alerts.values(); }
    std::optional<AlertInfo> alert(const QString &id) const;
    // The row of alert `id` (column 0), or invalid when it is not shown.
    QModelIndex indexOf(const QString &id) const;
    // "firing for 4m", "pending for 30s" at the reference time.
    QString ageText(const AlertInfo &alert) const;

    // The label an alert is grouped by, and the severity order.
    static QString serviceOf(const AlertInfo &alert);
    static QString severityOf(const AlertInfo &alert);

signals:
    void countsChanged(const aegis::console::AlertCounts &counts);
    void criticalAlertsFiring(const QList<aegis::console::AlertInfo> &alerts);

private:
    struct SeverityNode {
        QString severity;
        QStringList alertIds;
    };
    struct ServiceNode {
        QString service;
        QList<SeverityNode> severities;
    };

    // Rebuilds after m_alerts or the filter changed; `fromDaemon`: new data arrived.
    void changed(QHash<QString, AlertInfo> previous, bool fromDaemon);
    QList<ServiceNode> buildTree() const;
    void updateCounts();

    QHash<QString, AlertInfo> m_alerts;
    QList<ServiceNode> m_tree;
    AlertMatchers m_filter;
    AlertCounts m_counts;
    QDateTime m_now;
    bool m_primed = false;
};

} // namespace aegis::console

Q_DECLARE_METATYPE(aegis::console::AlertCounts)
