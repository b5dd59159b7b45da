#include "discovery_bench.h"

#include "bench_support.h"

#include <algorithm>
#include <thread>

namespace aegis::bench::discovery {
namespace {

using Clock = std::chrono::steady_clock;

} // namespace

ThroughputResult measureRegistrations(DiscoveryTarget &target, const DiscoveryOptions &options) {
    const auto channels = makeChannels(target.address(), options.registerChannels);
    const auto start = target.registrations(options.registerConcurrency, channels);
    CpuWindow cpu(target.serverPids());
    const auto load =
        runClosedLoop(options.registerConcurrency, start, options.warmup, options.window,
                      [&](bool starting) { starting ? cpu.start() : cpu.stop(); });
    ThroughputResult result;
    result.system = target.name();
    result.perSecond = load.callsPerSecond();
    result.p50Ms = load.p50Ms;
    result.p99Ms = load.p99Ms;
    result.failed = load.failed;
    result.firstError = load.firstError;
    result.serverCores = cpu.serverCores(load.window.count());
    result.benchCores = cpu.benchCores(load.window.count());
    return result;
}

ThroughputResult measureRenewals(DiscoveryTarget &target, const DiscoveryOptions &options) {
    ThroughputResult result;
    result.system = target.name();
    const auto setup = makeChannels(target.address(), 1);
    const auto leases = target.createLeases(options.leases, setup.front());
    if (static_cast<int>(leases.size()) < options.leases) {
        result.firstError = "only " + std::to_string(leases.size()) + " of " +
                            std::to_string(options.leases) + " leases created";
        if (leases.empty()) {
            return result;
        }
    }
    const int streamCount = std::max(1, options.renewStreams);
    std::vector<std::vector<std::int64_t>> shares(static_cast<std::size_t>(streamCount));
    for (std::size_t index = 0; index < leases.size(); ++index) {
        shares[index % shares.size()].push_back(leases[index]);
    }
    const auto channels = makeChannels(target.address(), streamCount);
    RenewalCounters counters;
    std::vector<std::unique_ptr<RenewalStream>> streams;
    for (int index = 0; index < streamCount; ++index) {
        streams.push_back(target.openRenewalStream(channels[static_cast<std::size_t>(index)],
                                                   shares[static_cast<std::size_t>(index)],
                                                   options.renewDepth, counters));
    }
    std::this_thread::sleep_for(options.warmup);
    CpuWindow cpu(target.serverPids());
    cpu.start();
    const auto windowStart = Clock::now();
    counters.measuring.store(true);
    std::this_thread::sleep_for(options.window);
    counters.measuring.store(false);
    const std::chrono::duration<double> window = Clock::now() - windowStart;
    cpu.stop();
    for (auto &stream : streams) {
        const auto status = stream->stop();
        if (!status.ok() && result.firstError.empty()) {
            result.firstError = std::to_string(status.error_code()) + ": " + status.error_message();
        }
    }
    result.perSecond = static_cast<double>(counters.renewed.load()) / window.count();
    result.failed = counters.lost.load();
    result.serverCores = cpu.serverCores(window.count());
    result.benchCores = cpu.benchCores(window.count());
    return result;
}

WatchResult measureWatch(DiscoveryTarget &target, int watchers, const DiscoveryOptions &options) {
    FanoutOptions fanout;
    fanout.watchChannels = options.watchChannels;
    fanout.changes = options.watchRepeats;
    fanout.deliveryTimeout = options.deliveryTimeout;
    return measureFanout(target, watchers, fanout);
}

} // namespace aegis::bench::discovery
