#pragma once

#include "models/instance_selector.h"

#include <QSortFilterProxyModel>

namespace aegis::console {

// Narrows an InstanceModel to one service (or all) and a label selector, locally, as rows come
// and go; sorts by InstanceModel::SortRole.
class InstanceFilterModel final : public QSortFilterProxyModel {
    Q_OBJECT
public:
    explicit InstanceFilterModel(QObject *parent = nullptr);

    // Empty: every service.
    void setService(const QString &service);
    const QString &service() const { return m_service; }
    void setSelector(const InstanceSelector &selector);
    const InstanceSelector &selector() const { return m_selector; }

protected:
    bool filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const override;

private:
    QString m_service;
    InstanceSelector m_selector;
};

} // namespace aegis::console
