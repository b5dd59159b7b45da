#pragma once

#include "aegis/v1/audit.grpc.pb.h"
#include "api/api_context.h"
#include "api/watch_stream.h"

namespace aegis::api {

class AuditServiceImpl final : public aegis::v1::AuditService::CallbackService {
public:
    explicit AuditServiceImpl(ApiContext &api)
        : m_api(api) {}

    grpc::ServerUnaryReactor *
    ListAuditRecords(grpc::CallbackServerContext *context,
                     const aegis::v1::ListAuditRecordsRequest *request,
                     aegis::v1::ListAuditRecordsResponse *response) override;
    grpc::ServerWriteReactor<aegis::v1::WatchAuditRecordsResponse> *
    WatchAuditRecords(grpc::CallbackServerContext *context,
                      const aegis::v1::WatchAuditRecordsRequest *request) override;

    // The watch WatchAuditRecords streams, once the call is authorised; WatchService's audit
    // watches too.
    StatusOr<WatchFeedPtr<aegis::v1::WatchAuditRecordsResponse>>
    openWatch(const aegis::v1::WatchAuditRecordsRequest &request, std::function<void()> notify);

private:
    ApiContext &m_api;
};

} // namespace aegis::api
