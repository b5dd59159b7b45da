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
#include <unordered_map>
#include <utility>

namespace aegis::registry {

// The registry's figures on aegisd's /metrics (Registry::exportMetrics()):
//   aegis_registry_instances{service,state}     instances registered now; a service's three
//                                               states (serving, draining, maintenance) appear
//                                               together, at zero, with its first instance
//   aegis_registry_registrations_total          successful RegisterInstance calls (new or again)
//   aegis_registry_lease_expiries_total         leases that expired (their instances removed)
//   aegis_instance_healthy{service,instance}    1 while an instance is routable by its health,
//                                               0 while it is critical or ejected
//   aegis_service_latency_threshold_seconds{service}
//                                               the p99 latency the default alert rule allows:
//                                               the smallest `alert.latency_p99_seconds` in the
//                                               metadata of the service's instances, default 1
// Thread-safe.
class RegistryMetrics {
public:
    explicit RegistryMetrics(prometheus::Registry &registry);

    // `delta` instances of `service` entered (+1) or left (-1) `state`.
    void instancesChanged(const std::string &service, InstanceState state, int delta);
    // An instance entered the cache (new or changed) / left it.
    void instanceSeen(const Instance &instance);
    void instanceGone(const std::string &service, const std::string &id);
    void registered();
    void leasesExpired(std::size_t count);

    // The metadata key an instance sets its service's latency threshold with.
    static constexpr const char *kLatencyThresholdKey = "alert.latency_p99_seconds";
    static constexpr double kDefaultLatencyThreshold = 1.0;

private:
    struct ServiceFigures {
        std::size_t instances = 0;
        // By instance id: the thresholds its instances ask for.
        std::map<std::string, double> thresholds;
        prometheus::Gauge *threshold = nullptr;
    };
    void setThreshold(const std::string &service, ServiceFigures &figures);

    prometheus::Family<prometheus::Gauge> &m_instances;
    prometheus::Counter &m_registrations;
    prometheus::Counter &m_leaseExpiries;
    prometheus::Family<prometheus::Gauge> &m_healthy;
    prometheus::Family<prometheus::Gauge> &m_latencyThresholds;
    std::mutex m_mutex;
    std::map<std::pair<std::string, InstanceState>, prometheus::Gauge *> m_gauges;
    std::map<std::string, ServiceFigures> m_services;
    struct ServiceAndIdHash {
        std::size_t operator()(const std::pair<std::string, std::string> &key) const {
            const std::hash<std::string> hash;
            return hash(key.first) * 31 + hash(key.second);
        }
    };
    // By (service, instance id); hashed, as it is looked up on every registration and change.
    std::unordered_map<std::pair<std::string, std::string>, prometheus::Gauge *, ServiceAndIdHash>
        m_healthyGauges;
};

} // namespace aegis::registry
