#pragma once

// What the discovery benchmark needs from a system under test (aegisd or etcd): registrations,
// leases to renew over streams, and watchers of one service / key prefix. The measures themselves
// (discovery_bench.cpp, bench/watch_fanout.cpp) are the same for both systems.

#include "closed_loop_load.h"
#include "watch_fanout.h"

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

// The fan-out measure's watchers (openWatcher) watch one service / key prefix, and its changes are
// registrations of instances of it (registerForWatch).
class DiscoveryTarget : public FanoutTarget {
public:
    // The server process whose CPU and memory the measures sample.
    virtual int pid() const = 0;
    std::vector<int> serverPids() const final { return {pid()}; }

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

    // Registers an instance of the watched service (Aegis: RegisterInstance with a 1 h TTL;
    // etcd: Put with a lease granted beforehand) that watchers report as `sequence` (>= 0); a
    // negative sequence registers one they ignore. Calls `done` once, from any thread.
    virtual void registerForWatch(int sequence, const std::shared_ptr<grpc::Channel> &channel,
                                  std::function<void(const grpc::Status &)> done) = 0;
    void change(int sequence, const std::shared_ptr<grpc::Channel> &channel,
                std::function<void(const grpc::Status &)> done) final {
        registerForWatch(sequence, channel, std::move(done));
    }
};

} // namespace aegis::bench::discovery
