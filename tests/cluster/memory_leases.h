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
    std::jthread m_reaper;
};

class MemoryLeases::Client final : public cluster::LeaseApi {
public:
    explicit Client(MemoryLeases &leases)
        : m_leases(leases) {}
    void setReachable(bool reachable) { m_reachable = reachable; }

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
};

} // namespace aegis::testing
