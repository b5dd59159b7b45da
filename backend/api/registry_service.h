#pragma once

#include "aegis/v1/registry.grpc.pb.h"
#include "api/api_context.h"
#include "api/watch_stream.h"
#include "registry/registry.h"

namespace aegis::api {

void toProto(const registry::InstanceHealth &health, aegis::v1::InstanceHealth *out);
// Instance event batches converted once for every WatchInstances stream that takes them.
using InstanceConversions =
    SharedBatchConversions<registry::InstanceEventBatch, aegis::v1::WatchInstancesResponse>;
void toProto(const registry::Instance &instance, aegis::v1::Instance *out);

class RegistryServiceImpl final : public aegis::v1::RegistryService::CallbackService {
public:
    // Also installs KeepAlive, which is served from raw bytes so that a message that does not
    // parse ends the stream with INVALID_ARGUMENT, and WatchInstances, served raw too.
    RegistryServiceImpl(ApiContext &api, registry::Registry &registry);

    grpc::ServerUnaryReactor *
    RegisterInstance(grpc::CallbackServerContext *context,
                     const aegis::v1::RegisterInstanceRequest *request,
                     aegis::v1::RegisterInstanceResponse *response) override;
    grpc::ServerUnaryReactor *
    DeregisterInstance(grpc::CallbackServerContext *context,
                       const aegis::v1::DeregisterInstanceRequest *request,
                       aegis::v1::DeregisterInstanceResponse *response) override;
    grpc::ServerUnaryReactor *
    SetInstanceState(grpc::CallbackServerContext *context,
                     const aegis::v1::SetInstanceStateRequest *request,
                     aegis::v1::SetInstanceStateResponse *response) override;
    grpc::ServerUnaryReactor *GetService(grpc::CallbackServerContext *context,
                                         const aegis::v1::GetServiceRequest *request,
                                         aegis::v1::GetServiceResponse *response) override;
    grpc::ServerUnaryReactor *ListServices(grpc::CallbackServerContext *context,
                                           const aegis::v1::ListServicesRequest *request,
                                           aegis::v1::ListServicesResponse *response) override;
    grpc::ServerUnaryReactor *ListInstances(grpc::CallbackServerContext *context,
                                            const aegis::v1::ListInstancesRequest *request,
                                            aegis::v1::ListInstancesResponse *response) override;

    // The watch WatchInstances streams, once the call is authorised; WatchService's instance
    // watches too.
    StatusOr<WatchFeedPtr<aegis::v1::WatchInstancesResponse>>
    openWatch(const aegis::v1::WatchInstancesRequest &request, std::function<void()> notify);

private:
    // WatchInstances, served raw: each shared batch is serialised once for every stream.
    grpc::ServerWriteReactor<grpc::ByteBuffer> *
    watchInstances(grpc::CallbackServerContext *context,
                   const aegis::v1::WatchInstancesRequest &request);

    ApiContext &m_api;
    registry::Registry &m_registry;
    std::shared_ptr<InstanceConversions> m_converted;
};

} // namespace aegis::api
