#pragma once

#include "aegis/v1/system.grpc.pb.h"
#include "api/api_context.h"

namespace aegis::api {

class SystemServiceImpl final : public aegis::v1::SystemService::CallbackService {
public:
    explicit SystemServiceImpl(ApiContext &api)
        : m_api(api) {}

    grpc::ServerUnaryReactor *GetStatus(grpc::CallbackServerContext *context,
                                        const aegis::v1::GetStatusRequest *request,
                                        aegis::v1::GetStatusResponse *response) override;
    grpc::ServerUnaryReactor *SetLogLevel(grpc::CallbackServerContext *context,
                                          const aegis::v1::SetLogLevelRequest *request,
                                          aegis::v1::SetLogLevelResponse *response) override;

private:
    ApiContext &m_api;
};

} // namespace aegis::api
