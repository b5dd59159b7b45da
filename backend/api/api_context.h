#pragma once

#include "api/failed_auth_limiter.h"
#include "api/forward_proof.h"
#include "api/permission_table.h"
#include "api/rpc_metrics.h"
#include "audit/audit_log.h"
#include "auth/token_store.h"
#include "common/clock.h"
#include "registry/registry.h"
#include "store/store.h"
#include "store/watch_hub.h"

#include <grpcpp/server_context.h>
#include <grpcpp/support/server_callback.h>

#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

namespace aegis::api {

// Facts about the running daemon that SystemService reports.
struct DaemonInfo {
    std::string version;
    std::chrono::system_clock::time_point startTime;
    std::chrono::steady_clock::time_point startSteady;
};

// Open streams with the token that authorised them, so that shutdown ends them (UNAVAILABLE) and
// so do the revocation or expiry of their token (UNAUTHENTICATED). Thread-safe; callbacks run
// under the closer's lock, so a stream that removes itself in OnDone is never called after it is
// gone. A callback may run more than once (shutdown, then revocation): the stream finishes once.
class StreamCloser {
public:
    using Close = std::function<void(const Status &)>;

    // `token` names the token the stream was authorised with; `expireTime` is when it expires.
    std::uint64_t add(Close close, std::string token = {},
                      std::optional<std::chrono::system_clock::time_point> expireTime = {});
    void remove(std::uint64_t id);
    // Calls every registered callback once; streams added afterwards are closed at once.
    void closeAll(const Status &status);
    // Ends the streams of a revoked token.
    void closeToken(const std::string &token);
    // Ends the streams whose token expired by `now`; cheap when none has.
    void closeExpired(std::chrono::system_clock::time_point now);

private:
    struct Entry {
        Close close;
        std::string token;
        std::optional<std::chrono::system_clock::time_point> expireTime;
    };
    // Erases the entries `ends` picks and calls them with the status it gives; m_mutex held.
    void closeWhere(const std::function<std::optional<Status>(const Entry &)> &ends);

    std::recursive_mutex m_mutex;
    std::map<std::uint64_t, Entry> m_streams;
    std::uint64_t m_nextId = 1;
    std::optional<Status> m_closed;
    // The earliest expiry among m_streams (max when none expires).
    std::chrono::system_clock::time_point m_nextExpiry =
        std::chrono::system_clock::time_point::max();
};

// Unary calls between their start and their answer, so shutdown can refuse new calls and wait
// for the ones in flight. Thread-safe.
class CallTracker {
public:
    // False when draining: the caller answers UNAVAILABLE instead of starting the call.
    bool begin();
    void end();
    // Refuses new calls from now on and waits until none is in flight or `deadline` passes;
    // returns the number still in flight.
    std::size_t drain(std::chrono::steady_clock::time_point deadline);
    // After drain(): waits until no call has been refused for `quiet` (or `deadline`), so calls
    // already queued inside gRPC are answered UNAVAILABLE by us rather than cancelled by the
    // transport when the server stops.
    void settle(std::chrono::milliseconds quiet, std::chrono::steady_clock::time_point deadline);

private:
    std::mutex m_mutex;
    std::condition_variable m_idle;
    std::size_t m_inFlight = 0;
    bool m_draining = false;
    std::chrono::steady_clock::time_point m_lastRefused;
};

// What the service adapters share. Not owned; the daemon outlives the services.
struct ApiContext {
    store::Store &store;
    store::WatchHub &hub;
    auth::TokenStore &tokens;
    audit::AuditLog &audit;
    registry::Registry &registry;
    StreamCloser &streams;
    CallTracker &calls;
    RpcMetrics &metrics;
    FailedAuthLimiter &failedAuth;
    // Checks the forwarding metadata of calls another replica forwarded (LeaderForwarder).
    const ForwardProof &forwardProof;
    ClockPtr clock;
    DaemonInfo info;
    // OK, or UNAVAILABLE saying why this replica takes no writes now (it lost its store): every
    // mutation is refused with it after authorisation. Null: always writable.
    std::function<Status()> writable;

