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

struct RolloutFailoverTrial {
    std::string killed;
    // SIGKILL -> the rollout's next transition (step or phase) seen through a surviving replica,
    // in ms (< 0: none within the timeout).
    double nextTransitionMs = -1;
    // How much of that the transition was late against its schedule: it was due one step pause
    // after the last transition before the SIGKILL.
    double lateMs = -1;
    // The rollout's phase at the end: it must still finish under the new leader.
    std::string finalPhase;
};

// Starts a canary whose steps advance on their own every `stepPause` (external driver, registry
// router, the instances registered by this program), SIGKILLs the leader replica while it steps,
// times the next transition and lets the rollout finish; restarts the replica; `trials` times.
std::vector<RolloutFailoverTrial>
measureLeaderFailoverToRollout(testing::HaCluster &cluster, int trials,
                               std::chrono::milliseconds stepPause);

} // namespace aegis::bench::ha
