#pragma once

#include "models/instance_selector.h"

#include <QSortFilterProxyModel>

namespace aegis::console {

// Narrows an InstanceModel to one service (or all), a label selector and, on request, the
// problems (isProblemInstance), locally, as rows come and go; sorts by InstanceModel::SortRole.
class InstanceFilterModel final : public QSortFilterProxyModel {
    Q_OBJECT
public:
    explicit InstanceFilterModel(QObject *parent = nullptr);

    // Empty: every service.
    void setService(const QString &service);
    const QString &service() const { return m_service; }
    void setSelector(const InstanceSelector &selector);
    const InstanceSelector &selector() const { return m_selector; }
    // Only instances that are a problem (warning, flapping, critical, ejected).
    void setProblemsOnly(bool problemsOnly);
    bool problemsOnly() const { return m_problemsOnly; }

protected:
    bool filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const override;

private:
    QString m_service;
    InstanceSelector m_selector;
    bool m_problemsOnly = false;
};

} // namespace aegis::console
