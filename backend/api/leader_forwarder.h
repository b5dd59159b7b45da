#pragma once

#include "api/api_context.h"
#include "api/forward_proof.h"

#include <google/protobuf/message_lite.h>
#include <grpcpp/channel.h>
#include <grpcpp/security/credentials.h>
#include <grpcpp/server_context.h>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

namespace aegis::api {

// Where the leader is, as this replica sees it now.
struct LeaderRoute {
    // This replica's id (sent with the calls it forwards).
    std::string replicaId;
    // This replica leads (or believes it does): the call is served here, and its handler refuses
    // it if the leader's work is not running.
    bool leading = true;
    // The leader's replica id and gRPC address; both empty while no replica leads.
    std::string leaderId;
    std::string leaderAddress;
};

struct LeaderForwarderOptions {
    // Asked once per call; must not block (the coordinator answers from memory).
    std::function<LeaderRoute()> route;
    // The credentials of the channels to other replicas (TLS when the replicas serve TLS).
    std::shared_ptr<grpc::ChannelCredentials> credentials;
    // Signs the calls this replica forwards, so the leader honours their forwarding metadata.
    // Required; not owned.
    const ForwardProof *proof = nullptr;
    // The deadline of a forwarded call whose caller set none.
    std::chrono::milliseconds defaultTimeout{30000};
};

// Carries the calls only the leader can serve (starting a rollout and acting on one) from a
// follower to the leader, so a client may send them to any replica. The follower authorises the
// call as usual, then sends it to the leader with the caller's authorization metadata and
// deadline; the leader authorises, audits and serves it, and the follower answers with the
// leader's status and response unchanged (it writes no audit record of its own).
//
// A forwarded call carries kForwardedBy (the follower's id), kForwardedFor (the caller's
// peer) and the proof that a replica set them (ForwardProof::kHeader); a call that carries them
// without a valid proof is refused (UNAUTHENTICATED) before any handler runs. A replica that
// receives a forwarded call and does not lead refuses it (UNAVAILABLE) instead of forwarding it
// again, so calls never loop while replicas disagree about the leader. UNAVAILABLE also when no
// replica leads (an election in progress) or the leader cannot be reached. One channel per leader
// address, reused while that replica leads. Thread-safe.
class LeaderForwarder {
public:
    // Metadata of a forwarded call: the id of the replica that forwarded it, and the caller's
    // address as that replica saw it (for the audit record).
    static constexpr std::string_view kForwardedBy = "aegis-forwarded-by";
    static constexpr std::string_view kForwardedFor = "aegis-forwarded-for";
    // Trailing metadata of the leader's answer to a forwarded call: its replica id. An answer
    // without it came from the transport (or a replica that could not take the call at all).
    static constexpr std::string_view kServedBy = "aegis-served-by";

    explicit LeaderForwarder(LeaderForwarderOptions options);

    // For a leader-only call `method` ("/aegis.v1.RolloutService/StartRollout") already
    // authorised and validated: false when this replica serves it (the handler goes on); true
    // when the call was forwarded to the leader or refused, and `call` is (or will be) answered
    // here. `request` and `response` must live until `call` is answered (gRPC's own messages do).
    bool forwarded(const std::shared_ptr<UnaryCall> &call, grpc::CallbackServerContext &context,
                   std::string_view method, const google::protobuf::MessageLite &request,
                   google::protobuf::MessageLite *response);

private:
    std::shared_ptr<grpc::Channel> channelTo(const std::string &address);

    const LeaderForwarderOptions m_options;
    std::mutex m_mutex;
    std::map<std::string, std::shared_ptr<grpc::Channel>> m_channels;
};

} // namespace aegis::api
