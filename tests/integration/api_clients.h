#pragma once

// What the end-to-end tests share: stubs for the daemon's services on one channel and readable
// status text for failure messages.

#include "aegis/v1/audit.grpc.pb.h"
#include "aegis/v1/auth.grpc.pb.h"
#include "aegis/v1/system.grpc.pb.h"
#include "client/connection.h"
#include "poll_until.h"

#include <chrono>
#include <memory>
#include <string>

namespace aegis::testing {

// The deadline of every unary call a test makes.
inline constexpr std::chrono::milliseconds kCallTimeout{10000};

// Stubs for every service of one daemon, sharing one channel (and so one token and TLS setup).
struct ApiClients {
    std::shared_ptr<grpc::Channel> channel;
    std::unique_ptr<aegis::v1::SystemService::Stub> system;
    std::unique_ptr<aegis::v1::AuthService::Stub> auth;
    std::unique_ptr<aegis::v1::AuditService::Stub> audit;

    // Fails only when a file named in `options` cannot be read; the channel connects lazily.
    static StatusOr<ApiClients> connect(const client::ConnectionOptions &options) {
        auto channel = client::makeChannel(options);
        if (!channel) {
            return channel.status();
        }
        ApiClients clients;
        clients.channel = *channel;
        clients.system = aegis::v1::SystemService::NewStub(clients.channel);
        clients.auth = aegis::v1::AuthService::NewStub(clients.channel);
        clients.audit = aegis::v1::AuditService::NewStub(clients.channel);
        return clients;
    }
};

inline std::string describe(const grpc::Status &status) {
    return "code " + std::to_string(static_cast<int>(status.error_code())) + ": " +
           status.error_message();
}

// GetStatus with the deadline every call has.
inline grpc::Status getStatus(const ApiClients &clients, aegis::v1::GetStatusResponse &response) {
    grpc::ClientContext context;
    client::setTimeout(context, kCallTimeout);
    return clients.system->GetStatus(&context, aegis::v1::GetStatusRequest(), &response);
}

} // namespace aegis::testing
