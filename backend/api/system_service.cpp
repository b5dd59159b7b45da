#include "api/system_service.h"

#include "api/convert.h"
#include "common/input_text.h"
#include "common/logging.h"

namespace aegis::api {

grpc::ServerUnaryReactor *SystemServiceImpl::GetStatus(grpc::CallbackServerContext *context,
                                                       const aegis::v1::GetStatusRequest *,
                                                       aegis::v1::GetStatusResponse *response) {
    auto call = UnaryCall::start(m_api, context, "/aegis.v1.SystemService/GetStatus");
    if (!call->authorized()) {
        return call->reactor();
    }
    response->mutable_header()->set_revision(m_api.store.currentRevision());
    response->set_version(m_api.info.version);
    toProto(m_api.info.startTime, response->mutable_start_time());
    toProto(std::chrono::steady_clock::now() - m_api.info.startSteady, response->mutable_uptime());
    response->set_store_kind(m_api.store.kind());
    response->set_compact_revision(m_api.store.compactRevision());
    auto &counts = *response->mutable_resource_counts();
    counts["tokens"] = static_cast<std::int64_t>(m_api.tokens.count());
    counts["audit_records"] = m_api.audit.count();
    counts["services"] = static_cast<std::int64_t>(m_api.registry.serviceCount());
    counts["instances"] = static_cast<std::int64_t>(m_api.registry.instanceCount());
    counts["leases"] = static_cast<std::int64_t>(m_api.registry.leaseCount());
    response->set_log_level(log::level());
    call->finish(Status::ok());
    return call->reactor();
}

grpc::ServerUnaryReactor *
SystemServiceImpl::SetLogLevel(grpc::CallbackServerContext *context,
                               const aegis::v1::SetLogLevelRequest *request,
                               aegis::v1::SetLogLevelResponse *response) {
    auto call =
        UnaryCall::start(m_api, context, "/aegis.v1.SystemService/SetLogLevel", "daemon/log-level");
    if (!call->authorized()) {
        return call->reactor();
    }
    if (!log::isValidLevel(request->level())) {
        call->finish(invalidArgument(
            "level must be one of trace, debug, info, warn, error, critical, off (got " +
            quoteInput(request->level()) + ")"));
        return call->reactor();
    }
    const std::string previous = log::level();
    log::setLevel(request->level());
    log::info("log level changed",
              {{"from", previous}, {"to", log::level()}, {"by", call->caller().name}});
    call->setSummary("log level " + previous + " -> " + log::level());
    response->mutable_header()->set_revision(m_api.store.currentRevision());
    response->set_previous_level(previous);
    call->finish(Status::ok());
    return call->reactor();
}

} // namespace aegis::api
