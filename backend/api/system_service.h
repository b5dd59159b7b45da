#pragma once

#include "aegis/v1/system.grpc.pb.h"
#include "api/api_context.h"
#include "health/prober.h"
#include "rollout/extension_registry.h"

namespace aegis::api {

class SystemServiceImpl final : public aegis::v1::SystemService::CallbackService {
public:
    // The registries are read-only once the daemon serves, and must outlive the service.
    SystemServiceImpl(ApiContext &api, const rollout::ExtensionRegistry &rolloutExtensions,
                      const health::ProberRegistry &probers)
        : m_api(api)
        , m_rolloutExtensions(rolloutExtensions)
        , m_probers(probers) {}

    grpc::ServerUnaryReactor *GetStatus(grpc::CallbackServerContext *context,
                                        const aegis::v1::GetStatusRequest *request,
                                        aegis::v1::GetStatusResponse *response) override;
    grpc::ServerUnaryReactor *SetLogLevel(grpc::CallbackServerContext *context,
                                          const aegis::v1::SetLogLevelRequest *request,
                                          aegis::v1::SetLogLevelResponse *response) override;
    grpc::ServerUnaryReactor *ListExtensions(grpc::CallbackServerContext *context,
                                             const aegis::v1::ListExtensionsRequest *request,
                                             aegis::v1::ListExtensionsResponse *response) override;

private:
    ApiContext &m_api;
    const rollout::ExtensionRegistry &m_rolloutExtensions; // Not owned.
    const health::ProberRegistry &m_probers;               // Not owned.
};

} // namespace aegis::api
