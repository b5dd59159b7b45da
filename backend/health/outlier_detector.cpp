#include "health/outlier_detector.h"

#include <algorithm>
#include <cmath>
#include <set>

namespace aegis::health {

OutlierDetector::OutlierDetector(OutlierDetectorOptions options, ClockPtr clock)
    : m_options(options)
    , m_clock(std::move(clock)) {
    m_options.consecutiveFailures = std::max(1u, m_options.consecutiveFailures);
    m_options.maxEjectedShare = std::clamp(m_options.maxEjectedShare, 0.0, 1.0);
}

void OutlierDetector::setInstances(const std::string &service,
                                   const std::vector<std::string> &instanceIds) {
    std::lock_guard lock(m_mutex);
    Service &instances = m_services[service];
    const std::set<std::string, std::less<>> wanted(instanceIds.begin(), instanceIds.end());
    std::erase_if(instances, [&](const auto &entry) { return !wanted.contains(entry.first); });
    for (const auto &id : wanted) {
        instances.try_emplace(id);
    }
}

bool OutlierDetector::refresh(Instance &instance, std::chrono::steady_clock::time_point now) const {
    if (instance.ejected && now >= instance.ejectedUntil) {
        instance.ejected = false;
        instance.consecutiveFailures = 0;
    }
    return instance.ejected;
}

std::size_t OutlierDetector::ejectedCount(Service &service,
                                          std::chrono::steady_clock::time_point now) const {
    std::size_t count = 0;
    for (auto &[id, instance] : service) {
        count += refresh(instance, now) ? 1 : 0;
    }
    return count;
}

bool OutlierDetector::recordOutcome(const std::string &service, const std::string &instanceId,
                                    bool success) {
    const auto now = m_clock->steadyNow();
    std::lock_guard lock(m_mutex);
    Service &instances = m_services[service];
    Instance &instance = instances[instanceId];
    if (refresh(instance, now)) {
        return false; // calls that still reach an ejected instance do not extend its ejection
    }
    if (success) {
        instance.consecutiveFailures = 0;
        return false;
    }
    if (++instance.consecutiveFailures < m_options.consecutiveFailures) {
        return false;
    }
    // At least one of two or more: else a service of fewer than 1/share instances could never
    // eject a failing one (a 10 % share would protect every service below ten instances).
    const auto byShare = static_cast<std::size_t>(
        std::floor(m_options.maxEjectedShare * static_cast<double>(instances.size())));
    const std::size_t allowed = m_options.maxEjectedShare > 0 && instances.size() >= 2
                                    ? std::max<std::size_t>(1, byShare)
                                    : byShare;
    if (ejectedCount(instances, now) >= allowed) {
        return false; // keeps counting; it is ejected on its next failure once there is room
    }
    ++instance.ejections;
    const auto duration =
        std::min(m_options.baseEjectionTime * instance.ejections, m_options.maxEjectionTime);
    instance.ejected = true;
    instance.ejectedUntil = now + duration;
    return true;
}

bool OutlierDetector::isEjected(const std::string &service, const std::string &instanceId) {
    const auto now = m_clock->steadyNow();
    std::lock_guard lock(m_mutex);
    auto serviceIt = m_services.find(service);
    if (serviceIt == m_services.end()) {
        return false;
    }
    auto it = serviceIt->second.find(instanceId);
    return it != serviceIt->second.end() && refresh(it->second, now);
}

std::vector<std::string> OutlierDetector::ejectedInstances(const std::string &service) {
    const auto now = m_clock->steadyNow();
    std::lock_guard lock(m_mutex);
    std::vector<std::string> ejected;
    auto serviceIt = m_services.find(service);
    if (serviceIt != m_services.end()) {
        for (auto &[id, instance] : serviceIt->second) {
            if (refresh(instance, now)) {
                ejected.push_back(id);
            }
        }
    }
    return ejected;
}

std::vector<std::string> OutlierDetector::sweep() {
    const auto now = m_clock->steadyNow();
    std::lock_guard lock(m_mutex);
    std::vector<std::string> ended;
    for (auto &[serviceName, instances] : m_services) {
        for (auto &[id, instance] : instances) {
            if (instance.ejected && !refresh(instance, now)) {
                ended.push_back(serviceName + "/" + id);
            }
        }
    }
    return ended;
}

unsigned OutlierDetector::ejectionCount(const std::string &service,
                                        const std::string &instanceId) const {
    std::lock_guard lock(m_mutex);
    auto serviceIt = m_services.find(service);
    if (serviceIt == m_services.end()) {
        return 0;
    }
    auto it = serviceIt->second.find(instanceId);
    return it == serviceIt->second.end() ? 0 : it->second.ejections;
}

OutlierDetector::InstanceState OutlierDetector::state(const std::string &service,
                                                      const std::string &instanceId) {
    const auto now = m_clock->steadyNow();
    std::lock_guard lock(m_mutex);
    auto serviceIt = m_services.find(service);
    if (serviceIt == m_services.end()) {
        return {};
    }
    auto it = serviceIt->second.find(instanceId);
    if (it == serviceIt->second.end()) {
        return {};
    }
    Instance &instance = it->second;
    const bool ejected = refresh(instance, now);
    return {ejected, instance.ejectedUntil, instance.ejections, instance.consecutiveFailures};
}

} // namespace aegis::health