    // Periodic upkeep: ends the streams of tokens that expired and writes the failed-
    // authentication summaries. The daemon calls it several times a second.
    void sweep();
    // Ends the streams of a token just revoked (TokenStore's revoked listener).
    void tokenRevoked(const std::string &name);
};

// The authenticated caller of an RPC.
struct Caller {
    std::string name = "anonymous";
    auth::Role role = auth::Role::Unspecified;
    auth::Scope scope;
    std::optional<std::chrono::system_clock::time_point> expireTime;
    std::string peer;
};

// Establishes who calls `method` and checks the permission table: UNAUTHENTICATED without a
// valid bearer token (or, without looking the token up, from a peer that got too many wrong
// lately), PERMISSION_DENIED when the role does not grant the method's access, or when the
// method is scoped (MethodPolicy::target) and `target` (the service or namespace the request
// names) is outside a service token's scope. An empty `target` is left to the handler's
// validation, which requires it. Fills `caller` with what is known even when the call is refused.
Status authorize(const ApiContext &api, const grpc::CallbackServerContext &context,
                 const MethodPolicy &policy, Caller &caller, std::string_view target = {});

// authorize() against `method`'s rule in the permission table; PERMISSION_DENIED when it has none
// (unreachable once checkPermissionTableCoverage() passed at start-up). For a stream's opening.
Status authorizeMethod(const ApiContext &api, const grpc::CallbackServerContext &context,
                       std::string_view method, Caller &caller, std::string_view target = {});

// Who the call's bearer token names, without checking permissions or counting a failure: for
// what a handler decides before its stream authorises the call (e.g. masking). A default Caller
// when there is no valid token.
Caller identify(const ApiContext &api, const grpc::CallbackServerContext &context);

// Registers an authorised stream with api.streams under its caller's token, so that revocation,
// expiry and shutdown end it; `close` may run before this returns. A token revoked between the
// stream's authorisation and this call ends the stream here.
std::uint64_t addStream(ApiContext &api, StreamCloser::Close close, const Caller &caller);

// addStream() for a stream reactor reached through shared state (a `mutex` and a `stream` pointer
// the reactor clears in OnDone, because the closer may run after the stream is gone): the closer
// ends the stream with its finishLocked(why) under that lock. Call it outside the state's lock:
// the closer takes the StreamCloser's lock, then the state's. A stream whose finishLocked() is
// private declares this a friend.
template <typename State>
std::uint64_t addStateStream(ApiContext &api, const std::shared_ptr<State> &state,
                             const Caller &caller) {
    return addStream(
        api,
        [state](const Status &why) {
            std::lock_guard lock(state->mutex);
            if (state->stream != nullptr) {
                state->stream->finishLocked(why);
            }
        },
        caller);
}

// The permission half of authorize(), for a caller already authenticated: what a multiplexed
// watch stream checks for each watch it creates, against the per-watcher RPC's entry.
Status checkAccess(const Caller &caller, const MethodPolicy &policy, std::string_view target = {});

// The scope half of authorize(), for what a call names after it started (a KeepAlive's leases).
Status checkScope(const Caller &caller, const MethodPolicy &policy, std::string_view target);

// Whether a service caller owns lease `lease`: every instance it carries is of one of its
// services (a lease without instances keeps nothing alive and is anyone's). PERMISSION_DENIED
// naming the foreign service otherwise; OK for every other role.
Status checkLease(const ApiContext &api, const Caller &caller, const MethodPolicy &policy,
                  registry::LeaseId lease);

// One unary RPC from start to answer: it authorises the call against the permission table,
// measures it, and for a mutation writes the audit record (durably) before the answer goes out.
// Create it with start(); the handler then calls finish() exactly once, from any thread.
class UnaryCall : public std::enable_shared_from_this<UnaryCall> {
public:
    // `resource` names what a mutation changes, for its audit record (also when it is refused).
    // `target` is the service or namespace a scoped method's request names (see authorize()).
    static std::shared_ptr<UnaryCall> start(ApiContext &api, grpc::CallbackServerContext *context,
                                            std::string_view method, std::string resource = {},
                                            std::string_view target = {});

    // False when the call was refused (and already answered); the handler just returns reactor().
    bool authorized() const { return m_authorized; }
    grpc::ServerUnaryReactor *reactor() const { return m_reactor; }
    const Caller &caller() const { return m_caller; }
    // Set when another replica forwarded the call, as its proven metadata says (ForwardProof);
    // a call whose forwarding metadata is not proven is refused before its handler runs.
    const std::optional<Forwarding> &forwarding() const { return m_forwarding; }

    // What the audit record says; never include secrets.
    void setSummary(std::string summary) { m_summary = std::move(summary); }

    // The audit record of this mutation succeeding, for the mutation to commit in its own
    // transaction so that the change and its record are durable together (one fsync). Set the
    // summary first. When the transaction applied, finish with `auditedWithChange`.
    store::Operation auditOperation();

    // Answers the call; `revision` is the store revision of the change, if it made one. Unless
    // the change carried its audit record (`auditedWithChange`), a mutation's record is written
    // first and the answer waits for it.
    void finish(const Status &status, store::Revision revision = 0, bool auditedWithChange = false);
    // Answers with another replica's answer to this call, unchanged and without an audit record
    // here: the replica that served it wrote the record (LeaderForwarder).
    void relay(const grpc::Status &status);

private:
    UnaryCall(ApiContext &api, grpc::CallbackServerContext *context, const MethodPolicy *policy,
              std::string method);
    void answer(const Status &status);
    void finishReactor(StatusCode code, const grpc::Status &status);
    audit::AuditRecord auditRecord(const Status &status, store::Revision revision) const;

    ApiContext &m_api;
    grpc::CallbackServerContext *m_context; // Not owned.
    grpc::ServerUnaryReactor *m_reactor;    // Owned by gRPC.
    const MethodPolicy *m_policy;
    const std::string m_method;
    const std::chrono::steady_clock::time_point m_started;
    Caller m_caller;
    std::optional<Forwarding> m_forwarding;
    bool m_authorized = false;
    bool m_tracked = false;
    std::string m_resource;
    std::string m_summary;
};

// Validation helpers for paging (AIP-158), shared by every List RPC.
StatusOr<std::size_t> pageSizeOrDefault(std::int32_t pageSize,
                                        std::string_view field = "page_size");

} // namespace aegis::api
