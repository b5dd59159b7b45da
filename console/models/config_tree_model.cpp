#include "models/config_tree_model.h"

#include "models/display_format.h"
#include "models/display_names.h"

#include <QFont>
#include <QSet>

#include <algorithm>

namespace aegis::console {

struct ConfigTreeModel::Node {
    NodeKind kind = NodeKind::Namespace;
    QString name;
    Node *parent = nullptr; // Not owned.
    std::vector<std::unique_ptr<Node>> children;
    ConfigNamespace settings; // Namespaces.
    ConfigItem item;          // Keys, without content.

    int row() const {
        if (!parent) {
            return 0;
        }
        const auto it = std::find_if(parent->children.cbegin(), parent->children.cend(),
                                     [this](const auto &sibling) { return sibling.get() == this; });
        return static_cast<int>(it - parent->children.cbegin());
    }
    // Where a child named `childName` is, or belongs.
    int lowerBound(const QString &childName) const {
        const auto it = std::lower_bound(
            children.cbegin(), children.cend(), childName,
            [](const auto &node, const QString &name) { return node->name < name; });
        return static_cast<int>(it - children.cbegin());
    }
    int keyCount() const {
        if (kind == NodeKind::Key) {
            return 1;
        }
        int count = 0;
        for (const auto &node : children) {
            count += node->keyCount();
        }
        return count;
    }
};

namespace {

ConfigItem withoutContent(ConfigItem item) {
    item.content.clear();
    item.hasContent = false;
    return item;
}

} // namespace

ConfigTreeModel::ConfigTreeModel(QObject *parent)
    : QAbstractItemModel(parent)
    , m_root(std::make_unique<Node>()) {}

ConfigTreeModel::~ConfigTreeModel() = default;

ConfigTreeModel::Node *ConfigTreeModel::nodeOf(const QModelIndex &index) const {
    return index.isValid() ? static_cast<Node *>(index.internalPointer()) : m_root.get();
}

QModelIndex ConfigTreeModel::indexOfNode(const Node *node, int column) const {
    if (!node || node == m_root.get()) {
        return {};
    }
    return createIndex(node->row(), column, const_cast<Node *>(node));
}

QModelIndex ConfigTreeModel::index(int row, int column, const QModelIndex &parent) const {
    if (column < 0 || column >= ColumnCount || (parent.isValid() && parent.column() != 0)) {
        return {};
    }
    const Node *node = nodeOf(parent);
    if (row < 0 || row >= static_cast<int>(node->children.size())) {
        return {};
    }
    return createIndex(row, column, node->children.at(static_cast<std::size_t>(row)).get());
}

QModelIndex ConfigTreeModel::parent(const QModelIndex &child) const {
    if (!child.isValid()) {
        return {};
    }
    return indexOfNode(nodeOf(child)->parent);
}

int ConfigTreeModel::rowCount(const QModelIndex &parent) const {
    if (parent.isValid() && parent.column() != 0) {
        return 0;
    }
    return static_cast<int>(nodeOf(parent)->children.size());
}

int ConfigTreeModel::columnCount(const QModelIndex &) const {
    return ColumnCount;
}

QVariant ConfigTreeModel::data(const QModelIndex &index, int role) const {
    if (!index.isValid()) {
        return {};
    }
    const Node *node = nodeOf(index);
    const ConfigItemRef ref = [node] {
        ConfigItemRef r;
        for (const Node *n = node; n && n->parent; n = n->parent) {
            switch (n->kind) {
            case NodeKind::Namespace:
                r.ns = n->name;
                break;
            case NodeKind::Group:
                r.group = n->name;
                break;
            case NodeKind::Key:
                r.key = n->name;
                break;
            }
        }
        return r;
    }();
    switch (role) {
    case Qt::DisplayRole:
        if (index.column() == NameColumn) {
            return node->name;
        }
        if (node->kind == NodeKind::Key) {
            QString text = QStringLiteral("v%1").arg(node->item.version);
            if (node->item.gray) {
                text += tr(" · gray v%1").arg(node->item.gray->version);
            }
            if (ref == m_edited) {
                text = tr("● edited · %1").arg(text);
            }
            return text;
        }
        return {};
    case EditedRole:
        return node->kind == NodeKind::Key && ref == m_edited;
    case Qt::ToolTipRole:
        if (node->kind == NodeKind::Key) {
            const ConfigItem &item = node->item;
            QString tip = tr("%1\n%2, version %3")
                              .arg(ref.path(), configFormatName(item.format))
                              .arg(item.version);
            if (!item.author.isEmpty()) {
                tip += tr(", published by %1").arg(item.author);
            }
            if (item.updateTime.isValid()) {
                tip += tr(" at %1").arg(absoluteTime(item.updateTime));
            }
            if (item.secret) {
                tip += tr("\nSecret: encrypted at rest, masked for viewers");
            }
            if (item.gray) {
                tip += tr("\nGray release v%1 to %2")
                           .arg(item.gray->version)
                           .arg(item.gray->targetDescription());
            }
            if (ref == m_edited) {
                tip += tr("\nEdited in the editor, not published");
            }
            return tip;
        }
        if (node->kind == NodeKind::Namespace && !node->settings.description.isEmpty()) {
            return node->settings.description;
        }
        return tr("%n item(s)", nullptr, node->keyCount());
    case Qt::FontRole:
        if (node->kind == NodeKind::Key && ref == m_edited) {
            QFont font;
            font.setItalic(true);
            return font;
        }
        if (node->kind == NodeKind::Namespace && index.column() == NameColumn) {
            QFont font;
            font.setBold(true);
            return font;
        }
        return {};
    case Qt::TextAlignmentRole:
        return index.column() == VersionColumn ? QVariant(int(Qt::AlignRight | Qt::AlignVCenter))
                                               : QVariant();
    case NodeKindRole:
        return static_cast<int>(node->kind);
    case RefRole:
        return QVariant::fromValue(ref);
    case ItemRole:
        return node->kind == NodeKind::Key ? QVariant::fromValue(node->item) : QVariant();
    case ItemCountRole:
        return node->keyCount();
    case PathRole: {
        QStringList parts = {ref.ns, ref.group, ref.key};
        parts.removeAll(QString());
        return parts.join(QLatin1Char('/'));
    }
    default:
        return {};
    }
}

QVariant ConfigTreeModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole) {
        return {};
    }
    return section == NameColumn ? tr("Name") : tr("Version");
}

