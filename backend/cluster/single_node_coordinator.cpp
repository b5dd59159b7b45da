#include "cluster/single_node_coordinator.h"

namespace aegis::cluster {

SingleNodeCoordinator::SingleNodeCoordinator(ReplicaInfo self)
    : m_self(std::move(self)) {}

Status SingleNodeCoordinator::start(CoordinatorHooks hooks) {
    {
        std::lock_guard lock(m_mutex);
        m_hooks = std::move(hooks);
        m_leading = true;
        m_since = std::chrono::system_clock::now();
    }
    if (m_hooks.leadershipChanged) {
        m_hooks.leadershipChanged(true);
    }
    return Status::ok();
}

void SingleNodeCoordinator::stop() {
    {
        std::lock_guard lock(m_mutex);
        if (!m_leading) {
            return;
        }
        m_leading = false;
    }
    if (m_hooks.leadershipChanged) {
        m_hooks.leadershipChanged(false);
    }
}

bool SingleNodeCoordinator::isLeader() const {
    std::lock_guard lock(m_mutex);
    return m_leading;
}

ClusterStatus SingleNodeCoordinator::status() const {
    std::lock_guard lock(m_mutex);
    ClusterStatus status;
    status.mode = "single";
    status.selfId = m_self.id;
    status.leaderId = m_leading ? m_self.id : std::string();
    status.replicas.push_back(ReplicaStatus{m_self, m_leading, true, m_since});
    status.writes = Status::ok();
    return status;
}

} // namespace aegis::cluster
