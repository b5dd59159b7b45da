#pragma once

#include "aegis/v1/auth.grpc.pb.h"
#include "api/api_context.h"

namespace aegis::api {

class AuthServiceImpl final : public aegis::v1::AuthService::CallbackService {
public:
    explicit AuthServiceImpl(ApiContext &api)
        : m_api(api) {}

    grpc::ServerUnaryReactor *CreateToken(grpc::CallbackServerContext *context,
                                          const aegis::v1::CreateTokenRequest *request,
                                          aegis::v1::CreateTokenResponse *response) override;
    grpc::ServerUnaryReactor *ListTokens(grpc::CallbackServerContext *context,
                                         const aegis::v1::ListTokensRequest *request,
                                         aegis::v1::ListTokensResponse *response) override;
    grpc::ServerUnaryReactor *RevokeToken(grpc::CallbackServerContext *context,
                                          const aegis::v1::RevokeTokenRequest *request,
                                          aegis::v1::RevokeTokenResponse *response) override;
    grpc::ServerUnaryReactor *WhoAmI(grpc::CallbackServerContext *context,
                                     const aegis::v1::WhoAmIRequest *request,
                                     aegis::v1::WhoAmIResponse *response) override;

private:
    ApiContext &m_api;
};

} // namespace aegis::api