void ConfigTreeModel::clear() {
    if (m_root->children.empty()) {
        return;
    }
    beginRemoveRows({}, 0, static_cast<int>(m_root->children.size()) - 1);
    m_root->children.clear();
    endRemoveRows();
}

ConfigTreeModel::Node *ConfigTreeModel::child(Node *parent, NodeKind kind, const QString &name,
                                              bool create) {
    const int row = parent->lowerBound(name);
    if (row < static_cast<int>(parent->children.size()) &&
        parent->children.at(static_cast<std::size_t>(row))->name == name) {
        return parent->children.at(static_cast<std::size_t>(row)).get();
    }
    if (!create) {
        return nullptr;
    }
    auto node = std::make_unique<Node>();
    node->kind = kind;
    node->name = name;
    node->parent = parent;
    if (kind == NodeKind::Namespace) {
        node->settings.name = name;
    }
    Node *raw = node.get();
    beginInsertRows(indexOfNode(parent), row, row);
    parent->children.insert(parent->children.begin() + row, std::move(node));
    endInsertRows();
    if (parent != m_root.get()) {
        changed(parent);
    }
    return raw;
}

void ConfigTreeModel::removeChild(Node *parent, int row) {
    beginRemoveRows(indexOfNode(parent), row, row);
    parent->children.erase(parent->children.begin() + row);
    endRemoveRows();
    if (parent != m_root.get()) {
        changed(parent);
    }
}

void ConfigTreeModel::changed(const Node *node) {
    // A key's change alters the counts shown by its group and namespace too.
    for (const Node *n = node; n && n != m_root.get(); n = n->parent) {
        emit dataChanged(indexOfNode(n, NameColumn), indexOfNode(n, VersionColumn));
    }
}

void ConfigTreeModel::pruneGroup(Node *group) {
    if (group && group->kind == NodeKind::Group && group->children.empty()) {
        removeChild(group->parent, group->row());
    }
}

void ConfigTreeModel::setNamespaces(const QList<ConfigNamespace> &namespaces) {
    QStringList names;
    for (const ConfigNamespace &settings : namespaces) {
        names.append(settings.name);
        Node *node = child(m_root.get(), NodeKind::Namespace, settings.name, true);
        if (!(node->settings == settings)) {
            node->settings = settings;
            changed(node);
        }
    }
    for (int row = static_cast<int>(m_root->children.size()) - 1; row >= 0; --row) {
        if (!names.contains(m_root->children.at(static_cast<std::size_t>(row))->name)) {
            removeChild(m_root.get(), row);
        }
    }
}

void ConfigTreeModel::syncNamespace(const QString &ns, const QList<ConfigItem> &items) {
    Node *nsNode = child(m_root.get(), NodeKind::Namespace, ns, true);
    QSet<QString> present;
    for (const ConfigItem &item : items) {
        present.insert(item.ref.group + QLatin1Char('/') + item.ref.key);
        upsertItem(item);
    }
    for (int g = static_cast<int>(nsNode->children.size()) - 1; g >= 0; --g) {
        Node *group = nsNode->children.at(static_cast<std::size_t>(g)).get();
        for (int k = static_cast<int>(group->children.size()) - 1; k >= 0; --k) {
            const QString &key = group->children.at(static_cast<std::size_t>(k))->name;
            if (!present.contains(group->name + QLatin1Char('/') + key)) {
                removeChild(group, k);
            }
        }
        pruneGroup(group);
    }
}

