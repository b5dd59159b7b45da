#pragma once

#include "common/status.h"

#include <grpcpp/channel.h>
#include <grpcpp/security/credentials.h>
#include <grpcpp/support/channel_arguments.h>

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

// Channels to a service by its name in aegisd's discovery, for any gRPC C++ client:
// client::makeServiceChannel("aegis:///checkout", xds) balances every call over checkout's
// instances with gRPC's own load balancing, following discovery (instances joining and leaving,
// health, a rollout's traffic weights) as it changes.
//
// Underneath it is xDS: gRPC 1.51 has no public API for a custom resolver or LB policy, but it
// ships the xDS resolver and policies. aegisd serves xDS (xds.listen) and this file writes the
// bootstrap that points gRPC at it; the channel's target is xds:///checkout. See docs/xds.md.
namespace aegis::client {

// The key in the bootstrap's node.metadata that carries the client's aegisd token: gRPC 1.51's
// xDS client sends no call credentials, but it sends its node with the first request of every
// stream, where aegisd's xDS server reads it.
inline constexpr std::string_view kXdsTokenMetadataKey = "aegis_token";

struct XdsOptions {
    // host:port of aegisd's xDS server (its xds.listen). Required.
    std::string server;
    // An aegisd token of any role; when empty, `tokenFile` is read instead. gRPC's xDS client
    // sends no call credentials, so the token travels in the bootstrap's node metadata.
    std::string token;
    std::filesystem::path tokenFile;
    // The node id aegisd logs for this client; "<hostname>-<pid>" when empty.
    std::string nodeId;
};

// The gRPC xDS bootstrap (JSON) for `options`: aegisd as the only xDS server, plaintext, and the
// node with the token. INVALID_ARGUMENT without a server or a token; the token file's error.
StatusOr<std::string> xdsBootstrap(const XdsOptions &options);

// Points gRPC's xDS client at aegisd for this whole process by setting GRPC_XDS_BOOTSTRAP_CONFIG.
// gRPC reads the bootstrap when it creates its xDS client, i.e. with the first xds:/// channel
// (again only after every such channel is gone), so call this once at start-up, before any
// xds:/// channel and before other threads read the environment. Calling it again with the same
// options is a no-op; with other options FAILED_PRECONDITION, as is a GRPC_XDS_BOOTSTRAP file
// already set in the environment (gRPC would read that instead).
Status useAegisForXds(const XdsOptions &options);

// The xDS target for a service: "aegis:///checkout", "xds:///checkout" or "checkout" give
// "xds:///checkout". INVALID_ARGUMENT for another scheme, an authority, or an empty name or one
// with a '/'. The name's own rules are aegisd's: a name it does not know as a service name
// leaves the channel failing calls with UNAVAILABLE ("does not exist").
StatusOr<std::string> xdsTarget(std::string_view target);

// useAegisForXds(options), then a channel to xdsTarget(target). `credentials` secure the calls
// to the service's instances (plaintext by default); `arguments` are the channel's.
StatusOr<std::shared_ptr<grpc::Channel>>
makeServiceChannel(std::string_view target, const XdsOptions &options,
                   std::shared_ptr<grpc::ChannelCredentials> credentials = nullptr,
                   const grpc::ChannelArguments &arguments = {});

} // namespace aegis::client
