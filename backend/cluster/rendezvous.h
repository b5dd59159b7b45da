#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace aegis::cluster {

// Rendezvous (highest-random-weight) hashing: the owner of `key` among `replicas` is the replica
// whose hash combined with the key is highest. Every replica computes the same owner from the
// same live set, each key has exactly one owner, and when a replica joins or leaves only the keys
// it wins or held move (about 1/N of them), so health checks are re-sharded with little churn.
// The weight is deterministic across processes and builds (no std::hash).
std::uint64_t rendezvousWeight(std::string_view replica, std::string_view key);

// The owner of `key`; "" when `replicas` is empty. Ties (never seen in practice) go to the
// smaller replica id, so the answer does not depend on the order of `replicas`.
std::string_view rendezvousOwner(std::string_view key, const std::vector<std::string> &replicas);

} // namespace aegis::cluster
