#include "registry/routing.h"

#include "registry/panic_threshold.h"

#include <algorithm>

namespace aegis::registry {
namespace {

// The label value under which `policy` lists `instance`, or null (not covered).
const std::string *policyGroup(const TrafficPolicy *policy, const Instance &instance) {
    if (policy == nullptr) {
        return nullptr;
    }
    const auto label = instance.labels.find(policy->label);
    return label != instance.labels.end() && policy->shares.count(label->second) != 0
               ? &label->second
               : nullptr;
}

} // namespace

void addToGroup(const TrafficPolicy *policy, const Instance &instance, GroupWeights &groupWeight) {
    if (const std::string *group = policyGroup(policy, instance);
        group && instance.routable && instance.state == InstanceState::Serving) {
        groupWeight[*group] += instance.weight;
    }
}

std::int32_t trafficWeight(const TrafficPolicy *policy, const Instance &instance,
                           const GroupWeights &groupWeight) {
    const std::string *group = policyGroup(policy, instance);
    if (group == nullptr) {
        return instance.weight;
    }
    const int share = policy->shares.at(*group);
    const auto routable = groupWeight.find(*group);
    const bool counted = instance.routable && instance.state == InstanceState::Serving;
    const std::int64_t total =
        (routable == groupWeight.end() ? 0 : routable->second) + (counted ? 0 : instance.weight);
    if (share <= 0 || instance.weight <= 0 || total <= 0) {
        return 0;
    }
    const std::int64_t units = std::int64_t{share} * 100 * instance.weight;
    return static_cast<std::int32_t>(std::max<std::int64_t>(1, (units + total / 2) / total));
}

ServiceRouting routeService(std::vector<Instance> instances, double panicThreshold,
                            const TrafficPolicy *policy) {
    ServiceRouting routing;
    const auto unhealthy = static_cast<std::size_t>(
        std::count_if(instances.begin(), instances.end(),
                      [](const Instance &instance) { return instance.health.isUnhealthy(); }));
    routing.panic = inPanic(instances.size(), unhealthy, panicThreshold);
    GroupWeights groupWeight;
    for (Instance &instance : instances) {
        instance.routable = routing.panic || !instance.health.isUnhealthy();
        addToGroup(policy, instance, groupWeight);
    }
    for (Instance &instance : instances) {
        instance.trafficWeight = trafficWeight(policy, instance, groupWeight);
    }
    routing.instances = std::move(instances);
    return routing;
}

} // namespace aegis::registry
