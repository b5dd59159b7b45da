#pragma once

#include "common/clock.h"
#include "common/status.h"

#include <grpcpp/server_context.h>

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace aegis::api {

// The value of the call's metadata `name`; "" when it has none.
std::string clientMetadata(const grpc::ServerContextBase &context, std::string_view name);

// A call another replica forwarded (LeaderForwarder), as proven by its metadata.
struct Forwarding {
    // The id of the replica that forwarded the call.
    std::string by;
    // The caller's address as that replica saw it.
    std::string forWhom;

    // The caller's address for the audit record: `peer` (the forwarding replica's address as this
    // replica sees it), the replica it came through and the caller's own address.
    std::string auditPeer(const std::string &peer) const;
};

// Proves that a call's forwarding metadata (LeaderForwarder::kForwardedBy and kForwardedFor) was
// set by an aegisd replica, not by the caller: only replicas hold the key. The forwarding replica
// adds kHeader, "<unix milliseconds>.<hex HMAC-SHA256>" over its id, the caller's address, the
// method and that time, under a key every replica derives from the secrets key they already
// share (config::SecretBox::derivedKey(kKeyLabel)). A receiving replica honours the metadata only
// with a proof that matches and was made within `maxSkew` of its own clock (either way). A proof
// could be replayed within that window by someone who read it off the wire, for the same method
// and the same caller's address: the replicas' traffic needs TLS in untrusted networks, as the
// bearer tokens it carries do. Thread-safe.
class ForwardProof {
public:
    static constexpr std::string_view kHeader = "aegis-forwarded-proof";
    static constexpr std::string_view kKeyLabel = "aegis replica forwarding v1";

    ForwardProof(std::string key, ClockPtr clock,
                 std::chrono::milliseconds maxSkew = std::chrono::seconds(30));

    // kHeader's value for a call `by` forwards now for the caller at `forWhom`.
    std::string sign(std::string_view by, std::string_view forWhom, std::string_view method) const;

    // Whether the call `method` was forwarded: nullopt when it carries no forwarding metadata, the
    // forwarding when its proof holds, UNAUTHENTICATED naming the headers when it carries
    // forwarding metadata without a valid proof.
    StatusOr<std::optional<Forwarding>> verify(const grpc::ServerContextBase &context,
                                               std::string_view method) const;

private:
    std::string mac(std::string_view by, std::string_view forWhom, std::string_view method,
                    std::string_view millis) const;

    const std::string m_key;
    const ClockPtr m_clock;
    const std::chrono::milliseconds m_maxSkew;
};

} // namespace aegis::api
