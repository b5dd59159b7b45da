#include "models/audit_record_model.h"

#include "models/display_format.h"
#include "models/display_names.h"

#include <algorithm>

namespace aegis::console {

AuditRecordModel::AuditRecordModel(QObject *parent)
    : QAbstractTableModel(parent) {}

int AuditRecordModel::rowCount(const QModelIndex &parent) const {
    return parent.isValid() ? 0 : static_cast<int>(m_entries.size());
}

int AuditRecordModel::columnCount(const QModelIndex &parent) const {
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant AuditRecordModel::data(const QModelIndex &index, int role) const {
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid)) {
        return {};
    }
    const AuditEntry &entry = m_entries.at(index.row());
    switch (role) {
    case Qt::DisplayRole:
        switch (index.column()) {
        case TimeColumn:
            return relativeTime(entry.time, referenceTime());
        case ActorColumn:
            return entry.actor;
        case RoleColumn:
            return roleName(entry.role);
        case MethodColumn:
            return shortMethodName(entry.method);
        case ResourceColumn:
            return entry.resource;
        case SummaryColumn:
            return entry.summary;
        case OutcomeColumn:
            return entry.succeeded() ? tr("OK") : CallError{entry.code, {}}.codeName();
        case AtColumn: {
            // Today's records by their time of day only; older ones with their date.
            const QDateTime local = entry.time.toLocalTime();
            return entry.time.isValid() && local.date() == referenceTime().toLocalTime().date()
                       ? local.toString(QStringLiteral("HH:mm:ss"))
                       : absoluteTime(entry.time);
        }
        }
        break;
    case Qt::ToolTipRole:
        switch (index.column()) {
        case TimeColumn:
            return absoluteTime(entry.time);
        case AtColumn:
            return entry.time.isValid()
                       ? absoluteTime(entry.time) + QStringLiteral(" (") +
                             entry.time.toUTC().toString(QStringLiteral("yyyy-MM-dd HH:mm:ss")) +
                             QStringLiteral(" UTC)")
                       : QString();
        case MethodColumn:
            return entry.method;
        case OutcomeColumn:
            return entry.succeeded() ? tr("Succeeded") : entry.error;
        case SummaryColumn:
            return entry.summary;
        case ResourceColumn:
            return entry.resource;
        }
        break;
    case Qt::TextAlignmentRole:
        if (index.column() == OutcomeColumn) {
            return int(Qt::AlignCenter);
        }
        return int(Qt::AlignLeft | Qt::AlignVCenter);
    case EntryRole:
        return QVariant::fromValue(entry);
    case SucceededRole:
        return entry.succeeded();
    case TimeRole:
        return entry.time;
    }
    return {};
}

QVariant AuditRecordModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole) {
        return QAbstractTableModel::headerData(section, orientation, role);
    }
    switch (section) {
    case TimeColumn:
        return tr("Time");
    case ActorColumn:
        return tr("Actor");
    case RoleColumn:
        return tr("Role");
    case MethodColumn:
        return tr("Method");
    case ResourceColumn:
        return tr("Resource");
    case SummaryColumn:
        return tr("Summary");
    case OutcomeColumn:
        return tr("Outcome");
    case AtColumn:
        return tr("At");
    }
    return {};
}

QList<AuditEntry> AuditRecordModel::withoutKnown(const QList<AuditEntry> &records) const {
    QList<AuditEntry> fresh;
    QSet<QString> seen;
    for (const AuditEntry &entry : records) {
        if (!m_ids.contains(entry.id) && !seen.contains(entry.id)) {
            seen.insert(entry.id);
            fresh.append(entry);
        }
    }
    return fresh;
}

void AuditRecordModel::reset(const QList<AuditEntry> &newestFirst) {
    beginResetModel();
    m_entries.clear();
    m_ids.clear();
    m_entries = withoutKnown(newestFirst);
    for (const AuditEntry &entry : std::as_const(m_entries)) {
        m_ids.insert(entry.id);
    }
    endResetModel();
}

int AuditRecordModel::appendOlder(const QList<AuditEntry> &newestFirst) {
    const QList<AuditEntry> fresh = withoutKnown(newestFirst);
    if (fresh.isEmpty()) {
        return 0;
    }
    const int first = static_cast<int>(m_entries.size());
    beginInsertRows({}, first, first + static_cast<int>(fresh.size()) - 1);
    for (const AuditEntry &entry : fresh) {
        m_ids.insert(entry.id);
        m_entries.append(entry);
    }
    endInsertRows();
    return static_cast<int>(fresh.size());
}

int AuditRecordModel::prependNewer(QList<AuditEntry> records) {
    QList<AuditEntry> fresh = withoutKnown(records);
    if (fresh.isEmpty()) {
        return 0;
    }
    // Ids increase with time, so (time, id) orders records even within one millisecond.
    std::sort(fresh.begin(), fresh.end(), [](const AuditEntry &a, const AuditEntry &b) {
        return a.time != b.time ? a.time > b.time : a.id > b.id;
    });
    beginInsertRows({}, 0, static_cast<int>(fresh.size()) - 1);
    for (const AuditEntry &entry : std::as_const(fresh)) {
        m_ids.insert(entry.id);
    }
    m_entries = fresh + m_entries;
    endInsertRows();
    return static_cast<int>(fresh.size());
}

void AuditRecordModel::clear() {
    if (m_entries.isEmpty()) {
        return;
    }
    beginRemoveRows({}, 0, static_cast<int>(m_entries.size()) - 1);
    m_entries.clear();
    m_ids.clear();
    endRemoveRows();
}

int AuditRecordModel::rowOf(const QString &id) const {
    if (!m_ids.contains(id)) {
        return -1;
    }
    for (int row = 0; row < m_entries.size(); ++row) {
        if (m_entries.at(row).id == id) {
            return row;
        }
    }
    return -1;
}

void AuditRecordModel::setReferenceTime(const QDateTime &now) {
    m_now = now;
    if (!m_entries.isEmpty()) {
        emit dataChanged(index(0, TimeColumn), index(rowCount() - 1, TimeColumn),
                         {Qt::DisplayRole});
        // "Today" may have moved on.
        emit dataChanged(index(0, AtColumn), index(rowCount() - 1, AtColumn), {Qt::DisplayRole});
    }
}

QDateTime AuditRecordModel::referenceTime() const {
    return m_now.isValid() ? m_now : QDateTime::currentDateTimeUtc();
}

} // namespace aegis::console
