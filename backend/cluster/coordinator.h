#pragma once

#include "common/status.h"

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace aegis::cluster {

// What a replica announces of itself in its membership record.
struct ReplicaInfo {
    std::string id;
    // Where clients reach its gRPC API and its HTTP endpoint.
    std::string grpcAddress;
    std::string httpAddress;
    std::string version;
    std::chrono::system_clock::time_point startedAt;
    // The base URLs of the services this replica runs while it leads, by name ("prometheus",
    // "alertmanager": the managed children). Announced by every replica, read from the leader's
    // record by the others, which send it the calls those services answer.
    std::map<std::string, std::string> leaderServices;
};

struct ReplicaStatus {
    ReplicaInfo info;
    bool leader = false;
    // False when the replica's record is held but it says it cannot reach the store.
    bool healthy = true;
    // When this replica (as seen from the one answering) joined the live set, or for the leader
    // when it became leader.
    std::chrono::system_clock::time_point since;
};

// One member of the store's own cluster (etcd); empty for SQLite.
struct StoreMember {
    std::string name;
    std::uint64_t id = 0;
    std::vector<std::string> clientUrls;
    std::vector<std::string> peerUrls;
    bool healthy = false;
    bool leader = false;
    std::int64_t dbSizeBytes = 0;
    // Why the member is not healthy ("" when it is).
    std::string problem;
};

struct ClusterStatus {
    // "single" (one replica on SQLite) or "etcd".
    std::string mode;
    std::string selfId;
    // "" while no replica leads (an election in progress).
    std::string leaderId;
    std::vector<ReplicaStatus> replicas;
    std::vector<StoreMember> storeMembers;
    // OK, or why this replica refuses writes now (see Coordinator::writable()).
    Status writes;
};

// What the daemon does when the coordinator's view changes. Every hook runs on the coordinator's
// own thread, one at a time, never from inside a coordinator call.
struct CoordinatorHooks {
    // Leadership gained (true) or lost (false). On loss the hook runs before this replica's lease
    // can have expired, and it must stop every singleton before it returns: that is the fence
    // that keeps two leaders from acting at once (the coordinator budgets for it).
    std::function<void(bool leader)> leadershipChanged;
    // The live replica set changed (health checks re-shard).
    std::function<void()> membersChanged;
    // This replica started or stopped refusing writes (readiness follows it).
    std::function<void(const Status &writes)> writabilityChanged;
};

// Who this replica is among the live ones, whether it leads, and whether it may take writes.
// The daemon holds one: SingleNodeCoordinator for SQLite (always the only replica and leader),
// EtcdCoordinator for etcd. Thread-safe.
class Coordinator {
public:
    virtual ~Coordinator() = default;

    // Joins the live set and starts taking part in the election; hooks run from now on (a
    // single node calls leadershipChanged(true) before start() returns).
    virtual Status start(CoordinatorHooks hooks) = 0;
    // Leaves: stops the singletons (leadershipChanged(false)) if leading, resigns and withdraws
    // the membership record so another replica takes over at once. Idempotent.
    virtual void stop() = 0;

    virtual std::string replicaId() const = 0;
    virtual bool isLeader() const = 0;
    // OK, or UNAVAILABLE naming why this replica takes no writes now ("this replica has lost its
    // etcd connection since ..."). Mutations are refused with it.
    virtual Status writable() const = 0;
    // The ids of the live replicas, sorted; always holds this replica while it is healthy.
    virtual std::vector<std::string> liveReplicas() const = 0;
    // Whether this replica owns `key` among the live replicas (rendezvous.h).
    bool owns(std::string_view key) const;
    virtual ClusterStatus status() const = 0;
};

using CoordinatorPtr = std::unique_ptr<Coordinator>;

// The base URL of `service` (a key of ReplicaInfo::leaderServices) on the replica that leads, as
// `status` sees it. UNAVAILABLE naming `what` ("the managed Prometheus") and what to do while no
// replica leads, when the leader announces no such service, and when the leader announces a
// loopback URL but runs on another machine (where this replica cannot reach it).
StatusOr<std::string> leaderServiceUrl(const ClusterStatus &status, std::string_view service,
                                       std::string_view what);

} // namespace aegis::cluster
