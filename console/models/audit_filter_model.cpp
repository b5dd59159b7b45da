#include "models/audit_filter_model.h"

#include "models/audit_record_model.h"

namespace aegis::console {

AuditFilterModel::AuditFilterModel(QObject *parent)
    : QSortFilterProxyModel(parent) {
    setDynamicSortFilter(false);
}

void AuditFilterModel::setQuery(const AuditQuery &query) {
    if (query == m_query) {
        return;
    }
    m_query = query;
    invalidateRowsFilter();
}

void AuditFilterModel::setSearchText(const QString &text) {
    const QString trimmed = text.trimmed();
    if (trimmed == m_search) {
        return;
    }
    m_search = trimmed;
    invalidateRowsFilter();
}

bool AuditFilterModel::filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const {
    const QModelIndex index = sourceModel()->index(sourceRow, 0, sourceParent);
    const auto entry = index.data(AuditRecordModel::EntryRole).value<AuditEntry>();
    if (!m_query.matches(entry)) {
        return false;
    }
    if (m_search.isEmpty()) {
        return true;
    }
    for (const QString *field : {&entry.actor, &entry.method, &entry.resource, &entry.summary,
                                 &entry.peer, &entry.error}) {
        if (field->contains(m_search, Qt::CaseInsensitive)) {
            return true;
        }
    }
    return false;
}

} // namespace aegis::console
