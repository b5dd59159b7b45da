#pragma once

#include "common/status.h"

#include <grpcpp/channel.h>
#include <grpcpp/client_context.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace aegis::client {

// Where and how to reach aegisd. Shared by libaegis-client, aegisctl and the console.
struct ConnectionOptions {
    // host:port of the gRPC API, or several separated by commas ("a:7400,b:7400,c:7400"): the
    // replicas of a highly available control plane. The channel connects to the first one that
    // answers and stays with it; when that one goes away it connects to the next one that
    // answers (see makeChannel()).
    std::string address = "127.0.0.1:7400";
    // Bearer token; when empty, `tokenFile` is read instead.
    std::string token;
    std::filesystem::path tokenFile;
    // PEM files. With `caFile` set the channel uses TLS; with the certificate and key too, mutual
    // TLS.
    std::filesystem::path caFile;
    std::filesystem::path certFile;
    std::filesystem::path keyFile;
    // Overrides the name checked against the server certificate (for certificates issued to a
    // name other than the address's host).
    std::string tlsServerName;
    // The largest response a call on the channel accepts. Larger than gRPC's 4 MiB default, since
    // lists of a large fleet exceed it; a caller fetching bulk data (a whole trace) builds a
    // channel of its own with more.
    int maxReceiveMessageBytes = 16 * 1024 * 1024;
};

// The token file a local daemon writes on first start: $XDG_DATA_HOME/aegis/admin.token (or
// ~/.local/share/aegis/admin.token).
std::filesystem::path defaultTokenFile();

// Reads a token file: its first line, without surrounding whitespace.
StatusOr<std::string> readTokenFile(const std::filesystem::path &path);

// The longest a channel from makeChannel() waits between attempts to reach a lost daemon.
inline constexpr int kMaxReconnectBackoffMs = 1000;

// The endpoints of an address list ("a:7400, b:7400"): each a host:port with a port, an IPv6
// host in brackets ("[::1]:7400"). INVALID_ARGUMENT naming the entry when one is malformed.
StatusOr<std::vector<std::string>> parseEndpointList(std::string_view list);

// The gRPC target for an address list: the address itself for one endpoint; for several, an
// "ipv4:" or "ipv6:" target of every endpoint's addresses in list order (host names resolved
// now), over which gRPC's pick_first policy connects to the first that answers and moves on when
// it is lost. UNAVAILABLE when no host of the list resolves.
StatusOr<std::string> channelTarget(const std::string &address);

// The host:port of a call's peer as grpc::ClientContext::peer() reports it ("ipv4:10.0.0.2:7400",
// "ipv6:%5B::1%5D:7400"): which of the listed replicas answered.
std::string peerAddress(std::string_view peer);

// Builds a channel with the token attached to every call as "authorization: Bearer <token>".
// Fails when a file named in `options` cannot be read or its address list is malformed. With
// several endpoints the calls' authority, and the name a TLS certificate is checked against
// unless `tlsServerName` says otherwise, is the first endpoint's.
StatusOr<std::shared_ptr<grpc::Channel>> makeChannel(const ConnectionOptions &options);

// Sets the deadline every client call must have.
inline void setTimeout(grpc::ClientContext &context, std::chrono::milliseconds timeout) {
    context.set_deadline(std::chrono::system_clock::now() + timeout);
}

} // namespace aegis::client
