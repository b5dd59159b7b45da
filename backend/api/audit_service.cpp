#include "api/audit_service.h"

#include "api/convert.h"
#include "common/logging.h"

#include <mutex>
#include <optional>

namespace aegis::api {
namespace {

constexpr std::string_view kWatchMethod = "/aegis.v1.AuditService/WatchAuditRecords";
constexpr std::size_t kMaxWatchBatch = 256;

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
    for (const auto &[field, text] : {std::pair{"filter.actor", &filter.actor()},
                                      std::pair{"filter.method", &filter.method()},
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

// Streams audit records from a WatchHub watcher. Writes one batch at a time; the watcher's bounded
// queue absorbs bursts, and a client too slow to keep up is cut off by the hub.
class AuditWatchReactor final
    : public grpc::ServerWriteReactor<aegis::v1::WatchAuditRecordsResponse> {
public:
    AuditWatchReactor(ApiContext &api, grpc::CallbackServerContext *context,
                      const aegis::v1::WatchAuditRecordsRequest &request)
        : m_api(api), m_started(std::chrono::steady_clock::now()),
          m_state(std::make_shared<State>()) {
        m_state->reactor = this;
        std::lock_guard lock(m_state->mutex);
        Caller caller;
        const MethodPolicy *policy = findPolicy(kWatchMethod);
        Status status = policy ? authorize(api, *context, *policy, caller)
                               : Status(StatusCode::PermissionDenied, "no permission rule");
        if (status.isOk()) {
            auto filter = fromProto(request.filter());
            status = filter.status();
            if (filter) {
                m_filter = std::move(*filter);
            }
        }
        if (status.isOk()) {
            auto watcher = api.hub.watch(std::string(audit::AuditLog::kPrefix),
                                         request.start_revision(),
                                         [state = m_state] { State::wake(state); });
            status = watcher.status();
            if (watcher) {
                m_watcher = std::move(*watcher);
            } else if (status.code() == StatusCode::OutOfRange) {
                context->AddTrailingMetadata("aegis-compact-revision",
                                             std::to_string(api.store.compactRevision()));
            }
        }
        if (!status.isOk()) {
            finishLocked(status);
            return;
        }
        // The first message confirms the watch and the revision it starts after.
        m_response.mutable_header()->set_revision(m_watcher->nextRevision() - 1);
        m_writing = true;
        StartWrite(&m_response);
    }

    void OnWriteDone(bool ok) override {
        std::lock_guard lock(m_state->mutex);
        m_writing = false;
        if (m_pendingFinish) {
            finishLocked(*m_pendingFinish);
        } else if (!ok) {
            finishLocked(Status(StatusCode::Cancelled, "the client went away"));
        } else {
            pumpLocked();
        }
    }

    void OnCancel() override {
        std::lock_guard lock(m_state->mutex);
        finishLocked(Status(StatusCode::Cancelled, "the watch was cancelled"));
    }

    void OnDone() override {
        {
            std::lock_guard lock(m_state->mutex);
            m_state->reactor = nullptr;
        }
        if (m_watcher) {
            m_watcher->cancel();
        }
        delete this;
    }

private:
    // Shared with the watcher's notify callback, which may outlive the reactor.
    struct State {
        std::recursive_mutex mutex;
        AuditWatchReactor *reactor = nullptr;

        static void wake(const std::shared_ptr<State> &state) {
            std::lock_guard lock(state->mutex);
            if (state->reactor != nullptr) {
                state->reactor->pumpLocked();
            }
        }
    };

    // Starts the next write if none is in flight and there is something to send.
    void pumpLocked() {
        if (m_writing || m_finished || !m_watcher) {
            return;
        }
        for (;;) {
            auto batch = m_watcher->take(kMaxWatchBatch);
            if (!batch.ended.isOk()) {
                finishLocked(batch.ended);
                return;
            }
            if (batch.events.empty()) {
                return;
            }
            m_response.Clear();
            m_response.mutable_header()->set_revision(batch.events.back().revision);
            for (const auto &event : batch.events) {
                if (event.type != store::EventType::Put) {
                    continue;
                }
                auto record = audit::AuditLog::decode(event.kv);
                if (record && m_filter.matches(*record)) {
                    toProto(*record, m_response.add_records());
                }
            }
            if (m_response.records_size() > 0) {
                m_writing = true;
                StartWrite(&m_response);
                return;
            }
        }
    }

    void finishLocked(const Status &status) {
        if (m_finished) {
            return;
        }
        if (m_writing) {
            // Finish after the write in flight completes.
            if (!m_pendingFinish) {
                m_pendingFinish = status;
            }
            return;
        }
        m_finished = true;
        m_api.metrics.record(std::string(kWatchMethod), static_cast<int>(status.code()),
                             std::chrono::steady_clock::now() - m_started);
        Finish(toGrpc(status));
    }

    ApiContext &m_api;
    const std::chrono::steady_clock::time_point m_started;
    std::shared_ptr<State> m_state;
    store::WatcherPtr m_watcher;
    audit::AuditFilter m_filter;
    aegis::v1::WatchAuditRecordsResponse m_response;
    bool m_writing = false;
    bool m_finished = false;
    std::optional<Status> m_pendingFinish;
};

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
        token.empty() || (token.size() == 20 && token.find_first_not_of("0123456789") ==
                                                    std::string::npos);
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
    return new AuditWatchReactor(m_api, context, *request);
}

} // namespace aegis::api
