#pragma once

#include "aegis/v1/health.grpc.pb.h"
#include "api/api_context.h"
#include "api/watch_stream.h"
#include "common/keyed_token_bucket.h"
#include "health/health_monitor.h"
#include "registry/registry.h"

namespace aegis::api {

class HealthServiceImpl final : public aegis::v1::HealthService::CallbackService {
public:
    HealthServiceImpl(ApiContext &api, registry::Registry &registry,
                      health::HealthMonitor &monitor);

    grpc::ServerUnaryReactor *GetHealthCheck(grpc::CallbackServerContext *context,
                                             const aegis::v1::GetHealthCheckRequest *request,
                                             aegis::v1::GetHealthCheckResponse *response) override;
    grpc::ServerUnaryReactor *
    UpdateHealthCheck(grpc::CallbackServerContext *context,
                      const aegis::v1::UpdateHealthCheckRequest *request,
                      aegis::v1::UpdateHealthCheckResponse *response) override;
    grpc::ServerUnaryReactor *
    DeleteHealthCheck(grpc::CallbackServerContext *context,
                      const aegis::v1::DeleteHealthCheckRequest *request,
                      aegis::v1::DeleteHealthCheckResponse *response) override;
    grpc::ServerUnaryReactor *
    GetInstanceHealth(grpc::CallbackServerContext *context,
                      const aegis::v1::GetInstanceHealthRequest *request,
                      aegis::v1::GetInstanceHealthResponse *response) override;
    grpc::ServerUnaryReactor *
    ListHealthHistory(grpc::CallbackServerContext *context,
                      const aegis::v1::ListHealthHistoryRequest *request,
                      aegis::v1::ListHealthHistoryResponse *response) override;
    grpc::ServerWriteReactor<aegis::v1::WatchHealthResponse> *
    WatchHealth(grpc::CallbackServerContext *context,
                const aegis::v1::WatchHealthRequest *request) override;
    grpc::ServerUnaryReactor *ReportHealth(grpc::CallbackServerContext *context,
                                           const aegis::v1::ReportHealthRequest *request,
                                           aegis::v1::ReportHealthResponse *response) override;
    grpc::ServerUnaryReactor *
    ReportCallOutcomes(grpc::CallbackServerContext *context,
                       const aegis::v1::ReportCallOutcomesRequest *request,
                       aegis::v1::ReportCallOutcomesResponse *response) override;

    // The wire form of a check, with every default filled in; and back (defaults for fields
    // left unset).
    static void toProto(const health::ServiceCheck &check, aegis::v1::HealthCheck *out);
    static health::ServiceCheck fromProto(const aegis::v1::HealthCheck &check);

    // The watch WatchHealth streams, once the call is authorised; WatchService's health watches
    // too.
    StatusOr<WatchFeedPtr<aegis::v1::WatchHealthResponse>>
    openWatch(const aegis::v1::WatchHealthRequest &request, std::function<void()> notify);

private:
    ApiContext &m_api;
    registry::Registry &m_registry;
    health::HealthMonitor &m_monitor;
    // ReportCallOutcomes calls by token and peer address: open to every service, so bounded.
    KeyedTokenBucket m_outcomeReports;
};

} // namespace aegis::api
