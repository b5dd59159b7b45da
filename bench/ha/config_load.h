#pragma once

// The configuration center's measures against any aegisd, single or replicated: durable
// publishes/s and publish → N watchers delivery. bench/config measures the single daemon in more
// detail; these take the daemons from the caller so one run can set a replicated control plane
// beside a single one.

#include "closed_loop_load.h"

#include <chrono>
#include <string>
#include <vector>

namespace aegis::bench::ha {

// Where the load goes: an address as makeChannels() takes it (a list spreads calls over
// replicas), an admin token, and the processes whose CPU counts as the server's.
struct Endpoint {
    std::string address;
    std::string adminToken;
    std::vector<int> serverPids;
};

struct PublishResult {
    LoadResult load;
    double serverCores = 0;
};

struct DeliveryResult {
    int watchers = 0;
    int opened = 0;
    std::size_t deliveries = 0;
    std::size_t missing = 0;
    // From the start of PublishConfig to the arrival at each watcher, in ms.
    double p50 = 0;
    double p99 = 0;
    double max = 0;
    double publishP50 = 0;
};

// PublishConfig with `concurrency` outstanding, each a new version of its own key (durable and
// audited), counted over `window` after `warmup`.
PublishResult measurePublishes(const Endpoint &endpoint, int concurrency,
                               std::chrono::milliseconds warmup, std::chrono::milliseconds window);
// `watchers` WatchConfig calls of one item over `channels` connections, then `publishes` rounds,
// each timed until every watcher has it (or 30 s passed).
DeliveryResult measureDelivery(const Endpoint &endpoint, int watchers, int publishes, int channels);

// The CPU seconds the processes used so far (those that are gone count 0).
double cpuSeconds(const std::vector<int> &pids);

} // namespace aegis::bench::ha
