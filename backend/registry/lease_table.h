#pragma once

#include "common/clock.h"
#include "registry/lease_keeper.h"

#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <unordered_map>
#include <vector>

namespace aegis::registry {

// Live leases and their deadlines, in memory only: renewals are frequent and must not touch the
// disk. After a restart the Registry restores every durable lease, and once the daemon is ready
// gives each a full TTL from then (extendAll). A lease may be held by KeepAlive streams; the
// Registry revokes a lease whose last instance is deregistered unless one holds it. Thread-safe.
class LeaseTable {
public:
    explicit LeaseTable(ClockPtr clock);

    // Grants a new lease with a positive id above every id granted or restored before.
    LeaseId grant(std::chrono::seconds ttl);
    // Re-creates a lease (after a restart) with its deadline a full TTL from now.
    void restore(LeaseId id, std::chrono::seconds ttl);
    // Extends the lease by its TTL; nothing when it does not exist (expired or never granted).
    std::optional<std::chrono::seconds> renew(LeaseId id);
    std::optional<std::chrono::seconds> ttl(LeaseId id) const;
    void revoke(LeaseId id);
    // Moves every deadline to at least `grace` (and at least the lease's TTL) from now.
    void extendAll(std::chrono::seconds grace);
    // A KeepAlive stream holds the lease while it renews it: false when the lease does not
    // exist. Every hold is released once (release() of a revoked or expired lease does nothing).
    bool hold(LeaseId id);
    void release(LeaseId id);
    bool isHeld(LeaseId id) const;
    // Removes and returns the leases whose deadline has passed.
    std::vector<LeaseId> takeExpired();
    std::size_t size() const;

private:
    struct Lease {
        std::chrono::seconds ttl;
        std::chrono::steady_clock::time_point deadline;
        // KeepAlive streams holding the lease.
        int holders = 0;
    };
    // Sets the lease's deadline (creating the lease with `ttl` if needed), keeping its holders.
    void scheduleLocked(LeaseId id, std::chrono::seconds ttl,
                        std::chrono::steady_clock::time_point deadline);
    void unscheduleLocked(LeaseId id, std::chrono::steady_clock::time_point deadline);

    ClockPtr m_clock;
    mutable std::mutex m_mutex;
    std::unordered_map<LeaseId, Lease> m_leases;
    // Deadline order, for finding expired leases without a scan.
    std::multimap<std::chrono::steady_clock::time_point, LeaseId> m_byDeadline;
    LeaseId m_lastGranted = 0;
};

} // namespace aegis::registry
