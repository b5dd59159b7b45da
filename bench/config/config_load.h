#pragma once

// The configuration center's measures against any aegisd, single or replicated: durable
// publishes/s, reads/s and publish → N watchers delivery. aegis-bench-config runs them on one
// daemon; aegis-bench-ha on a replicated control plane beside a single one.

#include "closed_loop_load.h"

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace aegis::bench::config {

// Where the load goes: an address as makeChannels() takes it (a list spreads calls over
// replicas), an admin token, the processes whose CPU and memory count as the server's, and the
// HTTP address of a daemon whose /metrics gives its own delivery figures ("" for none).
struct Endpoint {
    std::string address;
    std::string adminToken;
    std::vector<int> serverPids;
    std::string metricsAddress;
};

struct ThroughputResult {
    LoadResult load;
    double serverCores = 0;
};

// PublishConfig with `concurrency` outstanding over 4 connections, each a new version of its own
// key (durable and audited), counted over `window` after `warmup`.
ThroughputResult measurePublishes(const Endpoint &endpoint, int concurrency,
                                  std::chrono::milliseconds warmup,
                                  std::chrono::milliseconds window);
// GetConfigItem of `concurrency` keys, one outstanding each, as measurePublishes().
ThroughputResult measureReads(const Endpoint &endpoint, int concurrency,
                              std::chrono::milliseconds warmup, std::chrono::milliseconds window);

struct DeliveryResult {
    int watchers = 0;
    // Watchers that received their snapshot within 120 s; the rounds wait for these.
    int opened = 0;
    int publishes = 0;
    std::size_t deliveries = 0;
    std::size_t missing = 0;
    // From the start of PublishConfig to the arrival at each watcher, in ms.
    double p50 = 0;
    double p99 = 0;
    double max = 0;
    // The same from the moment PublishConfig returned (the change durable): the fan-out alone.
    double ackP50 = 0;
    double ackP99 = 0;
    double ackMax = 0;
    double publishP50 = 0;
    double publishMax = 0;
    // Over the rounds: the server's CPU, its CPU and this benchmark's (the watchers' reads) per
    // delivery, and its memory at the end of them (watchers still open).
    double serverCores = 0;
    double serverUsPerDelivery = 0;
    double benchUsPerDelivery = 0;
    std::int64_t serverRssKib = 0;
    // aegisd's own figure, commit to each stream's write completing (bucket bounds of its
    // aegis_watch_delivery_seconds over the rounds); -1 without a metricsAddress.
    double serverP50 = -1;
    double serverP99 = -1;
};

// `watchers` WatchConfig calls of one item over `channels` connections but one (that one
// publishes), then `publishes` rounds, each timed until every opened watcher has it (or 30 s
// passed). `progress` is told of each step.
DeliveryResult measureDelivery(const Endpoint &endpoint, int watchers, int publishes, int channels,
                               const std::function<void(const std::string &)> &progress = {});

// The CPU seconds the processes used so far (those that are gone count 0).
double cpuSeconds(const std::vector<int> &pids);

} // namespace aegis::bench::config
