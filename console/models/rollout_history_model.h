#pragma once

#include "net/api_types.h"

#include <QAbstractTableModel>
#include <QDateTime>

namespace aegis::console {

// One service's rollouts, newest first: id, version, strategy, outcome (the phase while it
// runs), when it started, how long it took (so far, for an active one, against the reference
// time) and who started it. Listing the same service again and the watch's rollout events update
// rows in place and insert new rollouts at the top; another service replaces the list.
class RolloutHistoryModel final : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column {
        IdColumn,
        VersionColumn,
        StrategyColumn,
        OutcomeColumn,
        StartedColumn,
        DurationColumn,
        CreatedByColumn,
        ColumnCount
    };
    enum Role {
        // Rollout.
        RolloutRole = Qt::UserRole + 1,
        RolloutIdRole,
        // int (RolloutTone) of the outcome column's pill.
        ToneRole,
        // qint64: the duration in milliseconds (-1 when unknown).
        DurationRole,
    };

    explicit RolloutHistoryModel(QObject *parent = nullptr);

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

    const QString &service() const { return m_service; }
    // `rollouts` of `service` as ListRollouts gave them (newest first).
    void setRollouts(const QString &service, const QList<Rollout> &rollouts);
    // A rollout event or an action's answer: updates its row, or inserts a rollout of this
    // service in order; other services' rollouts and older states are ignored.
    void applyRollout(const Rollout &rollout);
    void clear();

    // Active rollouts' durations run up to this time.
    void setReferenceTime(const QDateTime &now);
    const QDateTime &referenceTime() const { return m_now; }

    const Rollout &rolloutAt(int row) const { return m_rollouts.at(row); }
    int rowOf(const QString &id) const;
    // The duration shown for `rollout`: created to finished, or to `now` while it runs; -1 when
    // it has no start time.
    static qint64 durationMs(const Rollout &rollout, const QDateTime &now);

private:
    QString m_service;
    QList<Rollout> m_rollouts;
    QDateTime m_now;
};

} // namespace aegis::console
