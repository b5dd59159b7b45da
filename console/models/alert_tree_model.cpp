#include "models/alert_tree_model.h"

#include "models/display_format.h"

#include <algorithm>

namespace aegis::console {
namespace {

// Alert rows carry their path in the internal id: the service's row + 1 in the high bits and
// the severity's row + 1 in the low ones; severity rows carry their service's row + 1; service
// rows 0.
constexpr int kSeverityBits = 20;
constexpr quintptr kSeverityMask = (quintptr(1) << kSeverityBits) - 1;

int severityRank(const QString &severity) {
    static const QStringList order{QStringLiteral("critical"), QStringLiteral("warning"),
                                   QStringLiteral("info")};
    const qsizetype rank = order.indexOf(severity.toLower());
    return rank < 0 ? int(order.size()) : int(rank);
}

QString stateName(AlertState state) {
    switch (state) {
    case AlertState::Firing:
        return AlertTreeModel::tr("Firing");
    case AlertState::Pending:
        return AlertTreeModel::tr("Pending");
    case AlertState::Resolved:
        return AlertTreeModel::tr("Resolved");
    default:
        return AlertTreeModel::tr("Inactive");
    }
}

bool isActive(const AlertInfo &alert) {
    return alert.state == AlertState::Firing || alert.state == AlertState::Pending;
}

QString summaryOf(const AlertInfo &alert) {
    QString summary = labelValue(alert.annotations, QStringLiteral("summary"));
    if (summary.isEmpty()) {
        summary = labelValue(alert.annotations, QStringLiteral("description"));
    }
    return summary.simplified();
}

// The labels that tell alerts of one rule apart (not the ones the tree already shows).
QString distinguishingLabels(const AlertInfo &alert) {
    QStringList parts;
    for (const auto &[name, value] : alert.labels) {
        if (name != QLatin1String("alertname") && name != QLatin1String("service") &&
            name != QLatin1String("severity")) {
            parts.append(QStringLiteral("%1=\"%2\"").arg(name, value));
        }
    }
    return parts.join(QStringLiteral(", "));
}

} // namespace

AlertTreeModel::AlertTreeModel(QObject *parent)
    : QAbstractItemModel(parent)
    , m_now(QDateTime::currentDateTimeUtc()) {}

QString AlertTreeModel::serviceOf(const AlertInfo &alert) {
    return labelValue(alert.labels, QStringLiteral("service"));
}

QString AlertTreeModel::severityOf(const AlertInfo &alert) {
    return labelValue(alert.labels, QStringLiteral("severity"));
}

QModelIndex AlertTreeModel::index(int row, int column, const QModelIndex &parent) const {
    if (!hasIndex(row, column, parent)) {
        return {};
    }
    if (!parent.isValid()) {
        return createIndex(row, column, quintptr(0));
    }
    if (parent.internalId() == 0) {
        return createIndex(row, column, quintptr(parent.row() + 1));
    }
    return createIndex(row, column,
                       (parent.internalId() << kSeverityBits) | quintptr(parent.row() + 1));
}

QModelIndex AlertTreeModel::parent(const QModelIndex &child) const {
    if (!child.isValid() || child.internalId() == 0) {
        return {};
    }
    const quintptr id = child.internalId();
    if (id <= kSeverityMask) {
        return createIndex(int(id - 1), 0, quintptr(0));
    }
    const quintptr service = id >> kSeverityBits;
    return createIndex(int((id & kSeverityMask) - 1), 0, service);
}

int AlertTreeModel::rowCount(const QModelIndex &parent) const {
    if (!parent.isValid()) {
        return int(m_tree.size());
    }
    if (parent.column() != 0) {
        return 0;
    }
    const quintptr id = parent.internalId();
    if (id == 0) {
        return int(m_tree.value(parent.row()).severities.size());
    }
    if (id <= kSeverityMask) {
        return int(m_tree.value(int(id - 1)).severities.value(parent.row()).alertIds.size());
    }
    return 0;
}

int AlertTreeModel::columnCount(const QModelIndex &) const {
    return ColumnCount;
}

QVariant AlertTreeModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole) {
        return {};
    }
    switch (section) {
    case NameColumn:
        return tr("Alert");
    case StateColumn:
        return tr("State");
    case AgeColumn:
        return tr("Active");
    case SummaryColumn:
        return tr("Summary");
    default:
        return {};
    }
}

