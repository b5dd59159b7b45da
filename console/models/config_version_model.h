#pragma once

#include "net/api_types.h"

#include <QAbstractTableModel>

namespace aegis::console {

// One item's history, newest first: number, kind, author, time and comment of each version.
// Listing the same item again inserts the versions published since at the top and leaves the
// rest (versions are immutable); another item replaces the list.
class ConfigVersionModel final : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column { VersionColumn, KindColumn, AuthorColumn, TimeColumn, CommentColumn, ColumnCount };
    enum Role { VersionNumberRole = Qt::UserRole + 1, VersionRole };

    explicit ConfigVersionModel(QObject *parent = nullptr);

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

    const ConfigItemRef &ref() const { return m_ref; }
    void setVersions(const ConfigItemRef &ref, const QList<ConfigVersion> &versions);
    void clear();
    const ConfigVersion &versionAt(int row) const { return m_versions.at(row); }
    // The row of version `number`, or -1.
    int rowOf(qint64 number) const;
    // The published version the item had when listed (the newest that is not a gray one).
    qint64 publishedVersion() const;

private:
    ConfigItemRef m_ref;
    QList<ConfigVersion> m_versions;
};

} // namespace aegis::console
