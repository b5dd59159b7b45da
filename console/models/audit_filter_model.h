#pragma once

#include "net/api_types.h"

#include <QSortFilterProxyModel>

namespace aegis::console {

// Narrows an AuditRecordModel locally: by the same query the daemon was given (so rows always
// agree with the filters shown, even while a new list is on its way) and by free text over the
// loaded records. Keeps the source's newest-first order.
class AuditFilterModel final : public QSortFilterProxyModel {
    Q_OBJECT
public:
    explicit AuditFilterModel(QObject *parent = nullptr);

    void setQuery(const AuditQuery &query);
    const AuditQuery &query() const { return m_query; }
    // Case-insensitive; matches actor, method, resource, summary, peer or error.
    void setSearchText(const QString &text);
    const QString &searchText() const { return m_search; }

protected:
    bool filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const override;

private:
    AuditQuery m_query;
    QString m_search;
};

} // namespace aegis::console