QVariant AlertTreeModel::data(const QModelIndex &index, int role) const {
    if (!checkIndex(index, CheckIndexOption::IndexIsValid)) {
        return {};
    }
    const quintptr id = index.internalId();
    if (id == 0) {
        const ServiceNode &node = m_tree.at(index.row());
        if (role == LevelRole) {
            return 0;
        }
        if (role != Qt::DisplayRole) {
            return {};
        }
        int firing = 0;
        int pending = 0;
        for (const SeverityNode &severity : node.severities) {
            for (const QString &alertId : severity.alertIds) {
                const AlertState state = m_alerts.value(alertId).state;
                firing += state == AlertState::Firing ? 1 : 0;
                pending += state == AlertState::Pending ? 1 : 0;
            }
        }
        if (index.column() == NameColumn) {
            return node.service.isEmpty() ? tr("(no service)") : node.service;
        }
        if (index.column() == StateColumn) {
            QStringList parts;
            if (firing > 0) {
                parts.append(tr("%n firing", nullptr, firing));
            }
            if (pending > 0) {
                parts.append(tr("%n pending", nullptr, pending));
            }
            return parts.join(QStringLiteral(", "));
        }
        return {};
    }
    if (id <= kSeverityMask) {
        const SeverityNode &node = m_tree.at(int(id - 1)).severities.at(index.row());
        switch (role) {
        case LevelRole:
            return 1;
        case SeverityRole:
            return node.severity;
        case Qt::DisplayRole:
            if (index.column() == NameColumn) {
                return node.severity.isEmpty() ? tr("(no severity)") : node.severity;
            }
            if (index.column() == StateColumn) {
                return tr("%n alert(s)", nullptr, int(node.alertIds.size()));
            }
            return {};
        default:
            return {};
        }
    }
    const int service = int((id >> kSeverityBits) - 1);
    const int severity = int((id & kSeverityMask) - 1);
    const AlertInfo &alert =
        *m_alerts.find(m_tree.at(service).severities.at(severity).alertIds.at(index.row()));
    switch (role) {
    case LevelRole:
        return 2;
    case AlertIdRole:
        return alert.id;
    case StateRole:
        return int(alert.state);
    case SilencedRole:
        return alert.isSilenced();
    case SeverityRole:
        return severityOf(alert);
    case Qt::ToolTipRole: {
        QStringList labels;
        for (const auto &[name, value] : alert.labels) {
            labels.append(QStringLiteral("%1=\"%2\"").arg(name, value));
        }
        return labels.join(QLatin1Char('\n'));
    }
    case Qt::DisplayRole:
        switch (index.column()) {
        case NameColumn: {
            const QString extra = distinguishingLabels(alert);
            return extra.isEmpty() ? alert.name()
                                   : QStringLiteral("%1 {%2}").arg(alert.name(), extra);
        }
        case StateColumn:
            return alert.isSilenced() ? tr("%1 · silenced").arg(stateName(alert.state))
                                      : stateName(alert.state);
        case AgeColumn:
            return ageText(alert);
        case SummaryColumn:
            return summaryOf(alert);
        default:
            return {};
        }
    default:
        return {};
    }
}

QString AlertTreeModel::ageText(const AlertInfo &alert) const {
    if (alert.state == AlertState::Firing) {
        const QDateTime since = alert.firedAt.isValid() ? alert.firedAt : alert.activeAt;
        return since.isValid() ? tr("firing for %1")
                                     .arg(humanDuration(std::max<qint64>(0, since.msecsTo(m_now))))
                               : tr("firing");
    }
    if (alert.state == AlertState::Pending) {
        return alert.activeAt.isValid()
                   ? tr("pending for %1")
                         .arg(humanDuration(std::max<qint64>(0, alert.activeAt.msecsTo(m_now))))
                   : tr("pending");
    }
    return stateName(alert.state);
}

