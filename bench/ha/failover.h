#pragma once

// How long writes stop when part of a replicated control plane dies: a writer keeps registering
// instances through a client that lists every replica, and the time from a SIGKILL to the next
// write acknowledged is the failover time as a client sees it.

#include "ha_cluster.h"

#include <chrono>
#include <string>
#include <vector>

namespace aegis::bench::ha {

struct FailoverTrial {
    std::string killed;
    // SIGKILL -> the next write acknowledged to the writer, in ms (< 0: none within the timeout).
    double nextWriteMs = -1;
    // Writes that failed between the SIGKILL and that one.
    int failedWrites = 0;
};

// SIGKILLs the replica the writer's connection uses (the first of its endpoint list), measures,
// restarts it; `trials` times.
std::vector<FailoverTrial> measureReplicaFailover(testing::HaCluster &cluster, int trials);
// SIGKILLs the etcd cluster's leader member, measures, restarts it; `trials` times.
std::vector<FailoverTrial> measureEtcdLeaderFailover(testing::HaCluster &cluster, int trials);

} // namespace aegis::bench::ha
