#pragma once

#include "common/status.h"

#include <grpcpp/channel.h>
#include <grpcpp/client_context.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>

namespace aegis::client {

// Where and how to reach aegisd. Shared by libaegis-client, aegisctl and the console.
struct ConnectionOptions {
    // host:port of the gRPC API.
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

// Builds a channel with the token attached to every call as "authorization: Bearer <token>".
// Fails when a file named in `options` cannot be read.
StatusOr<std::shared_ptr<grpc::Channel>> makeChannel(const ConnectionOptions &options);

// Sets the deadline every client call must have.
inline void setTimeout(grpc::ClientContext &context, std::chrono::milliseconds timeout) {
    context.set_deadline(std::chrono::system_clock::now() + timeout);
}

} // namespace aegis::client
