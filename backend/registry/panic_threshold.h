#pragma once

#include <cstddef>

namespace aegis::registry {

// Panic threshold (Envoy's panic mode, Nacos's protect threshold): when more than `threshold`
// (a share, 0..1) of a service's instances are unhealthy, the failure is more likely in the
// checking than in the instances, and sending all traffic to the few left would overload them.
// True when callers should be given every instance. An empty service is never in panic; a
// threshold of 1 or more disables it.
bool inPanic(std::size_t total, std::size_t unhealthy, double threshold);

} // namespace aegis::registry
