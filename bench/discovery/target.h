#pragma once

// What the discovery benchmark needs from a system under test (aegisd or etcd): registrations,
// leases to renew over streams, and watchers of one service / key prefix. The measures themselves
// (discovery_bench.cpp) are the same for both systems.

#include "closed_loop_load.h"

#include <grpcpp/channel.h>
#include <grpcpp/support/status.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace aegis::bench::discovery {

// Renewal counts shared by a system's renewal streams; only responses that arrive while
// `measuring` is set are counted.
struct RenewalCounters {
    std::atomic<bool> measuring{false};
    std::atomic<std::uint64_t> renewed{0};
    // Responses saying the lease is unknown or expired (TTL 0).
    std::atomic<std::uint64_t> lost{0};
};

// A renewal stream: sends lease ids round-robin with up to `depth` requests unanswered.
class RenewalStream {
public:
    virtual ~RenewalStream() = default;
    // Stops sending, half-closes, and waits (up to 20 s) until the server ends the stream.
    virtual grpc::Status stop() = 0;
};

// Where watchers report; called from gRPC threads.
class WatchSink {
public:
    virtual ~WatchSink() = default;
    // The watch is established on the server: later registrations reach it.
    virtual void ready(int watcher) = 0;
    // The watcher received the registration numbered `sequence` (see registerForWatch).
    virtual void delivered(int watcher, int sequence) = 0;
    // The call ended (after cancel(), or on an error).
    virtual void ended(int watcher, const grpc::Status &status) = 0;
};

class Watcher {
public:
    virtual ~Watcher() = default;
    // Cancels the call; WatchSink::ended follows. The object must outlive that call.
    virtual void cancel() = 0;
};

class DiscoveryTarget {
public:
    virtual ~DiscoveryTarget() = default;
    virtual std::string name() const = 0;
    virtual int pid() const = 0;
    virtual std::string address() const = 0;
    // The server's Prometheus exposition page, or empty when the benchmark reads none.
    virtual std::string metricsPage() const { return {}; }

    // Starts one full registration of a new instance per call (Aegis: RegisterInstance with a
    // 30 s TTL; etcd: LeaseGrant then Put with that lease), spread over `channels`.
    virtual CallStarter registrations(int concurrency,
                                      std::vector<std::shared_ptr<grpc::Channel>> channels) = 0;

    // Creates `count` leases to renew (Aegis: one registered instance each).
    virtual std::vector<std::int64_t>
    createLeases(int count, const std::shared_ptr<grpc::Channel> &channel) = 0;
    virtual std::unique_ptr<RenewalStream>
    openRenewalStream(const std::shared_ptr<grpc::Channel> &channel,
                      std::vector<std::int64_t> leases, int depth, RenewalCounters &counters) = 0;

    // A watcher of the benchmark's watched service / key prefix, reporting to `sink`.
    virtual std::unique_ptr<Watcher>
    openWatcher(int index, const std::shared_ptr<grpc::Channel> &channel, WatchSink &sink) = 0;
    // Registers an instance of the watched service (Aegis: RegisterInstance with a 1 h TTL;
    // etcd: Put with a lease granted beforehand) that watchers report as `sequence` (>= 0); a
    // negative sequence registers one they ignore. Calls `done` once, from any thread.
    virtual void registerForWatch(int sequence, const std::shared_ptr<grpc::Channel> &channel,
                                  std::function<void(const grpc::Status &)> done) = 0;
};

// Runs start(index, done) for index in [0, count) with at most `inFlight` calls outstanding and
// returns when every `done` has run.
void forEachAsync(int count, int inFlight,
                  const std::function<void(int index, std::function<void()> done)> &start);

} // namespace aegis::bench::discovery
