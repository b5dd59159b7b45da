#include "api/forward_proof.h"

#include "api/leader_forwarder.h"
#include "common/sha256.h"

#include <charconv>

namespace aegis::api {
namespace {

std::int64_t unixMillis(std::chrono::system_clock::time_point time) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(time.time_since_epoch()).count();
}

} // namespace

std::string clientMetadata(const grpc::ServerContextBase &context, std::string_view name) {
    const auto &all = context.client_metadata();
    const auto found = all.find(grpc::string_ref(name.data(), name.size()));
    return found == all.end() ? std::string()
                              : std::string(found->second.data(), found->second.size());
}

std::string Forwarding::auditPeer(const std::string &peer) const {
    return peer + " (forwarded by replica " + by + " for " + forWhom + ")";
}

ForwardProof::ForwardProof(std::string key, ClockPtr clock, std::chrono::milliseconds maxSkew)
    : m_key(std::move(key))
    , m_clock(std::move(clock))
    , m_maxSkew(maxSkew) {}

std::string ForwardProof::mac(std::string_view by, std::string_view forWhom,
                              std::string_view method, std::string_view millis) const {
    // Newline-separated: none of the parts (gRPC metadata values, a method path) holds one.
    std::string data;
    data.append(by).append("\n").append(forWhom).append("\n").append(method).append("\n");
    data.append(millis);
    return hmacSha256Hex(m_key, data);
}

std::string ForwardProof::sign(std::string_view by, std::string_view forWhom,
                               std::string_view method) const {
    const std::string millis = std::to_string(unixMillis(m_clock->now()));
    return millis + "." + mac(by, forWhom, method, millis);
}

StatusOr<std::optional<Forwarding>> ForwardProof::verify(const grpc::ServerContextBase &context,
                                                         std::string_view method) const {
    const std::string by = clientMetadata(context, LeaderForwarder::kForwardedBy);
    const std::string forWhom = clientMetadata(context, LeaderForwarder::kForwardedFor);
    const std::string proof = clientMetadata(context, kHeader);
    if (by.empty() && forWhom.empty() && proof.empty()) {
        return std::optional<Forwarding>();
    }
    const auto refuse = [&](const std::string &why) {
        return Status(StatusCode::Unauthenticated,
                      "the call carries " + std::string(LeaderForwarder::kForwardedBy) + "/" +
                          std::string(LeaderForwarder::kForwardedFor) +
                          " metadata, which only aegisd replicas set when they forward a call, " +
                          why + ": send the call without the aegis-forwarded-* metadata");
    };
    if (by.empty() || forWhom.empty()) {
        return refuse("but not both " + std::string(LeaderForwarder::kForwardedBy) + " and " +
                      std::string(LeaderForwarder::kForwardedFor));
    }
    if (proof.empty()) {
        return refuse("without " + std::string(kHeader));
    }
    const auto dot = proof.find('.');
    std::int64_t millis = 0;
    const char *end = proof.data() + (dot == std::string::npos ? 0 : dot);
    if (dot == std::string::npos || std::from_chars(proof.data(), end, millis).ptr != end) {
        return refuse("with a malformed " + std::string(kHeader) +
                      " (expected <unix milliseconds>.<hex HMAC-SHA256>)");
    }
    // Compared without subtracting the sender's number, which may be anything.
    const std::int64_t now = unixMillis(m_clock->now());
    if (millis < now - m_maxSkew.count() || millis > now + m_maxSkew.count()) {
        return refuse("with an " + std::string(kHeader) + " made at " + std::to_string(millis) +
                      " (unix ms), " + std::to_string(now) +
                      " on this replica's clock, beyond the " + std::to_string(m_maxSkew.count()) +
                      " ms allowed (keep the replicas' clocks synchronised)");
    }
    if (!constantTimeEquals(std::string_view(proof).substr(dot + 1),
                            mac(by, forWhom, method, std::string_view(proof).substr(0, dot)))) {
        return refuse("with an " + std::string(kHeader) +
                      " that does not match (every replica must share the same secrets key)");
    }
    return std::optional<Forwarding>(Forwarding{by, forWhom});
}

} // namespace aegis::api
