#include "models/applied_status_model.h"

#include "models/display_format.h"

#include <QSet>

namespace aegis::console {
namespace {

QString keyOf(const ConfigAppliedInstance &instance) {
    return instance.service + QLatin1Char('/') + instance.instanceId;
}

} // namespace

AppliedStatusModel::AppliedStatusModel(QObject *parent)
    : QAbstractTableModel(parent) {}

int AppliedStatusModel::rowCount(const QModelIndex &parent) const {
    return parent.isValid() ? 0 : static_cast<int>(m_status.instances.size());
}

int AppliedStatusModel::columnCount(const QModelIndex &parent) const {
    return parent.isValid() ? 0 : ColumnCount;
}

AppliedStatusModel::State AppliedStatusModel::stateAt(int row) const {
    const ConfigAppliedInstance &instance = m_status.instances.at(row);
    if (!instance.error.isEmpty()) {
        return State::Failed;
    }
    if (m_status.grayVersion > 0 && instance.version == m_status.grayVersion) {
        return State::Gray;
    }
    return instance.version >= m_status.publishedVersion ? State::Current : State::Behind;
}

QVariant AppliedStatusModel::data(const QModelIndex &index, int role) const {
    if (!index.isValid() || index.row() >= m_status.instances.size()) {
        return {};
    }
    const ConfigAppliedInstance &instance = m_status.instances.at(index.row());
    const State state = stateAt(index.row());
    switch (role) {
    case Qt::DisplayRole:
        switch (index.column()) {
        case InstanceColumn:
            return keyOf(instance);
        case VersionColumn:
            return QStringLiteral("v%1").arg(instance.version);
        case StateColumn:
            switch (state) {
            case State::Current:
                return tr("applied");
            case State::Gray:
                return tr("applied (gray)");
            case State::Behind:
                return tr("behind: published is v%1").arg(m_status.publishedVersion);
            case State::Failed:
                return tr("failed: %1").arg(instance.error);
            }
            return {};
        case TimeColumn:
            return absoluteTime(instance.time);
        default:
            return {};
        }
    case Qt::ToolTipRole:
        return index.column() == StateColumn && !instance.error.isEmpty() ? instance.error
                                                                          : QVariant();
    case StateRole:
        return static_cast<int>(state);
    default:
        return {};
    }
}

QVariant AppliedStatusModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole) {
        return {};
    }
    switch (section) {
    case InstanceColumn:
        return tr("Instance");
    case VersionColumn:
        return tr("Version");
    case StateColumn:
        return tr("State");
    case TimeColumn:
        return tr("Acknowledged");
    default:
        return {};
    }
}

void AppliedStatusModel::setStatus(const ConfigAppliedStatus &status) {
    if (!(status.ref == m_status.ref)) {
        beginResetModel();
        m_status = status;
        endResetModel();
        return;
    }
    const bool versionsChanged = status.publishedVersion != m_status.publishedVersion ||
                                 status.grayVersion != m_status.grayVersion;
    m_status.publishedVersion = status.publishedVersion;
    m_status.grayVersion = status.grayVersion;
    m_status.summary = status.summary;
    QList<ConfigAppliedInstance> &rows = m_status.instances;
    QSet<QString> wanted;
    for (const ConfigAppliedInstance &instance : status.instances) {
        wanted.insert(keyOf(instance));
    }
    for (int row = static_cast<int>(rows.size()) - 1; row >= 0; --row) {
        if (!wanted.contains(keyOf(rows.at(row)))) {
            beginRemoveRows({}, row, row);
            rows.removeAt(row);
            endRemoveRows();
        }
    }
    // The daemon lists instances in a stable order; follow it.
    for (int i = 0; i < status.instances.size(); ++i) {
        const ConfigAppliedInstance &instance = status.instances.at(i);
        if (i < rows.size() && keyOf(rows.at(i)) == keyOf(instance)) {
            if (!(rows.at(i) == instance) || versionsChanged) {
                rows[i] = instance;
                emit dataChanged(index(i, 0), index(i, ColumnCount - 1));
            }
            continue;
        }
        int existing = -1;
        for (int j = i + 1; j < rows.size(); ++j) {
            if (keyOf(rows.at(j)) == keyOf(instance)) {
                existing = j;
                break;
            }
        }
        if (existing >= 0) {
            beginMoveRows({}, existing, existing, {}, i);
            rows.move(existing, i);
            endMoveRows();
            rows[i] = instance;
            emit dataChanged(index(i, 0), index(i, ColumnCount - 1));
        } else {
            beginInsertRows({}, i, i);
            rows.insert(i, instance);
            endInsertRows();
        }
    }
}

void AppliedStatusModel::clear() {
    beginResetModel();
    m_status = {};
    endResetModel();
}

} // namespace aegis::console
