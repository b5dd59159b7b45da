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

struct WatchResult {
    std::string system;
    int watchers = 0;
    int opened = 0;
    std::uint64_t notified = 0;
    std::uint64_t expected = 0;
    double p50Ms = 0;
    double p99Ms = 0;
    double maxMs = 0;
    // Latency of the registration call itself (answer to the registering client).
    double registerP50Ms = 0;
    double openSeconds = 0;
    std::int64_t rssBeforeKib = 0;
    std::int64_t rssAfterKib = 0;
    // The server's own figure, commit to each stream's write of it completing (its
    // aegis_watch_delivery_seconds over the registrations, bucket bounds); -1 when the server
    // has none.
    double serverP50Ms = -1;
    double serverP99Ms = -1;
    // CPU over the registrations (and the 50 ms pauses between them), per delivered event.
    double serverCpuUsPerEvent = 0;
    double benchCpuUsPerEvent = 0;
    std::string firstError;

    double kibPerWatcher() const {
        return opened > 0 ? static_cast<double>(rssAfterKib - rssBeforeKib) / opened : 0;
    }
};

ThroughputResult measureRegistrations(DiscoveryTarget &target, const DiscoveryOptions &options);
ThroughputResult measureRenewals(DiscoveryTarget &target, const DiscoveryOptions &options);
WatchResult measureWatch(DiscoveryTarget &target, int watchers, const DiscoveryOptions &options);

} // namespace aegis::bench::discovery
