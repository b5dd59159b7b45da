#include "api_test_helpers.h"

#include "aegis/v1/auth.grpc.pb.h"
#include "client/connection.h"

#include <chrono>

namespace aegis::testing {

std::shared_ptr<grpc::Channel> channelFor(const std::string &address, const std::string &token) {
    client::ConnectionOptions options;
    options.address = address;
    options.token = token;
    // Without TLS files to read, making the channel cannot fail.
    return *client::makeChannel(options);
}

grpc::Status createToken(const std::shared_ptr<grpc::Channel> &channel, const std::string &name,
                         aegis::v1::Role role, std::string *secret,
                         const std::vector<std::string> &services,
                         const std::vector<std::string> &namespaces) {
    auto auth = aegis::v1::AuthService::NewStub(channel);
    grpc::ClientContext context;
    client::setTimeout(context, std::chrono::seconds(10));
    aegis::v1::CreateTokenRequest request;
    request.set_name(name);
    request.set_role(role);
    request.mutable_services()->Add(services.begin(), services.end());
    request.mutable_namespaces()->Add(namespaces.begin(), namespaces.end());
    aegis::v1::CreateTokenResponse response;
    const grpc::Status status = auth->CreateToken(&context, request, &response);
    if (status.ok()) {
        *secret = response.secret();
    }
    return status;
}

} // namespace aegis::testing
