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

// The secret of the call's "authorization: Bearer <secret>" metadata, or why there is none.
StatusOr<std::string_view> bearerSecret(const grpc::CallbackServerContext &context) {
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
    return value.substr(kScheme.size());
}

void identifyAs(const auth::Principal &principal, Caller &caller) {
    caller.name = principal.name;
    caller.role = principal.role;
    caller.scope = principal.scope;
    caller.expireTime = principal.expireTime;
}

} // namespace

Caller identify(const ApiContext &api, const grpc::CallbackServerContext &context) {
    Caller caller;
    caller.peer = context.peer();
    if (const auto secret = bearerSecret(context)) {
        if (const auto principal = api.tokens.authenticate(*secret)) {
            identifyAs(*principal, caller);
        }
    }
    return caller;
}

Status authorize(const ApiContext &api, const grpc::CallbackServerContext &context,
                 const MethodPolicy &policy, Caller &caller, std::string_view target) {
    caller.peer = context.peer();
    const auto secret = bearerSecret(context);
    if (!secret) {
        api.failedAuth.recordFailure(caller.peer, false);
        return secret.status();
    }
    // A valid token is always accepted, however many bad ones its address sent: a lookup costs one
    // hash, and refusing it would let one misconfigured client lock out every client behind the
    // same address. The limiter bounds what the failures cost in logging and names the flood.
    const auto principal = api.tokens.authenticate(*secret);
    if (!principal) {
        const bool flooding = !api.failedAuth.admits(caller.peer);
        api.failedAuth.recordFailure(caller.peer, true);
        std::string message = "the bearer token is not valid (unknown, revoked or expired)";
        if (flooding) {
            message += "; too many failed authentications from " +
                       FailedAuthLimiter::peerAddress(caller.peer) + ": check the client's token";
        }
        return Status(StatusCode::Unauthenticated, std::move(message));
    }
    identifyAs(*principal, caller);
    return checkAccess(caller, policy, target);
}

Status checkAccess(const Caller &caller, const MethodPolicy &policy, std::string_view target) {
    if (!auth::roleGrants(caller.role, policy.access)) {
        return Status(StatusCode::PermissionDenied, "token '" + caller.name + "' has role " +
                                                        std::string(auth::roleName(caller.role)) +
                                                        ", which may not call " +
                                                        std::string(policy.method));
    }
    return target.empty() ? Status::ok() : checkScope(caller, policy, target);
}

Status checkScope(const Caller &caller, const MethodPolicy &policy, std::string_view target) {
    if (auth::scopeCovers(caller.role, caller.scope, policy.target, target)) {
        return Status::ok();
    }
    const std::string what = policy.target == auth::Target::Namespace ? "namespace '" : "service '";
    return Status(StatusCode::PermissionDenied,
                  "token '" + caller.name + "' (role service, bound to " +
                      auth::describeScope(caller.scope) + ") may not call " +
                      std::string(policy.method) + " for " + what + std::string(target) + "'");
}

Status checkLease(const ApiContext &api, const Caller &caller, const MethodPolicy &policy,
                  registry::LeaseId lease) {
    if (caller.role != auth::Role::Service) {
        return Status::ok();
    }
    for (const std::string &service : api.registry.leaseServices(lease)) {
        if (Status scoped = checkScope(caller, policy, service); !scoped.isOk()) {
            return Status(StatusCode::PermissionDenied, "lease " + std::to_string(lease) +
                                                            " carries instances of service '" +
                                                            service + "': " + scoped.message());
        }
    }
    return Status::ok();
}

Status authorizeMethod(const ApiContext &api, const grpc::CallbackServerContext &context,
                       std::string_view method, Caller &caller, std::string_view target) {
    const MethodPolicy *policy = findPolicy(method);
    return policy ? authorize(api, context, *policy, caller, target)
                  : Status(StatusCode::PermissionDenied, "no permission rule");
}

std::uint64_t addStream(ApiContext &api, StreamCloser::Close close, const Caller &caller) {
    const std::uint64_t id = api.streams.add(std::move(close), caller.name, caller.expireTime);
    if (id != 0 && !api.tokens.find(caller.name)) {
        api.streams.closeToken(caller.name); // revoked before the stream was registered
    }
    return id;
}

void ApiContext::sweep() {
    streams.closeExpired(clock->now());
    failedAuth.flushLog();
}

void ApiContext::tokenRevoked(const std::string &name) {
    streams.closeToken(name);
}

