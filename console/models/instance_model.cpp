#include "models/instance_model.h"

#include "models/display_format.h"

#include <QSet>

#include <algorithm>

namespace aegis::console {

QString leaseAge(const ServiceInstance &instance, const QDateTime &now) {
    if (!instance.registerTime.isValid()) {
        return QStringLiteral("—");
    }
    return humanDuration(instance.registerTime.msecsTo(now));
}

InstanceModel::InstanceModel(QObject *parent)
    : QAbstractTableModel(parent) {}

int InstanceModel::rowCount(const QModelIndex &parent) const {
    return parent.isValid() ? 0 : static_cast<int>(m_rows.size());
}

int InstanceModel::columnCount(const QModelIndex &parent) const {
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant InstanceModel::data(const QModelIndex &index, int role) const {
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid)) {
        return {};
    }
    const ServiceInstance &instance = m_rows.at(index.row());
    // Version and colour have columns of their own; the labels column shows the rest.
    const auto labelList = [&instance](bool all) {
        QStringList list;
        for (auto it = instance.labels.cbegin(); it != instance.labels.cend(); ++it) {
            if (all ||
                (it.key() != QLatin1String("version") && it.key() != QLatin1String("color"))) {
                list.append(it.key() + QLatin1Char('=') + it.value());
            }
        }
        return list;
    };
    const QString dash = QStringLiteral("—");
    switch (role) {
    case Qt::DisplayRole:
        switch (index.column()) {
        case ServiceColumn:
            return instance.service;
        case InstanceColumn:
            return instance.id;
        case AddressColumn:
            return instance.address;
        case VersionColumn:
            return instance.labels.value(QStringLiteral("version"), dash);
        case ColourColumn:
            return instance.labels.value(QStringLiteral("color"), dash);
        case StateColumn:
            return instanceStateName(instance.state);
        case LeaseAgeColumn:
            return leaseAge(instance, referenceTime());
        case LabelsColumn:
            return labelList(false).join(QStringLiteral(", "));
        }
        break;
    case Qt::ToolTipRole:
        switch (index.column()) {
        case LeaseAgeColumn:
            return tr("Registered %1 · lease %2, TTL %3 s")
                .arg(absoluteTime(instance.registerTime))
                .arg(instance.leaseId)
                .arg(instance.leaseTtlSeconds);
        case LabelsColumn:
            return labelList(true).join(QLatin1Char('\n'));
        case InstanceColumn:
            return instance.key();
        }
        break;
    case Qt::TextAlignmentRole:
        if (index.column() == StateColumn) {
            return int(Qt::AlignCenter);
        }
        return int(Qt::AlignLeft | Qt::AlignVCenter);
    case InstanceRole:
        return QVariant::fromValue(instance);
    case StateRole:
        return static_cast<int>(instance.state);
    case ColourRole:
        return instance.labels.value(QStringLiteral("color")).toLower();
    case LabelListRole:
        return labelList(false);
    case SortRole:
        switch (index.column()) {
        case StateColumn:
            return static_cast<int>(instance.state);
        case LeaseAgeColumn:
            // Oldest registration first when ascending: the largest age.
            return instance.registerTime.isValid() ? -instance.registerTime.toMSecsSinceEpoch()
                                                   : qint64(0);
        default:
            return data(index, Qt::DisplayRole);
        }
    }
    return {};
}

QVariant InstanceModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation == Qt::Horizontal && role == Qt::ToolTipRole && section == LabelsColumn) {
        return tr("Labels other than version and color, which have columns of their own");
    }
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole) {
        return QAbstractTableModel::headerData(section, orientation, role);
    }
    switch (section) {
    case ServiceColumn:
        return tr("Service");
    case InstanceColumn:
        return tr("Instance");
    case AddressColumn:
        return tr("Address");
    case VersionColumn:
        return tr("Version");
    case ColourColumn:
        return tr("Colour");
    case StateColumn:
        return tr("State");
    case LeaseAgeColumn:
        return tr("Lease age");
    case LabelsColumn:
        return tr("Labels");
    }
    return {};
}

int InstanceModel::lowerBound(const QString &service, const QString &id) const {
    const auto it = std::lower_bound(m_rows.cbegin(), m_rows.cend(), std::make_pair(service, id),
                                     [](const ServiceInstance &row, const auto &key) {
                                         return row.service != key.first ? row.service < key.first
                                                                         : row.id < key.second;
                                     });
    return static_cast<int>(it - m_rows.cbegin());
}

int InstanceModel::rowOf(const QString &service, const QString &id) const {
    const int row = lowerBound(service, id);
    if (row < m_rows.size() && m_rows.at(row).service == service && m_rows.at(row).id == id) {
        return row;
    }
    return -1;
}

bool InstanceModel::upsert(const ServiceInstance &instance) {
    const int row = lowerBound(instance.service, instance.id);
    if (row < m_rows.size() && m_rows.at(row).service == instance.service &&
        m_rows.at(row).id == instance.id) {
        ServiceInstance &current = m_rows[row];
        if (instance.modRevision != 0 && instance.modRevision <= current.modRevision) {
            return false;
        }
        current = instance;
        emit dataChanged(index(row, 0), index(row, ColumnCount - 1));
        return true;
    }
    beginInsertRows({}, row, row);
    m_rows.insert(row, instance);
    endInsertRows();
    return true;
}

bool InstanceModel::remove(const QString &service, const QString &id, qint64 revision) {
    const int row = rowOf(service, id);
    if (row < 0 || (revision != 0 && revision < m_rows.at(row).modRevision)) {
        return false;
    }
    beginRemoveRows({}, row, row);
    m_rows.removeAt(row);
    endRemoveRows();
    return true;
}

void InstanceModel::sync(const QList<ServiceInstance> &instances) {
    QSet<QString> keep;
    for (const ServiceInstance &instance : instances) {
        keep.insert(instance.key());
    }
    for (int row = static_cast<int>(m_rows.size()) - 1; row >= 0; --row) {
        if (!keep.contains(m_rows.at(row).key())) {
            beginRemoveRows({}, row, row);
            m_rows.removeAt(row);
            endRemoveRows();
        }
    }
    for (const ServiceInstance &instance : instances) {
        upsert(instance);
    }
}

int InstanceModel::applyChanges(const QList<InstanceChange> &changes) {
    int applied = 0;
    for (const InstanceChange &change : changes) {
        ServiceInstance instance = change.instance;
        if (instance.modRevision == 0) {
            instance.modRevision = change.revision;
        }
        const bool changed = change.type == InstanceChange::Type::Removed
                                 ? remove(instance.service, instance.id, change.revision)
                                 : upsert(instance);
        applied += changed ? 1 : 0;
    }
    return applied;
}

void InstanceModel::clear() {
    if (m_rows.isEmpty()) {
        return;
    }
    beginRemoveRows({}, 0, static_cast<int>(m_rows.size()) - 1);
    m_rows.clear();
    endRemoveRows();
}

void InstanceModel::setReferenceTime(const QDateTime &now) {
    m_now = now;
    if (!m_rows.isEmpty()) {
        emit dataChanged(index(0, LeaseAgeColumn), index(rowCount() - 1, LeaseAgeColumn),
                         {Qt::DisplayRole, Qt::ToolTipRole});
    }
}

QDateTime InstanceModel::referenceTime() const {
    return m_now.isValid() ? m_now : QDateTime::currentDateTimeUtc();
}

} // namespace aegis::console
