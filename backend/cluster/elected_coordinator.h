#pragma once

#include "cluster/coordinator.h"
#include "cluster/lease_api.h"
#include "common/clock.h"
#include "store/store.h"

#include <condition_variable>
#include <map>
#include <mutex>
#include <optional>
#include <stop_token>
#include <thread>

namespace aegis::cluster {

struct ElectedCoordinatorOptions {
    ReplicaInfo self;
    // The lease of the membership record and of the leader key (cluster.leader_lease_ttl). A
    // leader that dies is replaced about this long after its last renewal.
    std::chrono::milliseconds leaseTtl{3000};
    // "etcd": the mode status reports.
    std::string mode = "etcd";
    ClockPtr clock = std::make_shared<SystemClock>();
};

// Membership and leader election over a Store whose keys can live on leases (etcd):
//
// - Membership: each replica puts /cluster/replicas/<id> (its ReplicaInfo) attached to its own
//   lease and renews the lease every leaseTtl/4. Every replica follows /cluster/ through the
//   store's event stream, so the live set is the records present: a replica that dies is gone
//   once its lease expires.
// - Election: a replica without a leader in sight creates /cluster/leader with its id, attached
//   to its lease, in a transaction that succeeds only if the key is missing. The others see it
//   through the event stream; when it is deleted (the leader's lease expired or it resigned) they
//   campaign again, and exactly one transaction wins.
// - Fence: the lease was renewed at least until (the time the renewal was sent + its TTL). When
//   this replica cannot renew, it stops leading (leadershipChanged(false) stops the singletons)
//   and refuses writes leaseTtl/4 before that moment, so it has stopped acting before another
//   replica can have won the key.
//
// Hooks run on the coordinator's thread. status() never waits on the network: etcd's members
// are refreshed every 2 s on that thread.
class ElectedCoordinator final : public Coordinator {
public:
    static constexpr std::string_view kPrefix = "/cluster/";
    static constexpr std::string_view kReplicasPrefix = "/cluster/replicas/";
    static constexpr std::string_view kLeaderKey = "/cluster/leader";

    ElectedCoordinator(store::Store &store, LeaseApiPtr leases, ElectedCoordinatorOptions options);
    ~ElectedCoordinator() override;

    Status start(CoordinatorHooks hooks) override;
    void stop() override;
    std::string replicaId() const override { return m_options.self.id; }
    bool isLeader() const override;
    Status writable() const override;
    std::vector<std::string> liveReplicas() const override;
    ClusterStatus status() const override;

    // The record of a replica and of the leader key, as stored (tests and tools read them).
    static std::string encodeReplica(const ReplicaInfo &info,
                                     std::chrono::system_clock::time_point joinedAt);

private:
    struct Member {
        ReplicaInfo info;
        std::chrono::system_clock::time_point joinedAt;
    };

    void run(std::stop_token stop);
    // Each returns false when the store could not be reached (m_mutex not held).
    bool join();
    bool loadMembers();
    void campaign();
    void renew();
    void refreshStoreMembers();
    void stepDown(const std::string &why);
    void lost(const std::string &cause);
    void reachable();
    void onEvents(const std::vector<store::Event> &events);
    // m_mutex held.
    Status writesLocked() const;
    std::chrono::steady_clock::time_point deadline(std::chrono::milliseconds within) const;

    store::Store &m_store;
    LeaseApiPtr m_leases;
    const ElectedCoordinatorOptions m_options;
    CoordinatorHooks m_hooks;
    store::EventSubscription m_subscription;
    std::jthread m_thread;

    // Coordinator thread only (and stop() once the thread is joined).
    std::int64_t m_lease = 0;
    std::chrono::steady_clock::time_point m_leaseDeadline;
    std::chrono::steady_clock::time_point m_nextRenewal;
    std::chrono::steady_clock::time_point m_nextMembersRefresh;

    mutable std::mutex m_mutex;
    std::condition_variable_any m_wake;
    bool m_woken = false;
    bool m_stopped = false;
    std::map<std::string, Member> m_members;
    std::string m_leaderId;
    std::chrono::system_clock::time_point m_leaderSince;
    bool m_leading = false;
    bool m_membersChanged = false;
    // Set at the first failed contact with the store since the last good one.
    std::optional<std::chrono::system_clock::time_point> m_failingSince;
    std::string m_failure;
    // Set once the fence passed: writes are refused until the lease is renewed.
    bool m_cutOff = false;
    std::vector<StoreMember> m_storeMembers;
};

} // namespace aegis::cluster