std::shared_ptr<UnaryCall> UnaryCall::start(ApiContext &api, grpc::CallbackServerContext *context,
                                            std::string_view method, std::string resource,
                                            std::string_view target) {
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
    auto forwarding = api.forwardProof.verify(*context, method);
    if (!forwarding) {
        // Counted and summarised with the other failed authentications: a flood of them costs a
        // log line per peer and interval, not one per call.
        api.failedAuth.recordFailure(context->peer(), false);
        call->answer(forwarding.status());
        return call;
    }
    call->m_forwarding = std::move(*forwarding);
    const Status authorized = authorize(api, *context, *policy, call->m_caller, target);
    if (!authorized.isOk()) {
        // A refused mutation by a known token is audited; anonymous noise is summarised in the
        // log by FailedAuthLimiter.
        if (policy->mutation && authorized.code() == StatusCode::PermissionDenied) {
            call->finish(authorized);
        } else {
            if (authorized.code() != StatusCode::Unauthenticated) {
                log::info("call refused", {{"method", method},
                                           {"peer", context->peer()},
                                           {"code", statusCodeName(authorized.code())}});
            }
            call->answer(authorized);
        }
        return call;
    }
    if (policy->mutation && api.writable) {
        if (Status writable = api.writable(); !writable.isOk()) {
            call->answer(writable);
            return call;
        }
    }
    call->m_caller.peer =
        call->m_forwarding ? call->m_forwarding->auditPeer(context->peer()) : context->peer();
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

void UnaryCall::relay(const grpc::Status &status) {
    finishReactor(static_cast<StatusCode>(status.error_code()), status);
}

void UnaryCall::answer(const Status &status) {
    finishReactor(status.code(), toGrpc(status));
}

void UnaryCall::finishReactor(StatusCode code, const grpc::Status &status) {
    m_api.metrics.record(m_method, code, std::chrono::steady_clock::now() - m_started);
    m_reactor->Finish(status);
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

std::uint64_t StreamCloser::add(Close close, std::string token,
                                std::optional<std::chrono::system_clock::time_point> expireTime) {
    std::lock_guard lock(m_mutex);
    if (m_closed) {
        close(*m_closed);
        return 0;
    }
    const std::uint64_t id = m_nextId++;
    if (expireTime) {
        m_nextExpiry = std::min(m_nextExpiry, *expireTime);
    }
    m_streams.emplace(id, Entry{std::move(close), std::move(token), expireTime});
    return id;
}

void StreamCloser::remove(std::uint64_t id) {
    std::lock_guard lock(m_mutex);
    m_streams.erase(id);
}

void StreamCloser::closeAll(const Status &status) {
    std::lock_guard lock(m_mutex);
    m_closed = status;
    // A copy: a stream may finish, and remove itself, from inside its callback.
    const auto streams = m_streams;
    for (const auto &[id, entry] : streams) {
        entry.close(status);
    }
}

void StreamCloser::closeToken(const std::string &token) {
    std::lock_guard lock(m_mutex);
    closeWhere([&token](const Entry &entry) -> std::optional<Status> {
        if (entry.token != token) {
            return std::nullopt;
        }
        return Status(StatusCode::Unauthenticated,
                      "the token '" + token + "' was revoked; this stream has ended");
    });
}

void StreamCloser::closeExpired(std::chrono::system_clock::time_point now) {
    std::lock_guard lock(m_mutex);
    if (now < m_nextExpiry) {
        return;
    }
    closeWhere([now](const Entry &entry) -> std::optional<Status> {
        if (!entry.expireTime || *entry.expireTime > now) {
            return std::nullopt;
        }
        return Status(StatusCode::Unauthenticated,
                      "the token '" + entry.token + "' expired; this stream has ended");
    });
    m_nextExpiry = std::chrono::system_clock::time_point::max();
    for (const auto &[id, entry] : m_streams) {
        if (entry.expireTime) {
            m_nextExpiry = std::min(m_nextExpiry, *entry.expireTime);
        }
    }
}

void StreamCloser::closeWhere(const std::function<std::optional<Status>(const Entry &)> &ends) {
    std::vector<std::pair<Close, Status>> ending;
    for (auto it = m_streams.begin(); it != m_streams.end();) {
        if (auto status = ends(it->second)) {
            ending.emplace_back(std::move(it->second.close), std::move(*status));
            it = m_streams.erase(it);
        } else {
            ++it;
        }
    }
    for (const auto &[close, status] : ending) {
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
