#pragma once

#include "client/backoff.h"
#include "client/endpoint.h"
#include "client/resumable_stream.h"
#include "client/stop_signal.h"
#include "common/label_selector.h"
#include "common/status.h"

#include <grpcpp/channel.h>

namespace aegis::v1 {
class Instance;
}

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

namespace aegis::client {

struct RegistrationOptions {
    // Required: the service (a DNS label), the instance's id within it (unique, stable across
    // restarts of the process) and the host:port callers connect to.
    std::string service;
    std::string instanceId;
    std::string address;
    Labels labels;
    Labels metadata;
    // 0..10000 (0 receives no traffic).
    std::int32_t weight = 100;
    // The lease TTL, 1..3600 s. The lease is renewed every ttl/3, so up to two renewals may be
    // lost before the instance expires.
    std::chrono::seconds ttl{15};
    // Deadline of every unary call (register, deregister).
    std::chrono::milliseconds callTimeout{5000};
    // The KeepAlive stream is closed and reopened after this long, so that it too has a deadline.
    std::chrono::milliseconds streamLifetime{std::chrono::minutes(5)};
    // Delay between attempts that the daemon refused. While it cannot be reached at all, the
    // channel's own reconnection paces the attempts instead (see makeChannel()).
    BackoffOptions backoff;
};

// Keeps one instance registered with aegisd for as long as it lives: registers under a new lease,
// renews the lease over a KeepAlive stream every ttl/3, and recovers on its own:
//  - the stream breaks (daemon restart, network): renew the same lease as soon as the channel
//    has reconnected (aegisd restores leases on restart, each with a TTL from its readiness);
//  - the lease is gone (a renewal answers TTL 0, or the lease is unknown): register again, same
//    instance, new lease.
// deregister() (or destruction) stops renewing and removes the instance. Graceful shutdown of a
// service: shutDownGracefully() (client/graceful_shutdown.h) marks it draining, deregisters, lets
// the removal reach callers, and only then stops accepting and drains in-flight work.
//
// Runs on its own thread with blocking calls, each with a deadline; nothing blocks a gRPC thread.
// All methods are thread-safe. The destructor cancels whatever is in flight and joins.
class Registration {
public:
    enum class State {
        // Not registered yet: the first registration is being attempted.
        Registering,
        // Registered, lease renewed.
        Registered,
        // The stream or the lease was lost: reconnecting / registering again.
        Recovering,
        // deregister() was called (or destruction began).
        Deregistered,
    };

    struct Snapshot {
        State state = State::Registering;
        std::int64_t leaseId = 0;
        // Successful RegisterInstance calls: 1 after the first, +1 per re-registration.
        int registrations = 0;
        // Successful lease renewals.
        std::int64_t renewals = 0;
        // Why the last attempt failed, if it did.
        Status lastError;
    };

    // Called on the registration's thread after every state change. Must be quick and must not
    // call deregister() or destroy the Registration.
    using StateListener = std::function<void(const Snapshot &)>;

    // INVALID_ARGUMENT when a required option is missing or out of range. Starts at once; the
    // first registration happens in the background (see waitUntilRegistered()).
    static StatusOr<std::unique_ptr<Registration>> start(std::shared_ptr<grpc::Channel> channel,
                                                         RegistrationOptions options,
                                                         StateListener listener = {});
    // Deregisters (if not done) and joins.
    ~Registration();
    Registration(const Registration &) = delete;
    Registration &operator=(const Registration &) = delete;

    // Stops renewing and removes the instance from the registry. Idempotent; returns the outcome
    // of the DeregisterInstance call (OK when the instance was already gone).
    Status deregister();

    // Sets the instance's state (Serving, Draining or Maintenance) by registering it again under
    // its lease: callers' pickers choose only serving instances. Re-registrations after a lost
    // lease keep it. FAILED_PRECONDITION before the first registration or after deregister().
    Status setState(InstanceState state);

    // Reports the instance's own health to its service's "ttl" check (ReportHealth): `status`
    // Passing, Warning or Critical, `output` what it says about itself (at most 1 KiB). Report
    // more often than the check's ttl. Blocks the calling thread for at most callTimeout;
    // FAILED_PRECONDITION when the service's check is not "ttl".
    Status reportHealth(HealthStatus status, const std::string &output = {});

    bool waitUntilRegistered(std::chrono::milliseconds timeout);
    Snapshot snapshot() const;
    const RegistrationOptions &options() const { return m_options; }

private:
    Registration(std::shared_ptr<grpc::Channel> channel, RegistrationOptions options,
                 StateListener listener);
    void run();
    Status registerOnce();
    aegis::v1::Instance instanceRecord() const;
    // One KeepAlive stream renewing the lease every ttl/3 until it would outlive
    // streamLifetime (then OK: renewed on a new stream); NOT_FOUND when the lease is gone.
    grpc::Status keepAlive(grpc::ClientContext &context, const ResumableStream::Received &received);
    void update(const std::function<void(Snapshot &)> &change);

    const RegistrationOptions m_options;
    const std::shared_ptr<grpc::Channel> m_channel;
    const StateListener m_listener;
    StopSignal m_stop;

    mutable std::mutex m_mutex;
    std::condition_variable m_changed;
    Snapshot m_snapshot;
    // Set by setState(); Unspecified registers as the daemon's default (serving).
    InstanceState m_state = InstanceState::Unspecified;

    // Serialises deregister(); guards the two members below.
    std::mutex m_deregisterMutex;
    bool m_deregistered = false;
    Status m_deregisterStatus;

    std::thread m_thread; // last: started once everything above exists
};

const char *toString(Registration::State state);

using RegistrationPtr = std::unique_ptr<Registration>;

} // namespace aegis::client
