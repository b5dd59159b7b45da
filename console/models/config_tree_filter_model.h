#pragma once

#include <QSortFilterProxyModel>

namespace aegis::console {

// The config tree narrowed by the Config page's search box: a node is shown when its path
// ("ns/group/key") contains every word of the search (case-insensitive), or when one of its
// descendants or ancestors does, so a matching group shows all its keys and a matching key keeps
// its group and namespace.
class ConfigTreeFilterModel final : public QSortFilterProxyModel {
    Q_OBJECT
public:
    explicit ConfigTreeFilterModel(QObject *parent = nullptr);

    void setSearchText(const QString &text);
    QString searchText() const { return m_words.join(QLatin1Char(' ')); }

protected:
    bool filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const override;

private:
    QStringList m_words;
};

} // namespace aegis::console
