#include "models/instance_filter_model.h"

#include "models/instance_model.h"

namespace aegis::console {

InstanceFilterModel::InstanceFilterModel(QObject *parent)
    : QSortFilterProxyModel(parent) {
    setSortRole(InstanceModel::SortRole);
    setDynamicSortFilter(true);
}

void InstanceFilterModel::setService(const QString &service) {
    if (service == m_service) {
        return;
    }
    m_service = service;
    invalidateRowsFilter();
}

void InstanceFilterModel::setSelector(const InstanceSelector &selector) {
    if (selector.text() == m_selector.text()) {
        return;
    }
    m_selector = selector;
    invalidateRowsFilter();
}

void InstanceFilterModel::setProblemsOnly(bool problemsOnly) {
    if (problemsOnly == m_problemsOnly) {
        return;
    }
    m_problemsOnly = problemsOnly;
    invalidateRowsFilter();
}

bool InstanceFilterModel::filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const {
    const QModelIndex index = sourceModel()->index(sourceRow, 0, sourceParent);
    const auto instance = index.data(InstanceModel::InstanceRole).value<ServiceInstance>();
    if (!m_service.isEmpty() && instance.service != m_service) {
        return false;
    }
    if (m_problemsOnly && !isProblemInstance(instance)) {
        return false;
    }
    return m_selector.matches(instance.labels);
}

} // namespace aegis::console
