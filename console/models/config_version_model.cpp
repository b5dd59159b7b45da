#include "models/config_version_model.h"

#include "models/display_format.h"
#include "models/display_names.h"

namespace aegis::console {

ConfigVersionModel::ConfigVersionModel(QObject *parent)
    : QAbstractTableModel(parent) {}

int ConfigVersionModel::rowCount(const QModelIndex &parent) const {
    return parent.isValid() ? 0 : static_cast<int>(m_versions.size());
}

int ConfigVersionModel::columnCount(const QModelIndex &parent) const {
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant ConfigVersionModel::data(const QModelIndex &index, int role) const {
    if (!index.isValid() || index.row() >= m_versions.size()) {
        return {};
    }
    const ConfigVersion &version = m_versions.at(index.row());
    switch (role) {
    case Qt::DisplayRole:
        switch (index.column()) {
        case VersionColumn:
            return QStringLiteral("v%1").arg(version.version);
        case KindColumn:
            if (version.kind == ConfigVersionKind::Rollback && version.restores > 0) {
                return tr("rollback to v%1").arg(version.restores);
            }
            if (version.kind == ConfigVersionKind::Promotion && version.restores > 0) {
                return tr("promotion of v%1").arg(version.restores);
            }
            return configVersionKindName(version.kind);
        case AuthorColumn:
            return version.author;
        case TimeColumn:
            return absoluteTime(version.time);
        case CommentColumn:
            return version.comment;
        default:
            return {};
        }
    case Qt::ToolTipRole:
        return index.column() == CommentColumn ? version.comment : QVariant();
    case VersionNumberRole:
        return version.version;
    case VersionRole:
        return QVariant::fromValue(version);
    default:
        return {};
    }
}

QVariant ConfigVersionModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole) {
        return {};
    }
    switch (section) {
    case VersionColumn:
        return tr("Version");
    case KindColumn:
        return tr("Kind");
    case AuthorColumn:
        return tr("Author");
    case TimeColumn:
        return tr("Time");
    case CommentColumn:
        return tr("Comment");
    default:
        return {};
    }
}

void ConfigVersionModel::setVersions(const ConfigItemRef &ref,
                                     const QList<ConfigVersion> &versions) {
    if (!(ref == m_ref) || m_versions.isEmpty()) {
        beginResetModel();
        m_ref = ref;
        m_versions = versions;
        endResetModel();
        return;
    }
    const qint64 newest = m_versions.first().version;
    int added = 0;
    while (added < versions.size() && versions.at(added).version > newest) {
        ++added;
    }
    if (added > 0) {
        beginInsertRows({}, 0, added - 1);
        m_versions = versions.mid(0, added) + m_versions;
        endInsertRows();
    }
    // Older pages than the one held are appended (paging through history).
    const qint64 oldest = m_versions.last().version;
    QList<ConfigVersion> older;
    for (const ConfigVersion &version : versions) {
        if (version.version < oldest) {
            older.append(version);
        }
    }
    if (!older.isEmpty()) {
        const int first = static_cast<int>(m_versions.size());
        beginInsertRows({}, first, first + static_cast<int>(older.size()) - 1);
        m_versions += older;
        endInsertRows();
    }
}

void ConfigVersionModel::clear() {
    beginResetModel();
    m_ref = {};
    m_versions.clear();
    endResetModel();
}

int ConfigVersionModel::rowOf(qint64 number) const {
    for (int row = 0; row < m_versions.size(); ++row) {
        if (m_versions.at(row).version == number) {
            return row;
        }
    }
    return -1;
}

qint64 ConfigVersionModel::publishedVersion() const {
    for (const ConfigVersion &version : m_versions) {
        if (version.kind != ConfigVersionKind::Gray) {
            return version.version;
        }
    }
    return 0;
}

} // namespace aegis::console
