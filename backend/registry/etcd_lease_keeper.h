#pragma once

#include "registry/lease_keeper.h"

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <random>
#include <thread>
#include <unordered_map>
#include <vector>

namespace aegis::etcd {
class EtcdClient;
class LeaseKeeper;
} // namespace aegis::etcd

namespace aegis::registry {

struct EtcdLeaseKeeperOptions {
    // Threads making LeaseGrant and LeaseRevoke calls (each a round trip through etcd's Raft
    // log), so that registrations do not wait on one another.
    std::size_t callThreads = 4;
};

// Leases that are etcd leases, for aegisd replicas sharing one etcd: whichever replica granted a
// lease, any replica renews it and etcd expires it, deleting the records attached to it (the
// Registry Puts an instance's and its lease's records with store::Operation::lease). Every
// replica learns of leases from their records in the store's event stream (recordChanged()), so
// a client's KeepAlive reaches its lease through any replica. Renewals go over this replica's one
// LeaseKeepAlive stream (etcd::LeaseKeeper: renewals of one lease waiting to be sent are sent
// once); renew() answers from what the replica knows and never waits on etcd.
//
// Holds are this replica's KeepAlive streams: a lease held only through another replica is
// revoked when its last instance is deregistered through this one. Thread-safe. `client` must
// outlive the keeper.
class EtcdLeaseKeeper final : public LeaseKeeper {
public:
    explicit EtcdLeaseKeeper(etcd::EtcdClient &client, EtcdLeaseKeeperOptions options = {});
    ~EtcdLeaseKeeper() override;
    EtcdLeaseKeeper(const EtcdLeaseKeeper &) = delete;
    EtcdLeaseKeeper &operator=(const EtcdLeaseKeeper &) = delete;

    void grant(std::chrono::seconds ttl, std::function<void(StatusOr<LeaseId>)> done) override;
    void restore(LeaseId id, std::chrono::seconds ttl) override;
    void recordChanged(LeaseId id, std::optional<std::chrono::seconds> ttl) override;
    std::optional<std::chrono::seconds> renew(LeaseId id) override;
    std::optional<std::chrono::seconds> ttl(LeaseId id) const override;
    void revoke(LeaseId id) override;
    // Renews every known lease once: etcd counts a lease's TTL afresh from a renewal, and longer
    // than its TTL it cannot give.
    void startClocks(std::chrono::seconds grace) override;
    bool hold(LeaseId id) override;
    void release(LeaseId id) override;
    bool isHeld(LeaseId id) const override;
    std::vector<LeaseId> takeExpired() override { return {}; }
    std::int64_t storeLease(LeaseId id) const override { return id; }
    bool storeExpires() const override { return true; }
    std::size_t size() const override;

private:
    struct Known {
        std::chrono::seconds ttl{0};
        // This replica's KeepAlive streams holding the lease.
        int holders = 0;
    };
    // Runs `call` on one of the call threads.
    void post(std::function<void()> call);
    void runCalls();
    // The keep-alive stream's answer: a ttl <= 0 means etcd no longer has the lease.
    void renewed(LeaseId id, std::int64_t ttlSeconds);

    etcd::EtcdClient &m_client; // Not owned.

    mutable std::mutex m_mutex;
    std::unordered_map<LeaseId, Known> m_known;
    std::mt19937_64 m_random;

    std::mutex m_callsMutex;
    std::condition_variable m_callsChanged;
    std::deque<std::function<void()>> m_calls;
    bool m_stopping = false;
    std::vector<std::thread> m_callThreads;

    // Declared last: destroyed first, so no renewal answer arrives at a half-destroyed keeper.
    std::unique_ptr<etcd::LeaseKeeper> m_renewals;
};

} // namespace aegis::registry
