#pragma once

#include "registry/registry_types.h"

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include <cstddef>
#include <map>
#include <mutex>
#include <string>
#include <utility>

namespace aegis::registry {

// The registry's figures on aegisd's /metrics (Registry::exportMetrics()):
//   aegis_registry_instances{service,state}     instances registered now; a service's three
//                                               states (serving, draining, maintenance) appear
//                                               together, at zero, with its first instance
//   aegis_registry_registrations_total          successful RegisterInstance calls (new or again)
//   aegis_registry_lease_expiries_total         leases that expired (their instances removed)
// Thread-safe.
class RegistryMetrics {
public:
    explicit RegistryMetrics(prometheus::Registry &registry);

    // `delta` instances of `service` entered (+1) or left (-1) `state`.
    void instancesChanged(const std::string &service, InstanceState state, int delta);
    void registered();
    void leasesExpired(std::size_t count);

private:
    prometheus::Family<prometheus::Gauge> &m_instances;
    prometheus::Counter &m_registrations;
    prometheus::Counter &m_leaseExpiries;
    std::mutex m_mutex;
    std::map<std::pair<std::string, InstanceState>, prometheus::Gauge *> m_gauges;
};

} // namespace aegis::registry
