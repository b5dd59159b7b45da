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

namespace {

// The host of "HOST:PORT", "[V6]:PORT" or "http://HOST:PORT/...", without brackets.
std::string hostOf(std::string_view address) {
    if (const auto scheme = address.find("://"); scheme != std::string_view::npos) {
        address.remove_prefix(scheme + 3);
        address = address.substr(0, address.find('/'));
    }
    if (!address.empty() && address.front() == '[') {
        return std::string(address.substr(1, address.find(']') - 1));
    }
    return std::string(address.substr(0, address.rfind(':')));
}

bool isLoopback(const std::string &host) {
    return host.rfind("127.", 0) == 0 || host == "::1" || host == "localhost";
}

} // namespace

StatusOr<std::string> leaderServiceUrl(const ClusterStatus &status, std::string_view service,
                                       std::string_view what) {
    if (status.leaderId.empty()) {
        return unavailable("no replica leads now (an election is in progress) and " +
                           std::string(what) + " runs on the leader only: retry in a few seconds");
    }
    const ReplicaStatus *leader = nullptr;
    const ReplicaStatus *self = nullptr;
    for (const ReplicaStatus &replica : status.replicas) {
        if (replica.info.id == status.leaderId) {
            leader = &replica;
        }
        if (replica.info.id == status.selfId) {
            self = &replica;
        }
    }
    if (leader == nullptr) {
        return unavailable("the leader " + status.leaderId + " has no membership record yet; " +
                           std::string(what) + " runs on the leader only: retry in a few seconds");
    }
    const auto found = leader->info.leaderServices.find(std::string(service));
    if (found == leader->info.leaderServices.end() || found->second.empty()) {
        return unavailable("the leader " + status.leaderId + " (version " + leader->info.version +
                           ") announces no URL for " + std::string(what) +
                           "; upgrade it, or let a replica that does lead");
    }
    const std::string leaderHost = hostOf(leader->info.grpcAddress);
    if (leader != self && isLoopback(hostOf(found->second)) && !isLoopback(leaderHost) &&
        (self == nullptr || hostOf(self->info.grpcAddress) != leaderHost)) {
        return unavailable(std::string(what) + " of the leader " + status.leaderId +
                           " listens on " + found->second +
                           ", which other machines cannot reach: give it an address the "
                           "replicas reach (metrics.managed.listen, alerting.managed.listen)");
    }
    return found->second;
}

} // namespace aegis::cluster
