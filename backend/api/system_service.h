#pragma once

#include "aegis/v1/system.grpc.pb.h"
#include "api/api_context.h"
#include "cluster/coordinator.h"
#include "health/prober.h"
#include "metrics/backend_status.h"
#include "rollout/extension_registry.h"

#include <functional>

namespace aegis::api {

class SystemServiceImpl final : public aegis::v1::SystemService::CallbackService {
public:
    // The registries are read-only once the daemon serves, and must outlive the service.
    // `metricsStatus` tells GetStatus the metrics backend's state, `clusterStatus` the
    // replicas' (null: not reported); both are called on a gRPC thread and must not block.
    SystemServiceImpl(ApiContext &api, const rollout::ExtensionRegistry &rolloutExtensions,
                      const health::ProberRegistry &probers,
                      std::function<metrics::BackendStatus()> metricsStatus,
                      std::function<cluster::ClusterStatus()> clusterStatus = {})
        : m_api(api)
        , m_rolloutExtensions(rolloutExtensions)
        , m_probers(probers)
        , m_metricsStatus(std::move(metricsStatus))
        , m_clusterStatus(std::move(clusterStatus)) {}

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
    const std::function<metrics::BackendStatus()> m_metricsStatus;
    const std::function<cluster::ClusterStatus()> m_clusterStatus;
};

} // namespace aegis::api