void AlertTreeModel::reset(const QList<AlertInfo> &alerts) {
    QHash<QString, AlertInfo> previous = std::move(m_alerts);
    m_alerts.clear();
    for (const AlertInfo &alert : alerts) {
        if (isActive(alert)) {
            m_alerts.insert(alert.id, alert);
        }
    }
    changed(std::move(previous), true);
}

void AlertTreeModel::apply(const AlertBatch &batch) {
    if (batch.snapshot) {
        QList<AlertInfo> alerts;
        for (const AlertChange &change : batch.changes) {
            if (!change.removed) {
                alerts.append(change.alert);
            }
        }
        reset(alerts);
        return;
    }
    QHash<QString, AlertInfo> previous = m_alerts;
    for (const AlertChange &change : batch.changes) {
        if (change.removed || !isActive(change.alert)) {
            m_alerts.remove(change.alert.id);
        } else {
            m_alerts.insert(change.alert.id, change.alert);
        }
    }
    changed(std::move(previous), true);
}

void AlertTreeModel::updateSilencing(const QList<AlertInfo> &listed) {
    QHash<QString, AlertInfo> previous = m_alerts;
    bool any = false;
    for (const AlertInfo &alert : listed) {
        const auto found = m_alerts.find(alert.id);
        if (found != m_alerts.end() && found->silencedBy != alert.silencedBy) {
            found->silencedBy = alert.silencedBy;
            any = true;
        }
    }
    if (any) {
        changed(std::move(previous), true);
    }
}

void AlertTreeModel::clear() {
    reset({});
}

void AlertTreeModel::setFilter(const AlertMatchers &filter) {
    m_filter = filter;
    changed(m_alerts, false);
}

void AlertTreeModel::setReferenceTime(const QDateTime &now) {
    m_now = now;
    for (int service = 0; service < m_tree.size(); ++service) {
        const QModelIndex serviceIndex = index(service, 0);
        for (int severity = 0; severity < m_tree.at(service).severities.size(); ++severity) {
            const QModelIndex severityIndex = index(severity, 0, serviceIndex);
            const int rows = rowCount(severityIndex);
            if (rows > 0) {
                emit dataChanged(index(0, AgeColumn, severityIndex),
                                 index(rows - 1, AgeColumn, severityIndex), {Qt::DisplayRole});
            }
        }
    }
}

std::optional<AlertInfo> AlertTreeModel::alert(const QString &id) const {
    const auto found = m_alerts.constFind(id);
    return found == m_alerts.cend() ? std::nullopt : std::optional<AlertInfo>(*found);
}

QModelIndex AlertTreeModel::indexOf(const QString &id) const {
    for (int service = 0; service < m_tree.size(); ++service) {
        const QList<SeverityNode> &severities = m_tree.at(service).severities;
        for (int severity = 0; severity < severities.size(); ++severity) {
            const qsizetype row = severities.at(severity).alertIds.indexOf(id);
            if (row >= 0) {
                return index(int(row), 0, index(severity, 0, index(service, 0)));
            }
        }
    }
    return {};
}

QList<AlertTreeModel::ServiceNode> AlertTreeModel::buildTree() const {
    QList<AlertInfo> shown;
    for (const AlertInfo &alert : m_alerts) {
        if (m_filter.matches(alert.labels)) {
            shown.append(alert);
        }
    }
    std::sort(shown.begin(), shown.end(), [](const AlertInfo &a, const AlertInfo &b) {
        const QString serviceA = serviceOf(a);
        const QString serviceB = serviceOf(b);
        if (serviceA != serviceB) {
            // The alerts of no service last.
            if (serviceA.isEmpty() || serviceB.isEmpty()) {
                return serviceB.isEmpty();
            }
            return serviceA < serviceB;
        }
        const QString severityA = severityOf(a);
        const QString severityB = severityOf(b);
        if (severityRank(severityA) != severityRank(severityB)) {
            return severityRank(severityA) < severityRank(severityB);
        }
        if (severityA != severityB) {
            return severityA < severityB;
        }
        if (a.state != b.state) {
            return a.state == AlertState::Firing;
        }
        if (a.activeAt != b.activeAt) {
            return a.activeAt < b.activeAt;
        }
        return a.id < b.id;
    });
    QList<ServiceNode> tree;
    for (const AlertInfo &alert : shown) {
        const QString service = serviceOf(alert);
        const QString severity = severityOf(alert);
        if (tree.isEmpty() || tree.last().service != service) {
            tree.append({service, {}});
        }
        QList<SeverityNode> &severities = tree.last().severities;
        if (severities.isEmpty() || severities.last().severity != severity) {
            severities.append({severity, {}});
        }
        severities.last().alertIds.append(alert.id);
    }
    return tree;
}

