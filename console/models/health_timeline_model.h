#pragma once

#include "net/api_types.h"

#include <QAbstractListModel>
#include <QDateTime>

namespace aegis::console {

// One stretch of time an instance spent in one health badge.
struct HealthSegment {
    QDateTime start;
    // The start of the next segment, or the window's end for the last one.
    QDateTime end;
    HealthBadge badge = HealthBadge::Unknown;
    // What the check said (a flapping or ejected instance still has a status).
    HealthStatus status = HealthStatus::Unknown;
    // Of the transition that began the segment; empty for the state the window opened in.
    QString reason;
    QString output;
};

// One instance's health over a sliding window (the last hour by default), as consecutive
// segments, oldest first, built from its recorded transitions (ListHealthHistory) and its health
// now. Time before the instance registered, or before anything is known, has no segment. Rows
// are rebuilt by setHistory (a reset: a new history replaces the old one); between fetches,
// applyCurrent appends what the instance watch reported and setNow slides the window, both row
// by row.
class HealthTimelineModel final : public QAbstractListModel {
    Q_OBJECT
public:
    enum Role {
        // QDateTime, clipped to the window.
        StartRole = Qt::UserRole + 1,
        EndRole,
        // HealthBadge as int.
        BadgeRole,
        // HealthStatus as int.
        StatusRole,
        ReasonRole,
        OutputRole,
    };

    explicit HealthTimelineModel(QObject *parent = nullptr);

    int rowCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;

    // How far back the window reaches from now.
    void setSpan(qint64 milliseconds);
    qint64 span() const { return m_spanMs; }

    // Replaces the rows: `transitions` in any order (those older than the window decide the state
    // it opens in), `current` the instance's health now (it wins over a history that lags
    // behind), `registeredAt` where the data begins (invalid: the window's start).
    void setHistory(const QList<HealthTransition> &transitions, const InstanceHealth &current,
                    const QDateTime &registeredAt, const QDateTime &now);
    // The instance's health changed (through the watch): a new segment from its change time,
    // unless the last segment already shows that badge.
    void applyCurrent(const InstanceHealth &current, const QDateTime &now);
    // Slides the window to end at `now`: the last segment grows, segments that fell out go.
    void setNow(const QDateTime &now);
    void clear();

    QDateTime windowStart() const { return m_now.addMSecs(-m_spanMs); }
    QDateTime windowEnd() const { return m_now; }
    // The segment of `row`, clipped to the window.
    HealthSegment segmentAt(int row) const;
    // The row whose segment covers `time`, or -1.
    int rowAt(const QDateTime &time) const;

private:
    void dropExpired();

    QList<HealthSegment> m_segments;
    QDateTime m_now;
    qint64 m_spanMs = 3600 * 1000;
};

// "critical · 10:42:01 – 10:47:30 (5 min)", then the reason and output on their own lines.
QString describeSegment(const HealthSegment &segment);

} // namespace aegis::console
