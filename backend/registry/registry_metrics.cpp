#include "registry/registry_metrics.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>

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
                          .Add({}))
    , m_healthy(prometheus::BuildGauge()
                    .Name("aegis_instance_healthy")
                    .Help("1 while an instance is routable by its health, 0 while it is critical "
                          "or ejected.")
                    .Register(registry))
    , m_latencyThresholds(
          prometheus::BuildGauge()
              .Name("aegis_service_latency_threshold_seconds")
              .Help("The p99 latency a service's default alert rule allows (instance metadata "
                    "alert.latency_p99_seconds, default 1).")
              .Register(registry)) {}

void RegistryMetrics::instanceSeen(const Instance &instance) {
    std::lock_guard lock(m_mutex);
    auto &gauge = m_healthyGauges[{instance.service, instance.id}];
    if (gauge == nullptr) {
        gauge = &m_healthy.Add({{"service", instance.service}, {"instance", instance.id}});
        ++m_services[instance.service].instances;
    }
    gauge->Set(instance.health.isUnhealthy() ? 0 : 1);
    ServiceFigures &figures = m_services[instance.service];
    figures.thresholds.erase(instance.id);
    if (const auto wanted = instance.metadata.find(kLatencyThresholdKey);
        wanted != instance.metadata.end()) {
        char *end = nullptr;
        const double seconds = std::strtod(wanted->second.c_str(), &end);
        if (end != wanted->second.c_str() && *end == '\0' && seconds > 0 &&
            std::isfinite(seconds)) {
            figures.thresholds[instance.id] = seconds;
        }
    }
    setThreshold(instance.service, figures);
}

void RegistryMetrics::instanceGone(const std::string &service, const std::string &id) {
    std::lock_guard lock(m_mutex);
    const auto gauge = m_healthyGauges.find({service, id});
    if (gauge == m_healthyGauges.end()) {
        return;
    }
    m_healthy.Remove(gauge->second);
    m_healthyGauges.erase(gauge);
    ServiceFigures &figures = m_services[service];
    figures.thresholds.erase(id);
    if (--figures.instances == 0) {
        if (figures.threshold != nullptr) {
            m_latencyThresholds.Remove(figures.threshold);
        }
        m_services.erase(service);
        return;
    }
    setThreshold(service, figures);
}

void RegistryMetrics::setThreshold(const std::string &service, ServiceFigures &figures) {
    if (figures.threshold == nullptr) {
        figures.threshold = &m_latencyThresholds.Add({{"service", service}});
    }
    double seconds = kDefaultLatencyThreshold;
    if (!figures.thresholds.empty()) {
        seconds = std::min_element(figures.thresholds.begin(), figures.thresholds.end(),
                                   [](const auto &a, const auto &b) { return a.second < b.second; })
                      ->second;
    }
    figures.threshold->Set(seconds);
}

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
