#include "registry/registry_metrics.h"

namespace aegis::registry {
namespace {

constexpr InstanceState kStates[] = {InstanceState::Serving, InstanceState::Draining,
                                     InstanceState::Maintenance};

const char *stateLabel(InstanceState state) {
    switch (state) {
    case InstanceState::Serving:
        return "serving";
    case InstanceState::Draining:
        return "draining";
    case InstanceState::Maintenance:
        return "maintenance";
    case InstanceState::Unspecified:
        break;
    }
    return "unspecified";
}

} // namespace

RegistryMetrics::RegistryMetrics(prometheus::Registry &registry)
    : m_instances(prometheus::BuildGauge()
                      .Name("aegis_registry_instances")
                      .Help("Instances registered, by service and state.")
                      .Register(registry))
    , m_registrations(prometheus::BuildCounter()
                          .Name("aegis_registry_registrations_total")
                          .Help("Instances registered (new or registered again).")
                          .Register(registry)
                          .Add({}))
    , m_leaseExpiries(prometheus::BuildCounter()
                          .Name("aegis_registry_lease_expiries_total")
                          .Help("Leases that expired, their instances removed with them.")
                          .Register(registry)
                          .Add({})) {}

void RegistryMetrics::instancesChanged(const std::string &service, InstanceState state, int delta) {
    std::lock_guard lock(m_mutex);
    if (!m_gauges.contains({service, InstanceState::Serving})) {
        for (const InstanceState known : kStates) {
            m_gauges[{service, known}] =
                &m_instances.Add({{"service", service}, {"state", stateLabel(known)}});
        }
    }
    auto &gauge = m_gauges[{service, state}];
    if (gauge == nullptr) {
        gauge = &m_instances.Add({{"service", service}, {"state", stateLabel(state)}});
    }
    gauge->Increment(delta);
}

void RegistryMetrics::registered() {
    m_registrations.Increment();
}

void RegistryMetrics::leasesExpired(std::size_t count) {
    m_leaseExpiries.Increment(static_cast<double>(count));
}

} // namespace aegis::registry
