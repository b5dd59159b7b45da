#pragma once

#include "cluster/coordinator.h"

#include <mutex>

namespace aegis::cluster {

// The coordinator of an aegisd alone on its SQLite store: the only replica, always the leader,
// always writable (the store's own write health decides readiness, as before replicas existed).
class SingleNodeCoordinator final : public Coordinator {
public:
    explicit SingleNodeCoordinator(ReplicaInfo self);

    Status start(CoordinatorHooks hooks) override;
    void stop() override;
    std::string replicaId() const override { return m_self.id; }
    bool isLeader() const override;
    Status writable() const override { return Status::ok(); }
    std::vector<std::string> liveReplicas() const override { return {m_self.id}; }
    ClusterStatus status() const override;

private:
    const ReplicaInfo m_self;
    mutable std::mutex m_mutex;
    CoordinatorHooks m_hooks;
    bool m_leading = false;
    std::chrono::system_clock::time_point m_since;
};

} // namespace aegis::cluster
