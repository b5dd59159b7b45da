#include "api/api_context.h"

#include "api/convert.h"
#include "common/logging.h"

namespace aegis::api {
namespace {

constexpr std::size_t kDefaultPageSize = 100;
constexpr std::size_t kMaxPageSize = 1000;

std::string_view toView(grpc::string_ref ref) {
    return {ref.data(), ref.size()};
}

} // namespace

Status authorize(const ApiContext &api, const grpc::CallbackServerContext &context,
                 const MethodPolicy &policy, Caller &caller) {
    caller.peer = context.peer();
    const auto &metadata = context.client_metadata();
    const auto header = metadata.find("authorization");
    if (header == metadata.end()) {
        return Status(StatusCode::Unauthenticated,
                      "missing bearer token: send metadata 'authorization: Bearer <token>'");
    }
    constexpr std::string_view kScheme = "Bearer ";
    const std::string_view value = toView(header->second);
    if (value.size() <= kScheme.size() || value.substr(0, kScheme.size()) != kScheme) {
        return Status(StatusCode::Unauthenticated,
                      "malformed authorization metadata: expected 'Bearer <token>'");
    }
    const auto principal = api.tokens.authenticate(value.substr(kScheme.size()));
    if (!principal) {
        return Status(StatusCode::Unauthenticated,
                      "the bearer token is not valid (unknown, revoked or expired)");
    }
    caller.name = principal->name;
    caller.role = principal->role;
    if (!auth::roleGrants(caller.role, policy.access)) {
        return Status(StatusCode::PermissionDenied, "token '" + caller.name + "' has role " +
                                                        std::string(auth::roleName(caller.role)) +
                                                        ", which may not call " +
                                                        std::string(policy.method));
    }
    return Status::ok();
}

std::shared_ptr<UnaryCall> UnaryCall::start(ApiContext &api, grpc::CallbackServerContext *context,
                                            std::string_view method, std::string resource) {
    const MethodPolicy *policy = findPolicy(method);
    std::shared_ptr<UnaryCall> call(new UnaryCall(api, context, policy, std::string(method)));
    call->m_resource = std::move(resource);
    if (!api.calls.begin()) {
        call->answer(unavailable("aegisd is shutting down; retry on another replica or later"));
        return call;
    }
    call->m_tracked = true;
    if (policy == nullptr) {
        // Unreachable when checkPermissionTableCoverage() passed at start-up; refuse regardless.
        call->answer(
            Status(StatusCode::PermissionDenied, "no permission rule for " + std::string(method)));
        return call;
    }
    const Status authorized = authorize(api, *context, *policy, call->m_caller);
    if (!authorized.isOk()) {
        // A refused mutation by a known token is audited; anonymous noise is only logged.
        if (policy->mutation && authorized.code() == StatusCode::PermissionDenied) {
            call->finish(authorized);
        } else {
            log::info("call refused", {{"method", method},
                                       {"peer", context->peer()},
                                       {"code", statusCodeName(authorized.code())}});
            call->answer(authorized);
        }
        return call;
    }
    call->m_authorized = true;
    return call;
}

UnaryCall::UnaryCall(ApiContext &api, grpc::CallbackServerContext *context,
                     const MethodPolicy *policy, std::string method)
    : m_api(api)
    , m_context(context)
    , m_reactor(context->DefaultReactor())
    , m_policy(policy)
    , m_method(std::move(method))
    , m_started(std::chrono::steady_clock::now()) {}

audit::AuditRecord UnaryCall::auditRecord(const Status &status, store::Revision revision) const {
    audit::AuditRecord record;
    record.actor = m_caller.name;
    record.role = static_cast<int>(m_caller.role);
    record.peer = m_caller.peer;
    record.method = m_method;
    record.resource = m_resource;
    record.summary = m_summary;
    record.code = static_cast<int>(status.code());
    record.error = status.isOk() ? std::string() : status.message();
    record.revision = revision;
    return record;
}

store::Operation UnaryCall::auditOperation() {
    return m_api.audit.prepare(auditRecord(Status::ok(), 0));
}

void UnaryCall::finish(const Status &status, store::Revision revision, bool auditedWithChange) {
    // Requests rejected by validation changed nothing and are not audited, so malformed input
    // cannot fill the audit log.
    if (m_policy == nullptr || !m_policy->mutation ||
        status.code() == StatusCode::InvalidArgument) {
        return answer(status);
    }
    if (auditedWithChange && status.isOk()) {
        m_api.audit.recordCommitted();
        return answer(status);
    }
    m_api.audit.append(auditRecord(status, revision), [self = shared_from_this(),
                                                       status](Status written) {
        if (!written.isOk()) {
            log::error("audit record not written",
                       {{"method", self->m_method}, {"error", written.message()}});
            if (!status.isOk()) {
                // The call failed and changed nothing: its own error says what happened.
                return self->answer(status);
            }
            // The change may be durable but its audit record is not: do not claim success.
            return self->answer(unavailable("the change was applied but could not be audited: " +
                                            written.message()));
        }
        self->answer(status);
    });
}

void UnaryCall::answer(const Status &status) {
    m_api.metrics.record(m_method, static_cast<int>(status.code()),
                         std::chrono::steady_clock::now() - m_started);
    m_reactor->Finish(toGrpc(status));
    if (m_tracked) {
        m_tracked = false;
        m_api.calls.end();
    }
}

bool CallTracker::begin() {
    std::lock_guard lock(m_mutex);
    if (m_draining) {
        m_lastRefused = std::chrono::steady_clock::now();
        return false;
    }
    ++m_inFlight;
    return true;
}

void CallTracker::end() {
    std::lock_guard lock(m_mutex);
    if (--m_inFlight == 0) {
        m_idle.notify_all();
    }
}

std::size_t CallTracker::drain(std::chrono::steady_clock::time_point deadline) {
    std::unique_lock lock(m_mutex);
    m_draining = true;
    m_lastRefused = std::chrono::steady_clock::now();
    m_idle.wait_until(lock, deadline, [this] { return m_inFlight == 0; });
    return m_inFlight;
}

void CallTracker::settle(std::chrono::milliseconds quiet,
                         std::chrono::steady_clock::time_point deadline) {
    std::unique_lock lock(m_mutex);
    for (;;) {
        const auto quietFrom = m_lastRefused + quiet;
        const auto now = std::chrono::steady_clock::now();
        if (now >= quietFrom || now >= deadline) {
            return;
        }
        // Nothing signals this condition; it wakes when the quiet period or deadline is reached.
        m_idle.wait_until(lock, std::min(quietFrom, deadline));
    }
}

std::uint64_t StreamCloser::add(std::function<void(const Status &)> close) {
    std::lock_guard lock(m_mutex);
    if (m_closed) {
        close(*m_closed);
        return 0;
    }
    const std::uint64_t id = m_nextId++;
    m_streams.emplace(id, std::move(close));
    return id;
}

void StreamCloser::remove(std::uint64_t id) {
    std::lock_guard lock(m_mutex);
    m_streams.erase(id);
}

void StreamCloser::closeAll(const Status &status) {
    std::lock_guard lock(m_mutex);
    m_closed = status;
    for (auto &[id, close] : m_streams) {
        close(status);
    }
}

StatusOr<std::size_t> pageSizeOrDefault(std::int32_t pageSize, std::string_view field) {
    if (pageSize < 0) {
        return invalidArgument(std::string(field) + " must not be negative");
    }
    if (pageSize == 0) {
        return kDefaultPageSize;
    }
    return std::min<std::size_t>(static_cast<std::size_t>(pageSize), kMaxPageSize);
}

} // namespace aegis::api
