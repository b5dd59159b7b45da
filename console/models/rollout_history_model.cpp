#include "models/rollout_history_model.h"

#include "models/display_format.h"
#include "models/display_names.h"
#include "models/rollout_format.h"

namespace aegis::console {

RolloutHistoryModel::RolloutHistoryModel(QObject *parent)
    : QAbstractTableModel(parent)
    , m_now(QDateTime::currentDateTimeUtc()) {}

int RolloutHistoryModel::rowCount(const QModelIndex &parent) const {
    return parent.isValid() ? 0 : static_cast<int>(m_rollouts.size());
}

int RolloutHistoryModel::columnCount(const QModelIndex &parent) const {
    return parent.isValid() ? 0 : ColumnCount;
}

qint64 RolloutHistoryModel::durationMs(const Rollout &rollout, const QDateTime &now) {
    if (!rollout.createTime.isValid()) {
        return -1;
    }
    const QDateTime end =
        isFinishedPhase(rollout.phase) && rollout.finishTime.isValid() ? rollout.finishTime : now;
    return std::max<qint64>(0, rollout.createTime.msecsTo(end));
}

QVariant RolloutHistoryModel::data(const QModelIndex &index, int role) const {
    if (!index.isValid() || index.row() >= m_rollouts.size()) {
        return {};
    }
    const Rollout &rollout = m_rollouts.at(index.row());
    switch (role) {
    case Qt::DisplayRole:
        switch (index.column()) {
        case IdColumn:
            return rollout.id;
        case VersionColumn:
            return rollout.spec.version;
        case StrategyColumn:
            return rolloutStrategyName(rollout.spec.strategy);
        case OutcomeColumn:
            return rolloutStatusText(rollout.phase, rollout.paused);
        case StartedColumn:
            return absoluteTime(rollout.createTime);
        case DurationColumn: {
            const qint64 ms = durationMs(rollout, m_now);
            return ms < 0 ? QStringLiteral("—") : humanDuration(ms);
        }
        case CreatedByColumn:
            return rollout.createdBy;
        default:
            return {};
        }
    case Qt::ToolTipRole:
        if (index.column() == OutcomeColumn || index.column() == IdColumn) {
            QString text = rollout.message;
            if (rollout.attempt > 1) {
                text = tr("Attempt %1. %2").arg(rollout.attempt).arg(text);
            }
            return text;
        }
        if (index.column() == VersionColumn && !rollout.stableVersion.isEmpty()) {
            return tr("%1 replacing %2")
                .arg(colourVersionText(rollout.newColor, rollout.spec.version),
                     colourVersionText(rollout.stableColor, rollout.stableVersion));
        }
        return {};
    case Qt::TextAlignmentRole:
        if (index.column() == DurationColumn) {
            return int(Qt::AlignRight | Qt::AlignVCenter);
        }
        return {};
    case RolloutRole:
        return QVariant::fromValue(rollout);
    case RolloutIdRole:
        return rollout.id;
    case ToneRole:
        if (index.column() == OutcomeColumn) {
            return static_cast<int>(rolloutPhaseTone(rollout.phase, rollout.paused));
        }
        return {};
    case DurationRole:
        return durationMs(rollout, m_now);
    default:
        return {};
    }
}

QVariant RolloutHistoryModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal) {
        return {};
    }
    if (role == Qt::TextAlignmentRole && section == DurationColumn) {
        return int(Qt::AlignRight | Qt::AlignVCenter);
    }
    if (role != Qt::DisplayRole) {
        return {};
    }
    switch (section) {
    case IdColumn:
        return tr("Rollout");
    case VersionColumn:
        return tr("Version");
    case StrategyColumn:
        return tr("Strategy");
    case OutcomeColumn:
        return tr("Outcome");
    case StartedColumn:
        return tr("Started");
    case DurationColumn:
        return tr("Duration");
    case CreatedByColumn:
        return tr("Started by");
    default:
        return {};
    }
}

void RolloutHistoryModel::setRollouts(const QString &service, const QList<Rollout> &rollouts) {
    if (service != m_service) {
        beginResetModel();
        m_service = service;
        m_rollouts.clear();
        for (const Rollout &rollout : rollouts) {
            if (rollout.spec.service == service) {
                m_rollouts.append(rollout);
            }
        }
        std::stable_sort(
            m_rollouts.begin(), m_rollouts.end(),
            [](const Rollout &a, const Rollout &b) { return a.number() > b.number(); });
        endResetModel();
        return;
    }
    for (const Rollout &rollout : rollouts) {
        applyRollout(rollout);
    }
}

void RolloutHistoryModel::applyRollout(const Rollout &rollout) {
    if (rollout.spec.service != m_service || m_service.isEmpty()) {
        return;
    }
    const int existing = rowOf(rollout.id);
    if (existing >= 0) {
        Rollout &held = m_rollouts[existing];
        if (rollout.modRevision < held.modRevision || held == rollout) {
            return;
        }
        held = rollout;
        emit dataChanged(index(existing, 0), index(existing, ColumnCount - 1));
        return;
    }
    int at = 0;
    while (at < m_rollouts.size() && m_rollouts.at(at).number() > rollout.number()) {
        ++at;
    }
    beginInsertRows({}, at, at);
    m_rollouts.insert(at, rollout);
    endInsertRows();
}

void RolloutHistoryModel::clear() {
    beginResetModel();
    m_service.clear();
    m_rollouts.clear();
    endResetModel();
}

void RolloutHistoryModel::setReferenceTime(const QDateTime &now) {
    m_now = now;
    for (int row = 0; row < m_rollouts.size(); ++row) {
        if (m_rollouts.at(row).isActive()) {
            const QModelIndex cell = index(row, DurationColumn);
            emit dataChanged(cell, cell, {Qt::DisplayRole, DurationRole});
        }
    }
}

int RolloutHistoryModel::rowOf(const QString &id) const {
    for (int row = 0; row < m_rollouts.size(); ++row) {
        if (m_rollouts.at(row).id == id) {
            return row;
        }
    }
    return -1;
}

} // namespace aegis::console
