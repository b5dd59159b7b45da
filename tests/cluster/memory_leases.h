#pragma once

#include "cluster/lease_api.h"
#include "store/store.h"

#include <atomic>
#include <map>
#include <mutex>
#include <set>
#include <thread>

namespace aegis::testing {

// Leases as etcd keeps them, over a real Store: keys attached to a lease are deleted (through the
// store, so every subscriber sees it) when the lease expires or is revoked. A reaper thread
// expires leases every 20 ms. Each replica gets its own client(), which the test can cut off
// from the "cluster" (its calls fail UNAVAILABLE) as if its etcd connection were lost.
class MemoryLeases {
public:
    explicit MemoryLeases(store::Store &store);
    ~MemoryLeases();

    class Client;
    // A LeaseApi for one replica; the pointer in `handle` stays valid while this object lives.
    cluster::LeaseApiPtr client(Client **handle);

    // While held, no lease expires: etcd extends every lease across a Raft leader change.
    void holdExpiries(bool hold) { m_holdExpiries = hold; }

    // Expiries so far, with when they happened.
    std::vector<std::chrono::steady_clock::time_point> expiries() const;

private:
    struct Lease {
        std::chrono::milliseconds ttl{0};
        std::chrono::steady_clock::time_point expiresAt;
        std::set<std::string> keys;
    };
    friend class Client;
    void end(std::int64_t id, const char *why);
    void reap();

    store::Store &m_store;
    mutable std::mutex m_mutex;
    std::map<std::int64_t, Lease> m_leases;
    std::int64_t m_nextId = 1;
    std::vector<std::chrono::steady_clock::time_point> m_expiries;
    std::atomic<bool> m_holdExpiries{false};
    std::jthread m_reaper;
};

class MemoryLeases::Client final : public cluster::LeaseApi {
public:
    explicit Client(MemoryLeases &leases)
        : m_leases(leases) {}
    void setReachable(bool reachable) { m_reachable = reachable; }
    // How long a renewal takes to be answered (a round trip); one whose deadline comes first
    // fails DEADLINE_EXCEEDED at its deadline.
    void setRenewalLatency(std::chrono::milliseconds latency) { m_renewalLatency = latency; }

    StatusOr<Grant> grant(std::chrono::milliseconds ttl,
                          std::chrono::steady_clock::time_point deadline) override;
    StatusOr<std::chrono::milliseconds>
    renew(std::int64_t lease, std::chrono::steady_clock::time_point deadline) override;
    Status revoke(std::int64_t lease, std::chrono::steady_clock::time_point deadline) override;
    void attach(store::Operation &operation, std::int64_t lease) override;
    std::vector<cluster::StoreMember>
    members(std::chrono::steady_clock::time_point deadline) override;

private:
    MemoryLeases &m_leases;
    std::atomic<bool> m_reachable{true};
    std::atomic<std::chrono::milliseconds> m_renewalLatency{std::chrono::milliseconds(0)};
};

} // namespace aegis::testing
