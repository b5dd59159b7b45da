#include "api/audit_service.h"

#include "api/convert.h"
#include "api/watch_stream.h"

namespace aegis::api {
namespace {

constexpr std::string_view kWatchMethod = "/aegis.v1.AuditService/WatchAuditRecords";

void toProto(const audit::AuditRecord &record, aegis::v1::AuditRecord *out) {
    out->set_id(record.id);
    api::toProto(record.time, out->mutable_time());
    out->set_actor(record.actor);
    out->set_role(aegis::v1::Role_IsValid(record.role) ? static_cast<aegis::v1::Role>(record.role)
                                                       : aegis::v1::ROLE_UNSPECIFIED);
    out->set_peer(record.peer);
    out->set_method(record.method);
    out->set_resource(record.resource);
    out->set_summary(record.summary);
    out->set_code(record.code);
    out->set_error(record.error);
    out->set_revision(record.revision);
}

StatusOr<audit::AuditFilter> fromProto(const aegis::v1::AuditFilter &filter) {
    constexpr std::size_t kMaxFilterText = 256;
    for (const auto &[field, text] :
         {std::pair{"filter.actor", &filter.actor()}, std::pair{"filter.method", &filter.method()},
          std::pair{"filter.resource", &filter.resource()}}) {
        if (text->size() > kMaxFilterText) {
            return invalidArgument(std::string(field) + " must be at most 256 characters");
        }
    }
    audit::AuditFilter result;
    result.actor = filter.actor();
    result.method = filter.method();
    result.resource = filter.resource();
    switch (filter.outcome()) {
    case aegis::v1::AUDIT_OUTCOME_UNSPECIFIED:
        break;
    case aegis::v1::AUDIT_OUTCOME_SUCCEEDED:
        result.outcome = audit::Outcome::Succeeded;
        break;
    case aegis::v1::AUDIT_OUTCOME_FAILED:
        result.outcome = audit::Outcome::Failed;
        break;
    default:
        return invalidArgument("filter.outcome must be AUDIT_OUTCOME_UNSPECIFIED, "
                               "AUDIT_OUTCOME_SUCCEEDED or AUDIT_OUTCOME_FAILED (got " +
                               std::to_string(filter.outcome()) + ")");
    }
    if (filter.has_start_time()) {
        if (Status valid = validateTimestamp(filter.start_time(), "filter.start_time");
            !valid.isOk()) {
            return valid;
        }
        result.startTime = api::fromProto(filter.start_time());
    }
    if (filter.has_end_time()) {
        if (Status valid = validateTimestamp(filter.end_time(), "filter.end_time"); !valid.isOk()) {
            return valid;
        }
        result.endTime = api::fromProto(filter.end_time());
    }
    return result;
}

} // namespace

grpc::ServerUnaryReactor *
AuditServiceImpl::ListAuditRecords(grpc::CallbackServerContext *context,
                                   const aegis::v1::ListAuditRecordsRequest *request,
                                   aegis::v1::ListAuditRecordsResponse *response) {
    auto call = UnaryCall::start(m_api, context, "/aegis.v1.AuditService/ListAuditRecords");
    if (!call->authorized()) {
        return call->reactor();
    }
    auto pageSize = pageSizeOrDefault(request->page_size());
    auto filter = fromProto(request->filter());
    const auto &token = request->page_token();
    const bool tokenValid =
        token.empty() ||
        (token.size() == 20 && token.find_first_not_of("0123456789") == std::string::npos);
    if (!pageSize || !filter || !tokenValid) {
        call->finish(!pageSize ? pageSize.status()
                     : !filter ? filter.status()
                               : invalidArgument("page_token is not one this server issued"));
        return call->reactor();
    }
    auto page = m_api.audit.list(*filter, *pageSize, token);
    if (!page) {
        call->finish(page.status());
        return call->reactor();
    }
    response->mutable_header()->set_revision(page->revision);
    for (const auto &record : page->records) {
        toProto(record, response->add_records());
    }
    response->set_next_page_token(page->nextPageToken);
    call->finish(Status::ok());
    return call->reactor();
}

grpc::ServerWriteReactor<aegis::v1::WatchAuditRecordsResponse> *
AuditServiceImpl::WatchAuditRecords(grpc::CallbackServerContext *context,
                                    const aegis::v1::WatchAuditRecordsRequest *request) {
    auto open = [this, request](std::function<void()> notify) {
        return openWatch(*request, std::move(notify));
    };
    return new WatchStream<aegis::v1::WatchAuditRecordsResponse>(m_api, context, kWatchMethod,
                                                                 open);
}

StatusOr<WatchFeedPtr<aegis::v1::WatchAuditRecordsResponse>>
AuditServiceImpl::openWatch(const aegis::v1::WatchAuditRecordsRequest &request,
                            std::function<void()> notify) {
    auto parsed = fromProto(request.filter());
    if (!parsed) {
        return parsed.status();
    }
    auto watcher = m_api.hub.watch(std::string(audit::AuditLog::kPrefix), request.start_revision(),
                                   std::move(notify));
    if (!watcher) {
        return watcher.status();
    }
    auto convert = [filter = std::move(*parsed)](const std::vector<store::Event> &events,
                                                 aegis::v1::WatchAuditRecordsResponse &response) {
        for (const auto &event : events) {
            if (event.type != store::EventType::Put) {
                continue;
            }
            auto record = audit::AuditLog::decode(event.kv);
            if (record && filter.matches(*record)) {
                toProto(*record, response.add_records());
            }
        }
        return response.records_size() > 0;
    };
    return WatchFeedPtr<aegis::v1::WatchAuditRecordsResponse>(
        std::make_unique<SourceWatchFeed<aegis::v1::WatchAuditRecordsResponse, store::Watcher>>(
            std::move(*watcher), std::move(convert)));
}

} // namespace aegis::api