void ConfigTreeModel::upsertItem(const ConfigItem &item) {
    if (!item.ref.isValid()) {
        return;
    }
    Node *nsNode = child(m_root.get(), NodeKind::Namespace, item.ref.ns, true);
    Node *group = child(nsNode, NodeKind::Group, item.ref.group, true);
    Node *key = child(group, NodeKind::Key, item.ref.key, false);
    const ConfigItem stored = withoutContent(item);
    if (!key) {
        key = child(group, NodeKind::Key, item.ref.key, true);
        key->item = stored;
        changed(key);
        return;
    }
    if (!(key->item == stored)) {
        key->item = stored;
        changed(key);
    }
}

void ConfigTreeModel::applyEvents(const QList<ConfigChangeEvent> &events) {
    for (const ConfigChangeEvent &event : events) {
        if (event.type == ConfigChangeEvent::Type::Delete) {
            removeItem(event.ref);
            continue;
        }
        const QModelIndex at = indexOf(event.ref);
        if (const ConfigItem *known = itemAt(at)) {
            if (known->version == event.version && known->contentSha256 == event.contentSha256) {
                continue; // Already known (a snapshot repeats what the listing said).
            }
            ConfigItem updated = *known;
            if (updated.version != event.version) {
                // The author and comment are the new version's, not yet known here.
                updated.author.clear();
                updated.comment.clear();
                updated.updateTime = {};
            }
            updated.version = event.version;
            updated.format = event.format;
            updated.contentSha256 = event.contentSha256;
            upsertItem(updated);
            continue;
        }
        ConfigItem item;
        item.ref = event.ref;
        item.format = event.format;
        item.version = event.version;
        item.contentSha256 = event.contentSha256;
        upsertItem(item);
    }
}

void ConfigTreeModel::applySnapshot(const QString &ns, const QList<ConfigChangeEvent> &events) {
    QSet<QString> present;
    for (const ConfigChangeEvent &event : events) {
        present.insert(event.ref.group + QLatin1Char('/') + event.ref.key);
    }
    if (Node *nsNode = child(m_root.get(), NodeKind::Namespace, ns, false)) {
        for (int g = static_cast<int>(nsNode->children.size()) - 1; g >= 0; --g) {
            Node *group = nsNode->children.at(static_cast<std::size_t>(g)).get();
            for (int k = static_cast<int>(group->children.size()) - 1; k >= 0; --k) {
                const QString &key = group->children.at(static_cast<std::size_t>(k))->name;
                if (!present.contains(group->name + QLatin1Char('/') + key)) {
                    removeChild(group, k);
                }
            }
            pruneGroup(group);
        }
    }
    applyEvents(events);
}

void ConfigTreeModel::removeItem(const ConfigItemRef &ref) {
    Node *nsNode = child(m_root.get(), NodeKind::Namespace, ref.ns, false);
    Node *group = nsNode ? child(nsNode, NodeKind::Group, ref.group, false) : nullptr;
    Node *key = group ? child(group, NodeKind::Key, ref.key, false) : nullptr;
    if (!key) {
        return;
    }
    removeChild(group, key->row());
    pruneGroup(group);
}

QModelIndex ConfigTreeModel::indexOf(const ConfigItemRef &ref) const {
    auto *self = const_cast<ConfigTreeModel *>(this);
    Node *node = self->child(m_root.get(), NodeKind::Namespace, ref.ns, false);
    if (node && !ref.group.isEmpty()) {
        node = self->child(node, NodeKind::Group, ref.group, false);
        if (node && !ref.key.isEmpty()) {
            node = self->child(node, NodeKind::Key, ref.key, false);
        }
    }
    return node ? indexOfNode(node) : QModelIndex();
}

const ConfigItem *ConfigTreeModel::itemAt(const QModelIndex &index) const {
    if (!index.isValid() || index.model() != this) {
        return nullptr;
    }
    const Node *node = nodeOf(index);
    return node->kind == NodeKind::Key ? &node->item : nullptr;
}

QStringList ConfigTreeModel::namespaceNames() const {
    QStringList names;
    for (const auto &node : m_root->children) {
        names.append(node->name);
    }
    return names;
}

int ConfigTreeModel::itemCount() const {
    return m_root->keyCount();
}

void ConfigTreeModel::setEditedItem(const ConfigItemRef &ref) {
    if (ref == m_edited) {
        return;
    }
    const ConfigItemRef before = m_edited;
    m_edited = ref;
    for (const ConfigItemRef &changedRef : {before, ref}) {
        const QModelIndex name = changedRef.isValid() ? indexOf(changedRef) : QModelIndex();
        if (name.isValid()) {
            emit dataChanged(name, name.siblingAtColumn(VersionColumn));
        }
    }
}

} // namespace aegis::console
