#include "rollout/registry_instance_source.h"

namespace aegis::rollout {

StatusOr<std::vector<SourceInstance>>
RegistryInstanceSource::instances(const std::string &service) const {
    registry::InstanceQuery query;
    query.service = service;
    query.includeUnroutable = true;
    query.pageSize = 100000;
    auto page = m_registry.listInstances(query);
    if (!page) {
        return page.status();
    }
    std::vector<SourceInstance> result;
    result.reserve(page->items.size());
    for (const registry::Instance &instance : page->items) {
        const registry::InstanceHealth &health = instance.health;
        SourceInstance out;
        out.id = instance.id;
        out.address = instance.address;
        out.labels = instance.labels;
        out.routable = instance.routable;
        out.serving = instance.state == registry::InstanceState::Serving;
        out.passing = health.checked ? health.status == registry::HealthStatus::Passing : true;
        out.critical = health.status == registry::HealthStatus::Critical;
        out.ejected = health.ejected;
        out.healthOutput = health.output;
        result.push_back(std::move(out));
    }
    return result;
}

} // namespace aegis::rollout
