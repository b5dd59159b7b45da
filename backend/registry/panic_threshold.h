#pragma once

#include <cstddef>
#include <vector>

namespace aegis::registry {

// Panic threshold (Envoy's panic mode, Nacos's protect threshold): when more than `threshold`
// (a share, 0..1) of a service's instances are unhealthy, the failure is more likely in the
// checking than in the instances, and sending all traffic to the few left would overload them.
// True when callers should be given every instance. An empty service is never in panic; a
// threshold of 1 or more disables it.
bool inPanic(std::size_t total, std::size_t unhealthy, double threshold);

struct InstanceSelection {
    std::vector<std::size_t> indices; // into the instances given
    bool panic = false;
};

// Chooses the instances to hand to callers: the healthy ones, or all of them in panic.
// `healthy[i]` tells whether instance i is healthy (not critical, not ejected).
InstanceSelection selectInstances(const std::vector<bool> &healthy, double threshold);

} // namespace aegis::registry
