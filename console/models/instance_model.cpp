#include "models/instance_model.h"

#include "models/display_format.h"
#include "models/display_names.h"
#include "models/release_model.h"

#include <QSet>

#include <algorithm>

namespace aegis::console {

QString leaseAge(const ServiceInstance &instance, const QDateTime &now) {
    if (!instance.registerTime.isValid()) {
        return QStringLiteral("—");
    }
    return humanDuration(instance.registerTime.msecsTo(now));
}

QString healthSummary(const ServiceInstance &instance, const QDateTime &now) {
    const InstanceHealth &health = instance.health;
    const HealthBadge badge = healthBadge(health);
    QStringList lines;
    QString headline = healthBadgeName(badge);
    headline[0] = headline[0].toUpper();
    if (badge == HealthBadge::Flapping || badge == HealthBadge::Ejected) {
        headline =
            InstanceModel::tr("%1 (check says %2)").arg(headline, healthStatusName(health.status));
    }
    if (health.changedAt.isValid()) {
        headline += InstanceModel::tr(" since %1 (%2)")
                        .arg(absoluteTime(health.changedAt), relativeTime(health.changedAt, now));
    }
    lines.append(headline);
    if (!health.checked) {
        lines.append(InstanceModel::tr("No health check covers this instance"));
    }
    if (!health.reason.isEmpty()) {
        lines.append(InstanceModel::tr("Reason: %1").arg(health.reason));
    }
    if (!health.output.isEmpty()) {
        lines.append(InstanceModel::tr("Last output: %1").arg(health.output));
    }
    if (health.ejected && health.ejectedUntil.isValid()) {
        lines.append(InstanceModel::tr("Ejected by callers' reports until %1")
                         .arg(absoluteTime(health.ejectedUntil)));
    }
    if (health.flapping) {
        lines.append(InstanceModel::tr("Changing state too often; changes are recorded, not "
                                       "announced"));
    }
    lines.append(instance.routable ? InstanceModel::tr("Routed: discovery hands it to callers")
                                   : InstanceModel::tr("Not routed: discovery leaves it out"));
    return lines.join(QLatin1Char('\n'));
}

int instanceSeverity(const ServiceInstance &instance) {
    return badgeSeverity(healthBadge(instance.health));
}

int badgeSeverity(HealthBadge badge) {
    switch (badge) {
    case HealthBadge::Passing:
        return 0;
    case HealthBadge::Unknown:
        return 1;
    case HealthBadge::Warning:
        return 2;
    case HealthBadge::Flapping:
        return 3;
    case HealthBadge::Critical:
        return 4;
    case HealthBadge::Ejected:
        return 5;
    }
    return 1;
}

bool isProblemInstance(const ServiceInstance &instance) {
    return instanceSeverity(instance) >= 2;
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
    const ServiceInstance &instance = m_rows.at(index.row()).instance;
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
        case ColourColumn: {
            const QString colour = instance.labels.value(QStringLiteral("color"), dash);
            const QString role = colourRoleName(m_traffic.value(instance.key()).role);
            return role.isEmpty() ? colour : tr("%1 · %2").arg(colour, role);
        }
        case TrafficColumn:
            return formatShare(m_traffic.value(instance.key()).share);
        case StateColumn:
            return instanceStateName(instance.state);
        case HealthColumn:
            return healthBadgeName(healthBadge(instance.health));
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
        case HealthColumn:
            return healthSummary(instance, referenceTime());
        case TrafficColumn: {
            const InstanceTraffic traffic = m_traffic.value(instance.key());
            return traffic.zeroReason.isEmpty()
                       ? tr("%1 of %2's traffic (weight %3)")
                             .arg(formatShare(traffic.share), instance.service)
                             .arg(instance.weight)
                       : tr("No traffic: %1").arg(traffic.zeroReason);
        }
        case ColourColumn: {
            switch (m_traffic.value(instance.key()).role) {
            case ColourRole::None:
                return tr("Not released through rollouts");
            case ColourRole::Live:
                return tr("This colour takes traffic");
            case ColourRole::Idle:
                return tr("This colour is deployed but takes no traffic");
            case ColourRole::WarmForUndo:
                return tr("This colour takes no traffic and is kept running so the switch can "
                          "be undone");
            case ColourRole::TearingDown:
                return tr("This colour takes no traffic and is being scaled down");
            }
            break;
        }
        }
        break;
    case Qt::TextAlignmentRole:
        if (index.column() == StateColumn || index.column() == HealthColumn) {
            return int(Qt::AlignCenter);
        }
        if (index.column() == TrafficColumn) {
            return int(Qt::AlignRight | Qt::AlignVCenter);
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
    case HealthBadgeRole:
        return static_cast<int>(healthBadge(instance.health));
    case RoutableRole:
        return instance.routable;
    case ShareRole:
        return m_traffic.value(instance.key()).share;
    case ColourRoleRole:
        return static_cast<int>(m_traffic.value(instance.key()).role);
    case SeverityRole:
        return instanceSeverity(instance);
    case SortRole:
        switch (index.column()) {
        case StateColumn:
            return static_cast<int>(instance.state);
        case HealthColumn:
            return instanceSeverity(instance);
        case TrafficColumn:
            return m_traffic.value(instance.key()).share;
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
    if (orientation == Qt::Horizontal && role == Qt::ToolTipRole && section == TrafficColumn) {
        return tr("The instance's share of its service's requests: its colour's percentage of "
                  "the split, shared among that colour's serving instances by traffic weight");
    }
    if (orientation == Qt::Horizontal && role == Qt::ToolTipRole && section == HealthColumn) {
        return tr("What the service's health check and its callers' reports say; hover a badge "
                  "for the reason");
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
    case TrafficColumn:
        return tr("Traffic");
    case StateColumn:
        return tr("State");
    case HealthColumn:
        return tr("Health");
    case LeaseAgeColumn:
        return tr("Lease age");
    case LabelsColumn:
        return tr("Labels");
    }
    return {};
}

int InstanceModel::lowerBound(const QString &service, const QString &id) const {
    const auto it = std::lower_bound(m_rows.cbegin(), m_rows.cend(), std::make_pair(service, id),
                                     [](const Row &row, const auto &key) {
                                         const ServiceInstance &instance = row.instance;
                                         return instance.service != key.first
                                                    ? instance.service < key.first
                                                    : instance.id < key.second;
                                     });
    return static_cast<int>(it - m_rows.cbegin());
}

int InstanceModel::rowOf(const QString &service, const QString &id) const {
    const int row = lowerBound(service, id);
    if (row < m_rows.size() && m_rows.at(row).instance.service == service &&
        m_rows.at(row).instance.id == id) {
        return row;
    }
    return -1;
}

bool InstanceModel::upsert(const ServiceInstance &instance, qint64 revision) {
    const qint64 reflects = std::max(revision, instance.modRevision);
    const int row = lowerBound(instance.service, instance.id);
    if (row < m_rows.size() && m_rows.at(row).instance.service == instance.service &&
        m_rows.at(row).instance.id == instance.id) {
        Row &current = m_rows[row];
        const bool stale =
            revision != 0 ? reflects <= current.revision : instance == current.instance;
        if (stale) {
            return false;
        }
        const InstanceHealth previous = current.instance.health;
        current.instance = instance;
        current.revision = std::max(current.revision, reflects);
        emit dataChanged(index(row, 0), index(row, ColumnCount - 1));
        if (m_announced) {
            m_announced->insert(instance.key());
        }
        if (!(previous == instance.health)) {
            emit healthChanged(instance, previous);
        }
        return true;
    }
    beginInsertRows({}, row, row);
    m_rows.insert(row, Row{instance, reflects});
    endInsertRows();
    return true;
}

bool InstanceModel::remove(const QString &service, const QString &id, qint64 revision) {
    const int row = rowOf(service, id);
    if (row < 0 || (revision != 0 && revision < m_rows.at(row).revision)) {
        return false;
    }
    beginRemoveRows({}, row, row);
    m_traffic.remove(m_rows.at(row).instance.key());
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
        if (!keep.contains(m_rows.at(row).instance.key())) {
            beginRemoveRows({}, row, row);
            m_traffic.remove(m_rows.at(row).instance.key());
            m_rows.removeAt(row);
            endRemoveRows();
        }
    }
    QSet<QString> announced;
    m_announced = &announced;
    for (const ServiceInstance &instance : instances) {
        upsert(instance, 0);
    }
    recomputeTraffic();
    m_announced = nullptr;
}

int InstanceModel::applyChanges(const QList<InstanceChange> &changes) {
    int applied = 0;
    QSet<QString> services;
    QSet<QString> announced;
    m_announced = &announced;
    for (const InstanceChange &change : changes) {
        ServiceInstance instance = change.instance;
        if (instance.modRevision == 0) {
            instance.modRevision = change.revision;
        }
        const bool changed = change.type == InstanceChange::Type::Removed
                                 ? remove(instance.service, instance.id, change.revision)
                                 : upsert(instance, std::max<qint64>(change.revision, 1));
        applied += changed ? 1 : 0;
        if (changed) {
            services.insert(instance.service);
        }
    }
    for (const QString &service : std::as_const(services)) {
        recomputeTraffic(service);
    }
    m_announced = nullptr;
    return applied;
}

void InstanceModel::clear() {
    if (m_rows.isEmpty()) {
        return;
    }
    beginRemoveRows({}, 0, static_cast<int>(m_rows.size()) - 1);
    m_rows.clear();
    m_traffic.clear();
    endRemoveRows();
}

void InstanceModel::setReleaseModel(ReleaseModel *releases) {
    if (m_releases) {
        disconnect(m_releases, nullptr, this, nullptr);
    }
    m_releases = releases;
    if (releases) {
        const auto recompute = [this] { recomputeTraffic(); };
        connect(releases, &QAbstractItemModel::dataChanged, this, recompute);
        connect(releases, &QAbstractItemModel::rowsInserted, this, recompute);
        connect(releases, &QAbstractItemModel::rowsRemoved, this, recompute);
        connect(releases, &QAbstractItemModel::modelReset, this, recompute);
    }
    recomputeTraffic();
}

void InstanceModel::recomputeTraffic(const QString &service) {
    const QDateTime now = referenceTime();
    int row = service.isEmpty() ? 0 : lowerBound(service, QString());
    while (row < m_rows.size()) {
        const QString current = m_rows.at(row).instance.service;
        if (!service.isEmpty() && current != service) {
            break;
        }
        int end = row;
        QList<ServiceInstance> members;
        while (end < m_rows.size() && m_rows.at(end).instance.service == current) {
            members.append(m_rows.at(end).instance);
            ++end;
        }
        std::optional<ServiceRolloutState> state;
        if (m_releases) {
            const auto release = m_releases->release(current);
            auto latest = m_releases->latestRollout(current);
            if (release || latest) {
                state = ServiceRolloutState{release.value_or(Release{}), std::move(latest)};
            }
        }
        const QHash<QString, InstanceTraffic> shares = trafficShares(members, state, now);
        int first = -1;
        int last = -1;
        for (int i = row; i < end; ++i) {
            const QString key = m_rows.at(i).instance.key();
            const InstanceTraffic traffic = shares.value(key);
            const auto it = m_traffic.constFind(key);
            if (it != m_traffic.cend() && *it == traffic) {
                continue;
            }
            // A row just inserted or announced whole needs no announcement of its own.
            const bool announce =
                it != m_traffic.cend() && !(m_announced && m_announced->contains(key));
            m_traffic.insert(key, traffic);
            if (announce) {
                if (first >= 0 && i != last + 1) {
                    emit dataChanged(index(first, ColourColumn), index(last, TrafficColumn));
                    first = -1;
                }
                first = first < 0 ? i : first;
                last = i;
            }
        }
        if (first >= 0) {
            emit dataChanged(index(first, ColourColumn), index(last, TrafficColumn));
        }
        row = end;
    }
}

void InstanceModel::setReferenceTime(const QDateTime &now) {
    m_now = now;
    if (!m_rows.isEmpty()) {
        emit dataChanged(index(0, LeaseAgeColumn), index(rowCount() - 1, LeaseAgeColumn),
                         {Qt::DisplayRole, Qt::ToolTipRole});
    }
    if (m_releases) {
        recomputeTraffic(); // An undo window may have closed.
    }
}

QDateTime InstanceModel::referenceTime() const {
    return m_now.isValid() ? m_now : QDateTime::currentDateTimeUtc();
}

} // namespace aegis::console
