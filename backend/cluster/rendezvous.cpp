#include "cluster/rendezvous.h"

namespace aegis::cluster {
namespace {

// FNV-1a over both strings with a separator, then the splitmix64 finaliser: FNV alone mixes its
// last bytes poorly, and instance keys often differ only at the end.
std::uint64_t mix(std::uint64_t h) {
    h ^= h >> 30;
    h *= 0xbf58476d1ce4e5b9ULL;
    h ^= h >> 27;
    h *= 0x94d049bb133111ebULL;
    h ^= h >> 31;
    return h;
}

void feed(std::uint64_t &h, std::string_view bytes) {
    for (const char c : bytes) {
        h ^= static_cast<unsigned char>(c);
        h *= 0x100000001b3ULL;
    }
}

} // namespace

std::uint64_t rendezvousWeight(std::string_view replica, std::string_view key) {
    std::uint64_t h = 0xcbf29ce484222325ULL;
    feed(h, replica);
    feed(h, std::string_view("\0", 1));
    feed(h, key);
    return mix(h);
}

std::string_view rendezvousOwner(std::string_view key, const std::vector<std::string> &replicas) {
    std::string_view best;
    std::uint64_t bestWeight = 0;
    bool found = false;
    for (const std::string &replica : replicas) {
        const std::uint64_t weight = rendezvousWeight(replica, key);
        if (!found || weight > bestWeight || (weight == bestWeight && replica < best)) {
            best = replica;
            bestWeight = weight;
            found = true;
        }
    }
    return best;
}

} // namespace aegis::cluster
