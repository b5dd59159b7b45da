#include "models/health_timeline_model.h"

#include "models/display_format.h"
#include "models/display_names.h"

#include <algorithm>

namespace aegis::console {

QString describeSegment(const HealthSegment &segment) {
    const QString format = QStringLiteral("HH:mm:ss");
    QString text =
        HealthTimelineModel::tr("%1 · %2 – %3 (%4)")
            .arg(healthBadgeName(segment.badge), segment.start.toLocalTime().toString(format),
                 segment.end.toLocalTime().toString(format),
                 humanDuration(segment.start.msecsTo(segment.end)));
    if (segment.badge == HealthBadge::Flapping || segment.badge == HealthBadge::Ejected) {
        text += QLatin1Char('\n') +
                HealthTimelineModel::tr("Check said %1").arg(healthStatusName(segment.status));
    }
    if (!segment.reason.isEmpty()) {
        text += QLatin1Char('\n') + HealthTimelineModel::tr("Reason: %1").arg(segment.reason);
    }
    if (!segment.output.isEmpty()) {
        text += QLatin1Char('\n') + HealthTimelineModel::tr("Output: %1").arg(segment.output);
    }
    return text;
}

HealthTimelineModel::HealthTimelineModel(QObject *parent)
    : QAbstractListModel(parent)
    , m_now(QDateTime::currentDateTimeUtc()) {}

int HealthTimelineModel::rowCount(const QModelIndex &parent) const {
    return parent.isValid() ? 0 : static_cast<int>(m_segments.size());
}

HealthSegment HealthTimelineModel::segmentAt(int row) const {
    HealthSegment segment = m_segments.at(row);
    segment.start = std::max(segment.start, windowStart());
    segment.end = row + 1 < m_segments.size() ? m_segments.at(row + 1).start : m_now;
    segment.end = std::max(segment.start, std::min(segment.end, m_now));
    return segment;
}

QVariant HealthTimelineModel::data(const QModelIndex &index, int role) const {
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid)) {
        return {};
    }
    const HealthSegment segment = segmentAt(index.row());
    switch (role) {
    case Qt::DisplayRole:
        return healthBadgeName(segment.badge);
    case Qt::ToolTipRole:
        return describeSegment(segment);
    case StartRole:
        return segment.start;
    case EndRole:
        return segment.end;
    case BadgeRole:
        return static_cast<int>(segment.badge);
    case StatusRole:
        return static_cast<int>(segment.status);
    case ReasonRole:
        return segment.reason;
    case OutputRole:
        return segment.output;
    }
    return {};
}

void HealthTimelineModel::setSpan(qint64 milliseconds) {
    m_spanMs = std::max<qint64>(1000, milliseconds);
    setNow(m_now);
}

void HealthTimelineModel::setHistory(const QList<HealthTransition> &transitions,
                                     const InstanceHealth &current, const QDateTime &registeredAt,
                                     const QDateTime &now) {
    QList<HealthTransition> ordered = transitions;
    std::stable_sort(ordered.begin(), ordered.end(),
                     [](const HealthTransition &a, const HealthTransition &b) {
                         return a.time != b.time ? a.time < b.time : a.revision < b.revision;
                     });
    const QDateTime opens =
        std::max(now.addMSecs(-m_spanMs), registeredAt.isValid() ? registeredAt : QDateTime());
    QList<HealthSegment> segments;
    const auto append = [&segments](HealthSegment segment) {
        if (!segments.isEmpty() && segments.last().badge == segment.badge) {
            return; // The same badge again (a flap recorded inside a flapping stretch).
        }
        if (!segments.isEmpty() && segments.last().start >= segment.start) {
            segments.removeLast(); // Superseded at the same instant.
        }
        segments.append(std::move(segment));
    };
    if (ordered.isEmpty() || ordered.first().time > opens) {
        // Nothing recorded before the window opened: it opened in the state the first transition
        // left, or in the state the instance is in now if none is recorded at all.
        HealthSegment first;
        first.start = opens;
        if (ordered.isEmpty()) {
            first.status = current.status;
            first.badge = healthBadge(current);
            first.reason = current.changedAt.isValid() && current.changedAt <= opens
                               ? current.reason
                               : QString();
        } else {
            first.status = ordered.first().from;
            first.badge = healthBadge(first.status, false, false);
        }
        append(first);
    }
    for (const HealthTransition &transition : std::as_const(ordered)) {
        HealthSegment segment;
        segment.start = std::max(transition.time, opens);
        segment.badge = transition.badge();
        segment.status = transition.to;
        segment.reason = transition.reason;
        segment.output = transition.output;
        append(segment);
    }
    if (!segments.isEmpty() && healthBadge(current) != segments.last().badge) {
        // The history lags behind what the watch already said (or the change left no record).
        HealthSegment latest;
        latest.start = current.changedAt.isValid() && current.changedAt > segments.last().start
                           ? std::min(current.changedAt, now)
                           : now;
        latest.badge = healthBadge(current);
        latest.status = current.status;
        latest.reason = current.reason;
        latest.output = current.output;
        append(latest);
    }
    beginResetModel();
    m_now = now;
    m_segments = segments;
    dropExpired();
    endResetModel();
}

void HealthTimelineModel::applyCurrent(const InstanceHealth &current, const QDateTime &now) {
    setNow(now);
    if (m_segments.isEmpty()) {
        return; // No history yet: the next setHistory brings it, current included.
    }
    const HealthBadge badge = healthBadge(current);
    if (m_segments.last().badge == badge) {
        return;
    }
    HealthSegment segment;
    segment.start = current.changedAt.isValid() && current.changedAt > m_segments.last().start
                        ? std::min(current.changedAt, now)
                        : now;
    segment.badge = badge;
    segment.status = current.status;
    segment.reason = current.reason;
    segment.output = current.output;
    const int row = static_cast<int>(m_segments.size());
    beginInsertRows({}, row, row);
    m_segments.append(segment);
    endInsertRows();
    if (row > 0) {
        // The previous segment ends where this one starts.
        emit dataChanged(index(row - 1), index(row - 1));
    }
}

void HealthTimelineModel::setNow(const QDateTime &now) {
    if (!now.isValid() || now == m_now) {
        return;
    }
    m_now = now;
    const QDateTime start = windowStart();
    // Segments wholly before the window go; the one the window opens in stays, clipped.
    while (m_segments.size() > 1 && m_segments.at(1).start <= start) {
        beginRemoveRows({}, 0, 0);
        m_segments.removeFirst();
        endRemoveRows();
    }
    if (!m_segments.isEmpty()) {
        emit dataChanged(index(0), index(rowCount() - 1), {StartRole, EndRole, Qt::ToolTipRole});
    }
}

void HealthTimelineModel::clear() {
    if (m_segments.isEmpty()) {
        return;
    }
    beginResetModel();
    m_segments.clear();
    endResetModel();
}

int HealthTimelineModel::rowAt(const QDateTime &time) const {
    if (time < windowStart() || time > m_now) {
        return -1;
    }
    for (int row = static_cast<int>(m_segments.size()) - 1; row >= 0; --row) {
        if (m_segments.at(row).start <= time) {
            return row;
        }
    }
    return -1;
}

void HealthTimelineModel::dropExpired() {
    const QDateTime start = windowStart();
    while (m_segments.size() > 1 && m_segments.at(1).start <= start) {
        m_segments.removeFirst();
    }
}

} // namespace aegis::console
