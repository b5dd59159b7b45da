#include "api/leader_forwarder.h"

#include "api/convert.h"
#include "common/logging.h"

#include <grpcpp/create_channel.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/impl/codegen/proto_utils.h>
#include <grpcpp/support/channel_arguments.h>

namespace aegis::api {
namespace {

using Stub =
    grpc::TemplatedGenericStub<google::protobuf::MessageLite, google::protobuf::MessageLite>;

bool servedByLeader(const grpc::ClientContext &context) {
    const auto &trailers = context.GetServerTrailingMetadata();
    return trailers.find(grpc::string_ref(LeaderForwarder::kServedBy.data(),
                                          LeaderForwarder::kServedBy.size())) != trailers.end();
}

// One forwarded call: what must outlive it.
struct Forward {
    std::shared_ptr<UnaryCall> call;
    grpc::ClientContext client;
    // RpcMethod keeps a pointer to the name, not a copy.
    std::string method;
    std::string leaderId;
    std::string address;
};

} // namespace

LeaderForwarder::LeaderForwarder(LeaderForwarderOptions options)
    : m_options(std::move(options)) {}

bool LeaderForwarder::forwarded(const std::shared_ptr<UnaryCall> &call,
                                grpc::CallbackServerContext &context, std::string_view method,
                                const google::protobuf::MessageLite &request,
                                google::protobuf::MessageLite *response) {
    const LeaderRoute route = m_options.route();
    // Proven by UnaryCall::start(), which refused the call otherwise.
    const std::string forwardedBy = call->forwarding() ? call->forwarding()->by : std::string();
    if (route.leading) {
        if (!forwardedBy.empty()) {
            // Tells the forwarding replica that this answer is the leader's own, whatever it is.
            context.AddTrailingMetadata(std::string(kServedBy), route.replicaId);
        }
        return false;
    }
    if (!forwardedBy.empty()) {
        call->relay(toGrpc(unavailable(
            "replica " + forwardedBy +
            " forwarded this call here as to the leader, but this "
            "replica (" +
            route.replicaId + ") is not the leader" +
            (route.leaderId.empty() ? std::string(" and sees none now (an election is in progress)")
                                    : " (it sees " + route.leaderId + " lead)") +
            "; a forwarded call is not forwarded again: retry in a few seconds")));
        return true;
    }
    if (route.leaderAddress.empty()) {
        call->relay(toGrpc(unavailable(
            "no replica leads now (an election is in progress) and only the leader serves " +
            std::string(method) + ": retry in a few seconds (aegisctl status shows the leader)")));
        return true;
    }

    auto forward = std::make_shared<Forward>();
    forward->call = call;
    forward->method = std::string(method);
    forward->leaderId = route.leaderId;
    forward->address = route.leaderAddress;
    const auto deadline = context.deadline();
    forward->client.set_deadline(deadline == std::chrono::system_clock::time_point::max()
                                     ? std::chrono::system_clock::now() + m_options.defaultTimeout
                                     : deadline);
    // The caller's credentials (the leader authorises and audits the call itself) and trace.
    for (const char *name : {"authorization", "traceparent", "tracestate"}) {
        if (std::string value = clientMetadata(context, name); !value.empty()) {
            forward->client.AddMetadata(name, value);
        }
    }
    forward->client.AddMetadata(std::string(kForwardedBy), route.replicaId);
    forward->client.AddMetadata(std::string(kForwardedFor), context.peer());
    forward->client.AddMetadata(std::string(ForwardProof::kHeader),
                                m_options.proof->sign(route.replicaId, context.peer(), method));

    Stub stub(channelTo(route.leaderAddress));
    stub.UnaryCall(
        &forward->client, forward->method, grpc::StubOptions(), &request, response,
        [forward](grpc::Status status) {
            if (!status.ok() && !servedByLeader(forward->client)) {
                // The leader never took the call: it is gone, unreachable, or the
                // deadline passed on the way.
                log::info("forwarding to the leader failed", {{"method", forward->method},
                                                              {"leader", forward->leaderId},
                                                              {"address", forward->address},
                                                              {"error", status.error_message()}});
                if (status.error_code() == grpc::StatusCode::UNAVAILABLE) {
                    status = toGrpc(unavailable(
                        "the leader " + forward->leaderId + " (" + forward->address +
                        ") cannot be reached to serve this call: " + status.error_message() +
                        "; retry in a few seconds (a new leader takes over within "
                        "about one cluster.leader_lease_ttl)"));
                }
            }
            forward->call->relay(status);
        });
    return true;
}

std::shared_ptr<grpc::Channel> LeaderForwarder::channelTo(const std::string &address) {
    std::lock_guard lock(m_mutex);
    auto &channel = m_channels[address];
    if (!channel) {
        // Kept for the process's life: one per replica that led meanwhile, a bounded few.
        grpc::ChannelArguments arguments;
        // A leader that just came back is tried again soon, not after gRPC's default backoff.
        arguments.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 200);
        arguments.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 1000);
        channel = grpc::CreateCustomChannel(address, m_options.credentials, arguments);
    }
    return channel;
}

} // namespace aegis::api
