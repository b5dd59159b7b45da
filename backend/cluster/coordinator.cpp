#include "cluster/coordinator.h"

#include "cluster/rendezvous.h"

namespace aegis::cluster {

bool Coordinator::owns(std::string_view key) const {
    const auto live = liveReplicas();
    // A replica alone, or cut off from the others, checks everything rather than nothing: while
    // it cannot see the live set it cannot know who else would.
    if (live.size() <= 1) {
        return true;
    }
    return rendezvousOwner(key, live) == replicaId();
}

} // namespace aegis::cluster