namespace {

bool sameShape(const auto &a, const auto &b) {
    if (a.size() != b.size()) {
        return false;
    }
    for (int service = 0; service < a.size(); ++service) {
        if (a.at(service).service != b.at(service).service ||
            a.at(service).severities.size() != b.at(service).severities.size()) {
            return false;
        }
        for (int severity = 0; severity < a.at(service).severities.size(); ++severity) {
            const auto &left = a.at(service).severities.at(severity);
            const auto &right = b.at(service).severities.at(severity);
            if (left.severity != right.severity || left.alertIds != right.alertIds) {
                return false;
            }
        }
    }
    return true;
}

} // namespace

void AlertTreeModel::changed(QHash<QString, AlertInfo> previous, bool fromDaemon) {
    QList<ServiceNode> tree = buildTree();
    if (!sameShape(tree, m_tree)) {
        beginResetModel();
        m_tree = std::move(tree);
        endResetModel();
    } else {
        for (int service = 0; service < m_tree.size(); ++service) {
            const QModelIndex serviceIndex = index(service, 0);
            emit dataChanged(serviceIndex, index(service, ColumnCount - 1));
            for (int severity = 0; severity < m_tree.at(service).severities.size(); ++severity) {
                const QModelIndex severityIndex = index(severity, 0, serviceIndex);
                const QStringList &ids = m_tree.at(service).severities.at(severity).alertIds;
                for (int row = 0; row < ids.size(); ++row) {
                    if (previous.value(ids.at(row)) != m_alerts.value(ids.at(row))) {
                        emit dataChanged(index(row, 0, severityIndex),
                                         index(row, ColumnCount - 1, severityIndex));
                    }
                }
            }
        }
    }
    QList<AlertInfo> newlyFiring;
    if (m_primed) {
        for (const AlertInfo &alert : std::as_const(m_alerts)) {
            if (alert.state == AlertState::Firing && !alert.isSilenced() &&
                severityOf(alert).compare(QLatin1String("critical"), Qt::CaseInsensitive) == 0 &&
                previous.value(alert.id).state != AlertState::Firing) {
                newlyFiring.append(alert);
            }
        }
    }
    m_primed = m_primed || fromDaemon;
    updateCounts();
    if (!newlyFiring.isEmpty()) {
        std::sort(newlyFiring.begin(), newlyFiring.end(),
                  [](const AlertInfo &a, const AlertInfo &b) { return a.id < b.id; });
        emit criticalAlertsFiring(newlyFiring);
    }
}

void AlertTreeModel::updateCounts() {
    AlertCounts counts;
    for (const AlertInfo &alert : std::as_const(m_alerts)) {
        if (alert.isSilenced()) {
            ++counts.silenced;
        }
        if (alert.state == AlertState::Firing) {
            ++counts.firing;
            if (!alert.isSilenced() &&
                severityOf(alert).compare(QLatin1String("critical"), Qt::CaseInsensitive) == 0) {
                ++counts.criticalFiring;
            }
        } else if (alert.state == AlertState::Pending) {
            ++counts.pending;
        }
    }
    if (counts != m_counts) {
        m_counts = counts;
        emit countsChanged(counts);
    }
}

} // namespace aegis::console
