#pragma once

#include "aegis/v1/config.grpc.pb.h"
#include "api/api_context.h"
#include "api/watch_stream.h"
#include "config/config_center.h"
#include "registry/registry.h"

namespace aegis::api {

class ConfigEventBytes;

class ConfigServiceImpl final : public aegis::v1::ConfigService::CallbackService {
public:
    // Also installs WatchConfig, served from raw bytes.
    ConfigServiceImpl(ApiContext &api, config::ConfigCenter &config, registry::Registry &registry);

    using Unary = grpc::ServerUnaryReactor;
    using Context = grpc::CallbackServerContext;

    Unary *ListNamespaces(Context *, const aegis::v1::ListNamespacesRequest *,
                          aegis::v1::ListNamespacesResponse *) override;
    Unary *UpdateNamespace(Context *, const aegis::v1::UpdateNamespaceRequest *,
                           aegis::v1::UpdateNamespaceResponse *) override;
    Unary *ListConfigItems(Context *, const aegis::v1::ListConfigItemsRequest *,
                           aegis::v1::ListConfigItemsResponse *) override;
    Unary *GetConfigItem(Context *, const aegis::v1::GetConfigItemRequest *,
                         aegis::v1::GetConfigItemResponse *) override;
    Unary *PublishConfig(Context *, const aegis::v1::PublishConfigRequest *,
                         aegis::v1::PublishConfigResponse *) override;
    Unary *PublishChangeSet(Context *, const aegis::v1::PublishChangeSetRequest *,
                            aegis::v1::PublishChangeSetResponse *) override;
    Unary *DeleteConfigItem(Context *, const aegis::v1::DeleteConfigItemRequest *,
                            aegis::v1::DeleteConfigItemResponse *) override;
    Unary *ListConfigVersions(Context *, const aegis::v1::ListConfigVersionsRequest *,
                              aegis::v1::ListConfigVersionsResponse *) override;
    Unary *GetConfigVersion(Context *, const aegis::v1::GetConfigVersionRequest *,
                            aegis::v1::GetConfigVersionResponse *) override;
    Unary *DiffConfigVersions(Context *, const aegis::v1::DiffConfigVersionsRequest *,
                              aegis::v1::DiffConfigVersionsResponse *) override;
    Unary *RollbackConfig(Context *, const aegis::v1::RollbackConfigRequest *,
                          aegis::v1::RollbackConfigResponse *) override;
    Unary *StartGrayRelease(Context *, const aegis::v1::StartGrayReleaseRequest *,
                            aegis::v1::StartGrayReleaseResponse *) override;
    Unary *PromoteGrayRelease(Context *, const aegis::v1::PromoteGrayReleaseRequest *,
                              aegis::v1::PromoteGrayReleaseResponse *) override;
    Unary *CancelGrayRelease(Context *, const aegis::v1::CancelGrayReleaseRequest *,
                             aegis::v1::CancelGrayReleaseResponse *) override;
    Unary *ListProposals(Context *, const aegis::v1::ListProposalsRequest *,
                         aegis::v1::ListProposalsResponse *) override;
    Unary *ApproveProposal(Context *, const aegis::v1::ApproveProposalRequest *,
                           aegis::v1::ApproveProposalResponse *) override;
    Unary *RejectProposal(Context *, const aegis::v1::RejectProposalRequest *,
                          aegis::v1::RejectProposalResponse *) override;
    Unary *AckConfig(Context *, const aegis::v1::AckConfigRequest *,
                     aegis::v1::AckConfigResponse *) override;
    Unary *GetAppliedStatus(Context *, const aegis::v1::GetAppliedStatusRequest *,
                            aegis::v1::GetAppliedStatusResponse *) override;
    Unary *ExportNamespace(Context *, const aegis::v1::ExportNamespaceRequest *,
                           aegis::v1::ExportNamespaceResponse *) override;
    Unary *ImportNamespace(Context *, const aegis::v1::ImportNamespaceRequest *,
                           aegis::v1::ImportNamespaceResponse *) override;

    // The watch WatchConfig streams for `caller` (secrets masked for a viewer), once the call is
    // authorised; WatchService's config watches too.
    StatusOr<WatchFeedPtr<aegis::v1::WatchConfigResponse>>
    openWatch(const aegis::v1::WatchConfigRequest &request, const Caller &caller,
              std::function<void()> notify);

private:
    // WatchConfig, served raw: each distinct event is serialised once for every stream.
    grpc::ServerWriteReactor<grpc::ByteBuffer> *watchConfig(Context *context,
                                                            const aegis::v1::WatchConfigRequest &);

    ApiContext &m_api;
    config::ConfigCenter &m_config;
    registry::Registry &m_registry;
    std::shared_ptr<ConfigEventBytes> m_eventBytes;
};

} // namespace aegis::api
