#pragma once

// The watch fan-out measure shared by the discovery and configuration benchmarks (and by
// aegis-bench-ha through both): N watchers of one thing, then a series of changes, each timed
// from the start of its call to its arrival at every watcher that should hear of it, with the
// server's own delivery figure, CPU per delivered event and memory per watcher beside it.

#include <grpcpp/channel.h>
#include <grpcpp/support/status.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace aegis::bench {

// Where watchers report; called from gRPC threads.
class WatchSink {
public:
    virtual ~WatchSink() = default;
    // The watch is established on the server: later changes reach it.
    virtual void ready(int watcher) = 0;
    // The watcher received the change numbered `sequence` (see FanoutTarget::change).
    virtual void delivered(int watcher, int sequence) = 0;
    // The call ended (after cancel(), or on an error).
    virtual void ended(int watcher, const grpc::Status &status) = 0;
};

class Watcher {
public:
    virtual ~Watcher() = default;
    // Cancels the watch; WatchSink::ended follows. The object must outlive that call.
    virtual void cancel() = 0;
};

// A system under the fan-out measure: what is watched, and how a change of it is made.
class FanoutTarget {
public:
    virtual ~FanoutTarget() = default;
    virtual std::string name() const = 0;
    // The processes whose CPU and memory count as the server's.
    virtual std::vector<int> serverPids() const = 0;
    // Where the benchmark connects, as makeChannels() takes it.
    virtual std::string address() const = 0;
    // The server's Prometheus exposition page, or empty when the benchmark reads none.
    virtual std::string metricsPage() const { return {}; }

    // Called once before anything else of the measure, for `watchers` watchers.
    virtual void prepare(int /*watchers*/) {}
    // A watcher numbered `index`, reporting to `sink`.
    virtual std::unique_ptr<Watcher>
    openWatcher(int index, const std::shared_ptr<grpc::Channel> &channel, WatchSink &sink) = 0;
    // Makes the change that watchers report as `sequence` (>= 0); a negative sequence makes one
    // they ignore (the warm-up, before any watcher exists). Calls `done` once, from any thread.
    // Changes are made one at a time, each after the previous one's `done`.
    virtual void change(int sequence, const std::shared_ptr<grpc::Channel> &channel,
                        std::function<void(const grpc::Status &)> done) = 0;
    // Whether watcher `index` hears of change `sequence` (a gray release reaches some only).
    virtual bool hears(int /*index*/, int /*sequence*/) const { return true; }
};

struct FanoutOptions {
    // Watchers spread over this many connections; the changes go over one more.
    int watchChannels = 16;
    // Changes, each waited for until every watcher that should hear of it has it, or
    // `deliveryTimeout` passed; then `pause`, so that rounds never overlap.
    int changes = 20;
    std::chrono::milliseconds deliveryTimeout{5000};
    std::chrono::milliseconds pause{50};
};

struct WatchResult {
    std::string system;
    int watchers = 0;
    int opened = 0;
    std::uint64_t notified = 0;
    // Deliveries the changes should make (every watcher that hears of each).
    std::uint64_t expected = 0;
    // From the start of the change's call to each watcher's read, pooled over the changes.
    double p50Ms = 0;
    double p99Ms = 0;
    double maxMs = 0;
    // The same from the moment the call returned (the change durable): the fan-out alone.
    double afterAckP50Ms = 0;
    double afterAckP99Ms = 0;
    // Latency of the change call itself (its answer to the calling client).
    double callP50Ms = 0;
    double callMaxMs = 0;
    double openSeconds = 0;
    // The server's RSS (summed over its processes) before opening the watchers and 1 s after
    // all were established.
    std::int64_t rssBeforeKib = 0;
    std::int64_t rssAfterKib = 0;
    // The server's own figure, commit to each stream's write of it completing (its
    // aegis_watch_delivery_seconds over the changes, bucket bounds); -1 when the server has none.
    double serverP50Ms = -1;
    double serverP99Ms = -1;
    // CPU over the changes (and the pauses between them): the server's in cores, and the
    // server's and this benchmark's per delivered event.
    double serverCores = 0;
    double serverCpuUsPerEvent = 0;
    double benchCpuUsPerEvent = 0;
    std::string firstError;

    std::uint64_t missing() const { return expected > notified ? expected - notified : 0; }
    double kibPerWatcher() const {
        return opened > 0 ? static_cast<double>(rssAfterKib - rssBeforeKib) / opened : 0;
    }
};

// Opens `watchers` watchers of `target` (waiting up to 120 s for all to be established), makes
// `options.changes` changes one after the other, then cancels the watchers.
WatchResult measureFanout(FanoutTarget &target, int watchers, const FanoutOptions &options);

// Server CPU per delivered event of Aegis's multiplexed watches against etcd's, measured in pairs
// of rows taken in turn, each on fresh servers: this machine's speed drifts by more than the
// difference looked for between two rows a minute apart, so one pair says little and the median of
// the pairs' ratios says more.
struct CpuRounds {
    int watchers = 0;
    // Changes each row makes. Twenty changes to 1,000 watches are about a tenth of a second of
    // aegisd's CPU, which the machine's noise moves by a quarter; a few hundred hold it steadier.
    int changes = 0;
    // Aegis's and etcd's µs per event, one pair per round that succeeded.
    std::vector<std::pair<double, double>> usPerEvent;
    int failed = 0;
};
// `rounds` pairs of `aegisRow` and `etcdRow`, which measure one row each.
CpuRounds measureCpuRounds(int watchers, int changes, int rounds,
                           const std::function<WatchResult()> &aegisRow,
                           const std::function<WatchResult()> &etcdRow);
void printCpuRounds(const CpuRounds &rounds);

} // namespace aegis::bench
