#pragma once

#include "registry/registry.h"
#include "rollout/instance_source.h"

namespace aegis::rollout {

// The registry as the controller's instance source.
class RegistryInstanceSource final : public InstanceSource {
public:
    explicit RegistryInstanceSource(const registry::Registry &registry)
        : m_registry(registry) {}

    StatusOr<std::vector<SourceInstance>> instances(const std::string &service) const override;

private:
    const registry::Registry &m_registry;
};

} // namespace aegis::rollout
