#include "models/config_tree_filter_model.h"

#include "models/config_tree_model.h"

#include <algorithm>

namespace aegis::console {

ConfigTreeFilterModel::ConfigTreeFilterModel(QObject *parent)
    : QSortFilterProxyModel(parent) {
    setRecursiveFilteringEnabled(true);
    setAutoAcceptChildRows(true);
}

void ConfigTreeFilterModel::setSearchText(const QString &text) {
    const QStringList words = text.simplified().split(QLatin1Char(' '), Qt::SkipEmptyParts);
    if (words == m_words) {
        return;
    }
    m_words = words;
    invalidateFilter();
}

bool ConfigTreeFilterModel::filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const {
    if (m_words.isEmpty()) {
        return true;
    }
    const QString path =
        sourceModel()->index(sourceRow, 0, sourceParent).data(ConfigTreeModel::PathRole).toString();
    return std::all_of(m_words.cbegin(), m_words.cend(), [&path](const QString &word) {
        return path.contains(word, Qt::CaseInsensitive);
    });
}

} // namespace aegis::console
