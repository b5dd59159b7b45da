#pragma once

#include "cluster/coordinator.h"
#include "common/status.h"
#include "store/store.h"

#include <chrono>
#include <cstdint>
#include <memory>
#include <vector>

namespace aegis::cluster {

// What ElectedCoordinator needs of the store's leases beyond the Store itself: etcd's leases and
// member list on the etcd backend; tests answer from memory. Calls may block on the network and
// are made from the coordinator's own thread only; each must give up by `deadline`.
class LeaseApi {
public:
    struct Grant {
        std::int64_t id = 0;
        // What the store granted (etcd may grant more than asked).
        std::chrono::milliseconds ttl{0};
    };

    virtual ~LeaseApi() = default;

    virtual StatusOr<Grant> grant(std::chrono::milliseconds ttl,
                                  std::chrono::steady_clock::time_point deadline) = 0;
    // Renews `lease` once; the TTL it has from now. NOT_FOUND when the lease is gone (expired or
    // revoked); any other error when the store could not be asked.
    virtual StatusOr<std::chrono::milliseconds>
    renew(std::int64_t lease, std::chrono::steady_clock::time_point deadline) = 0;
    // Ends `lease` at once: the store deletes every key attached to it.
    virtual Status revoke(std::int64_t lease, std::chrono::steady_clock::time_point deadline) = 0;
    // Makes the put `operation` attach its key to `lease`, so the key goes when the lease does.
    virtual void attach(store::Operation &operation, std::int64_t lease) = 0;
    // The store's own members and their health, for status (empty: none to report).
    virtual std::vector<StoreMember> members(std::chrono::steady_clock::time_point deadline) = 0;
};

using LeaseApiPtr = std::unique_ptr<LeaseApi>;

} // namespace aegis::cluster
