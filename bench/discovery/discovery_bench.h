#pragma once

// The four discovery measures, identical for every DiscoveryTarget: registrations/s, renewals/s
// over streams, watch fan-out latency and memory per watcher.

#include "target.h"

#include <chrono>
#include <cstdint>
#include <string>

namespace aegis::bench::discovery {

struct DiscoveryOptions {
    // Registrations: a closed loop with this many calls outstanding over `channels` connections.
    int registerConcurrency = 64;
    int registerChannels = 4;
    std::chrono::milliseconds warmup{2000};
    std::chrono::milliseconds window{5000};
    // Renewals: `leases` leases renewed round-robin over `renewStreams` streams (one connection
    // each), `renewDepth` requests unanswered per stream.
    int leases = 1000;
    int renewStreams = 4;
    int renewDepth = 64;
    // Watch fan-out: watchers spread over `watchChannels` connections; `watchRepeats`
    // registrations, each waited for until every watcher has it or `deliveryTimeout` passed.
    int watchChannels = 16;
    int watchRepeats = 20;
    std::chrono::milliseconds deliveryTimeout{5000};
};

struct ThroughputResult {
    std::string system;
    double perSecond = 0;
    double p50Ms = 0;
    double p99Ms = 0;
    std::uint64_t failed = 0;
    std::string firstError;
    double serverCores = 0;
    double benchCores = 0;
};

ThroughputResult measureRegistrations(DiscoveryTarget &target, const DiscoveryOptions &options);
ThroughputResult measureRenewals(DiscoveryTarget &target, const DiscoveryOptions &options);
// measureFanout() with the options' watch settings: registrations of the watched service.
WatchResult measureWatch(DiscoveryTarget &target, int watchers, const DiscoveryOptions &options);

} // namespace aegis::bench::discovery
