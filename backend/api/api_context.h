#pragma once

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

// Open streams that no WatchHub watcher ends (KeepAlive), so shutdown can end them with
// UNAVAILABLE. Thread-safe; callbacks run under the closer's lock, so a stream that removes itself
// in OnDone is never called after it is gone.
class StreamCloser {
public:
    std::uint64_t add(std::function<void(const Status &)> close);
    void remove(std::uint64_t id);
    // Calls every registered callback once; streams added afterwards are closed at once.
    void closeAll(const Status &status);

private:
    std::recursive_mutex m_mutex;
    std::map<std::uint64_t, std::function<void(const Status &)>> m_streams;
    std::uint64_t m_nextId = 1;
    std::optional<Status> m_closed;
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
    ClockPtr clock;
    DaemonInfo info;
};

// The authenticated caller of an RPC.
struct Caller {
    std::string name = "anonymous";
    auth::Role role = auth::Role::Unspecified;
    std::string peer;
};

// Establishes who calls `method` and checks the permission table: UNAUTHENTICATED without a
// valid bearer token, PERMISSION_DENIED when the role does not grant the method's access.
// Fills `caller` with what is known even when the call is refused.
Status authorize(const ApiContext &api, const grpc::CallbackServerContext &context,
                 const MethodPolicy &policy, Caller &caller);

// One unary RPC from start to answer: it authorises the call against the permission table,
// measures it, and for a mutation writes the audit record (durably) before the answer goes out.
// Create it with start(); the handler then calls finish() exactly once, from any thread.
class UnaryCall : public std::enable_shared_from_this<UnaryCall> {
public:
    // `resource` names what a mutation changes, for its audit record (also when it is refused).
    static std::shared_ptr<UnaryCall> start(ApiContext &api, grpc::CallbackServerContext *context,
                                            std::string_view method, std::string resource = {});

    // False when the call was refused (and already answered); the handler just returns reactor().
    bool authorized() const { return m_authorized; }
    grpc::ServerUnaryReactor *reactor() const { return m_reactor; }
    const Caller &caller() const { return m_caller; }

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

private:
    UnaryCall(ApiContext &api, grpc::CallbackServerContext *context, const MethodPolicy *policy,
              std::string method);
    void answer(const Status &status);
    audit::AuditRecord auditRecord(const Status &status, store::Revision revision) const;

    ApiContext &m_api;
    grpc::CallbackServerContext *m_context; // Not owned.
    grpc::ServerUnaryReactor *m_reactor;    // Owned by gRPC.
    const MethodPolicy *m_policy;
    const std::string m_method;
    const std::chrono::steady_clock::time_point m_started;
    Caller m_caller;
    bool m_authorized = false;
    bool m_tracked = false;
    std::string m_resource;
    std::string m_summary;
};

// Validation helpers for paging (AIP-158), shared by every List RPC.
StatusOr<std::size_t> pageSizeOrDefault(std::int32_t pageSize,
                                        std::string_view field = "page_size");

} // namespace aegis::api
