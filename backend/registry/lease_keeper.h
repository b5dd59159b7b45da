#pragma once

#include "common/status.h"

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

namespace aegis::registry {

using LeaseId = std::int64_t;

// Where the registry's leases live and who expires them. In memory (MemoryLeaseKeeper, the
// embedded SQLite store): renewals never touch the disk and the Registry removes what expired.
// On etcd (EtcdLeaseKeeper): an aegis lease is an etcd lease, the records it keeps alive are
// attached to it, and etcd deletes them when it expires, so a lease outlives the replica that
// granted it and every replica sees the removal in the store's event stream.
//
// The Registry is the only caller. Thread-safe; no method blocks on the network (renewals are
// forwarded in the background), so a KeepAlive reactor may call them.
class LeaseKeeper {
public:
    virtual ~LeaseKeeper() = default;

    // Grants a lease of `ttl`; `done` gets its id (positive and below 2^53, so it survives JSON
    // in any language) or why not. `done` may run before grant() returns, or later on the
    // keeper's own thread; it must not block.
    virtual void grant(std::chrono::seconds ttl, std::function<void(StatusOr<LeaseId>)> done) = 0;
    // A lease the store has a record of, as load() found it: live again with `ttl`.
    virtual void restore(LeaseId id, std::chrono::seconds ttl) = 0;
    // A lease record any writer put (`ttl`) or deleted (nullopt), as the store's event stream
    // reports it after load(). Where leases live in the store this is how a replica learns of
    // leases other replicas granted and of their end.
    virtual void recordChanged(LeaseId id, std::optional<std::chrono::seconds> ttl) = 0;

    // Renews the lease and returns its TTL; nullopt when it does not exist (expired, revoked or
    // never granted).
    virtual std::optional<std::chrono::seconds> renew(LeaseId id) = 0;
    virtual std::optional<std::chrono::seconds> ttl(LeaseId id) const = 0;
    // Ends the lease (and, where the store keeps leases, every record attached to it).
    virtual void revoke(LeaseId id) = 0;
    // Once the daemon is ready: every known lease lives at least `grace` (and at least its TTL)
    // from now, where the keeper can give that; a store that keeps leases itself gives a TTL.
    virtual void startClocks(std::chrono::seconds grace) = 0;

    // A KeepAlive stream of this replica holds the lease while it renews it: false when the
    // lease does not exist. Every true is released once.
    virtual bool hold(LeaseId id) = 0;
    virtual void release(LeaseId id) = 0;
    virtual bool isHeld(LeaseId id) const = 0;

    // Removes and returns the leases whose time ran out, for the Registry to remove their
    // records. Always empty where the store expires leases itself.
    virtual std::vector<LeaseId> takeExpired() = 0;
    // The store lease (store::Operation::lease) to attach to a record lease `id` keeps alive: 0
    // where the Registry removes the records itself.
    virtual std::int64_t storeLease(LeaseId id) const = 0;
    // True where the store deletes an expired lease's records itself: such deletes carry no
    // transaction note, so a removal without one means the lease expired.
    virtual bool storeExpires() const = 0;
    // The leases this replica knows of.
    virtual std::size_t size() const = 0;
};

using LeaseKeeperPtr = std::unique_ptr<LeaseKeeper>;

} // namespace aegis::registry
