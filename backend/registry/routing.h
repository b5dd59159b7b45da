#pragma once

#include "registry/registry_types.h"

#include <cstdint>
#include <map>
#include <string>
#include <vector>

// Who gets traffic within a service: routability (health and panic) and traffic weights (a
// TrafficPolicy's shares). Pure functions of the instances, so they are tested without a store.
namespace aegis::registry {

// Each policy group's (label value's) routable, serving weight.
using GroupWeights = std::map<std::string, std::int64_t>;

// Adds `instance`'s weight to its group's routable weight (nothing when `policy` is null, does
// not cover the instance, or the instance is not routable and serving).
void addToGroup(const TrafficPolicy *policy, const Instance &instance, GroupWeights &groupWeight);

// The traffic weight of `instance` under `policy` (null: none), given each group's routable
// weight: a group's share (percent) is share * 100 weight units divided among its routable
// instances by their weights, so the split holds whatever the groups' sizes. An instance the
// policy does not cover keeps its weight; an unroutable one gets what it would have if it were
// routable again.
std::int32_t trafficWeight(const TrafficPolicy *policy, const Instance &instance,
                           const GroupWeights &groupWeight);

struct ServiceRouting {
    // More than the panic threshold of the instances is unhealthy.
    bool panic = false;
    // The instances given, in the same order, with `routable` and `trafficWeight` set.
    std::vector<Instance> instances;
};

// Routes one service's instances, their health as given: a healthy instance is routable, and
// every one while the service is in panic (see inPanic()); traffic weights follow `policy`
// (null: none) over the routable instances.
ServiceRouting routeService(std::vector<Instance> instances, double panicThreshold,
                            const TrafficPolicy *policy);

} // namespace aegis::registry
