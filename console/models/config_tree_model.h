#pragma once

#include "net/api_types.h"

#include <QAbstractItemModel>

#include <memory>
#include <vector>

namespace aegis::console {

// The config center as a tree: namespaces, their groups, and the groups' keys (items), each
// sorted by name. Fed by ListNamespaces and ListConfigItems, then kept live by the namespace's
// WatchConfig events and by the items calls return; every change is applied node by node
// (inserts, removals, dataChanged), never by a reset, so selection and expansion stay. Items are
// held without their content: the editor fetches that itself.
class ConfigTreeModel final : public QAbstractItemModel {
    Q_OBJECT
public:
    enum Column { NameColumn, VersionColumn, ColumnCount };
    enum class NodeKind { Namespace, Group, Key };
    enum Role {
        // NodeKind as int.
        NodeKindRole = Qt::UserRole + 1,
        // ConfigItemRef: namespace alone, namespace and group, or all three.
        RefRole,
        // ConfigItem (keys only).
        ItemRole,
        // "ns/group/key", what the search matches against.
        PathRole,
        // The number of keys at and below the node.
        ItemCountRole,
        // bool: the key holds an edit that is not published (see setEditedItem).
        EditedRole,
    };

    explicit ConfigTreeModel(QObject *parent = nullptr);
    ~ConfigTreeModel() override;

    QModelIndex index(int row, int column, const QModelIndex &parent = {}) const override;
    QModelIndex parent(const QModelIndex &child) const override;
    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

    void clear();
    // Makes the namespaces exactly `namespaces` (their items stay where the namespace does).
    void setNamespaces(const QList<ConfigNamespace> &namespaces);
    // Makes `ns`'s items exactly `items` (a full listing or a watch snapshot), adding the
    // namespace if it is new.
    void syncNamespace(const QString &ns, const QList<ConfigItem> &items);
    // Adds or updates one item (what GetConfigItem or a publish returned).
    void upsertItem(const ConfigItem &item);
    // Applies watch events: a put adds the item or updates its version, a delete removes it.
    void applyEvents(const QList<ConfigChangeEvent> &events);
    // A watch snapshot: `ns`'s items are exactly the events' (puts), the rest are removed.
    void applySnapshot(const QString &ns, const QList<ConfigChangeEvent> &events);
    void removeItem(const ConfigItemRef &ref);

    // The node of `ref` (a namespace, group or key, by how much of it is set); invalid if absent.
    QModelIndex indexOf(const ConfigItemRef &ref) const;
    // The item at a key's index, or nullptr (not a key, or invalid).
    const ConfigItem *itemAt(const QModelIndex &index) const;
    QStringList namespaceNames() const;
    int itemCount() const;

    // Marks the key `ref` as holding an unpublished edit (an invalid ref: none): its name is shown
    // in italics and its version column says "edited", so the edit shows from anywhere in the tree.
    void setEditedItem(const ConfigItemRef &ref);
    const ConfigItemRef &editedItem() const { return m_edited; }

private:
    struct Node;

    Node *nodeOf(const QModelIndex &index) const;
    QModelIndex indexOfNode(const Node *node, int column = 0) const;
    // The child named `name`, created (with its insert signals) when `create` and absent.
    Node *child(Node *parent, NodeKind kind, const QString &name, bool create);
    void removeChild(Node *parent, int row);
    void changed(const Node *node);
    // Removes a group left without keys.
    void pruneGroup(Node *group);

    std::unique_ptr<Node> m_root;
    ConfigItemRef m_edited;
};

} // namespace aegis::console
