#pragma once

// What a registry lease costs where it lives: in memory beside SQLite (MemoryLeaseKeeper) or in
// etcd (EtcdLeaseKeeper on a three-member cluster). Grants are what a registration with a TTL
// adds; renewals are what every KeepAlive turns into.

#include "ha_cluster.h"

#include <chrono>
#include <string>
#include <vector>

namespace aegis::bench::ha {

struct LeaseCostRow {
    std::string keeper;
    double grantsPerSecond = 0;
    double grantP50Ms = 0;
    double grantP99Ms = 0;
    // Renewals answered by where the lease lives (in memory: the renewal itself).
    double renewalsPerSecond = 0;
    std::uint64_t lost = 0;
};

// Both keepers; the etcd one on `etcd`. `concurrency` grants outstanding, renewals of `leases`
// leases for `window`.
std::vector<LeaseCostRow> measureLeaseCost(testing::EtcdCluster &etcd, int concurrency, int leases,
                                           std::chrono::milliseconds window);

} // namespace aegis::bench::ha
