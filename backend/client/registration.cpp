#include "client/registration.h"

#include "aegis/v1/health.grpc.pb.h"
#include "aegis/v1/registry.grpc.pb.h"
#include "client/connection.h"
#include "client/grpc_status.h"

#include <algorithm>

namespace aegis::client {
namespace {

using namespace std::chrono_literals;

Status validate(const RegistrationOptions &options) {
    if (options.service.empty()) {
        return invalidArgument("RegistrationOptions.service is required");
    }
    if (options.instanceId.empty()) {
        return invalidArgument("RegistrationOptions.instanceId is required");
    }
    if (options.address.empty()) {
        return invalidArgument("RegistrationOptions.address is required (host:port)");
    }
    if (options.ttl < 1s || options.ttl > 3600s) {
        return invalidArgument("RegistrationOptions.ttl must be between 1 and 3600 seconds (got " +
                               std::to_string(options.ttl.count()) + ")");
    }
    if (options.weight < 0 || options.weight > 10000) {
        return invalidArgument("RegistrationOptions.weight must be between 0 and 10000 (got " +
                               std::to_string(options.weight) + ")");
    }
    if (options.callTimeout <= 0ms || options.streamLifetime <= 0ms) {
        return invalidArgument(
            "RegistrationOptions.callTimeout and streamLifetime must be positive");
    }
    return Status::ok();
}

} // namespace

StatusOr<std::unique_ptr<Registration>> Registration::start(std::shared_ptr<grpc::Channel> channel,
                                                            RegistrationOptions options,
                                                            StateListener listener) {
    if (!channel) {
        return invalidArgument("Registration needs a channel (see makeChannel())");
    }
    if (Status valid = validate(options); !valid.isOk()) {
        return valid;
    }
    return std::unique_ptr<Registration>(
        new Registration(std::move(channel), std::move(options), std::move(listener)));
}

Registration::Registration(std::shared_ptr<grpc::Channel> channel, RegistrationOptions options,
                           StateListener listener)
    : m_options(std::move(options))
    , m_channel(std::move(channel))
    , m_listener(std::move(listener))
    , m_thread([this] { run(); }) {}

Registration::~Registration() {
    deregister();
}

void Registration::update(const std::function<void(Snapshot &)> &change) {
    Snapshot copy;
    {
        std::lock_guard lock(m_mutex);
        const Snapshot before = m_snapshot;
        change(m_snapshot);
        copy = m_snapshot;
        if (before.state == copy.state && before.leaseId == copy.leaseId &&
            before.lastError == copy.lastError && before.registrations == copy.registrations) {
            m_changed.notify_all();
            return; // a renewal only: no listener call
        }
    }
    m_changed.notify_all();
    if (m_listener) {
        m_listener(copy);
    }
}

void Registration::run() {
    ExponentialBackoff backoff(m_options.backoff);
    bool haveLease = false;
    while (!m_stop.isStopped()) {
        if (!haveLease) {
            const Status registered = registerOnce();
            if (!registered.isOk()) {
                if (m_stop.isStopped()) {
                    return;
                }
                update([&registered](Snapshot &s) {
                    s.state = s.registrations == 0 ? State::Registering : State::Recovering;
                    s.lastError = registered;
                });
                if (!pause(backoff, registered)) {
                    return;
                }
                continue;
            }
            haveLease = true;
            backoff.reset();
        }
        switch (keepAlive(backoff)) {
        case StreamEnd::Stopped:
            return;
        case StreamEnd::LeaseLost:
            haveLease = false;
            update([](Snapshot &s) {
                s.state = State::Recovering;
                s.lastError = notFound("lease " + std::to_string(s.leaseId) +
                                       " expired or is unknown; registering again");
            });
            break;
        case StreamEnd::Expired:
            break;
        case StreamEnd::Broken:
            if (!pause(backoff, snapshot().lastError)) {
                return;
            }
            break;
        }
    }
}

bool Registration::pause(ExponentialBackoff &backoff, const Status &why) {
    // gRPC already spaces its reconnection attempts (at most kMaxReconnectBackoffMs apart): a
    // backoff of ours on top would let the daemon sit ready for seconds while leases run out.
    for (bool reconnected = false;; reconnected = true) {
        const grpc_connectivity_state state = m_channel->GetState(true);
        if (state == GRPC_CHANNEL_READY) {
            if (reconnected) {
                return !m_stop.isStopped();
            }
            // Connected: the daemon refused and is backed off from, unless it was unavailable
            // (restarting: the channel may already have reached its successor), which is
            // retried as soon as the channel would.
            const auto delay = backoff.next();
            return m_stop.waitFor(
                why.code() == StatusCode::Unavailable
                    ? std::min<std::chrono::milliseconds>(
                          delay, std::chrono::milliseconds(kMaxReconnectBackoffMs))
                    : delay);
        }
        if (m_stop.isStopped()) {
            return false;
        }
        // Short slices, so that stop() is noticed promptly.
        m_channel->WaitForStateChange(state, std::chrono::system_clock::now() + 100ms);
    }
}

Status Registration::registerOnce() {
    aegis::v1::RegisterInstanceRequest request;
    auto *instance = request.mutable_instance();
    instance->set_service(m_options.service);
    instance->set_id(m_options.instanceId);
    instance->set_address(m_options.address);
    instance->mutable_labels()->insert(m_options.labels.begin(), m_options.labels.end());
    instance->mutable_metadata()->insert(m_options.metadata.begin(), m_options.metadata.end());
    instance->set_weight(m_options.weight);
    request.set_ttl_seconds(m_options.ttl.count());

    auto stub = aegis::v1::RegistryService::NewStub(m_channel);
    grpc::ClientContext context;
    setTimeout(context, m_options.callTimeout);
    aegis::v1::RegisterInstanceResponse response;
    grpc::Status status;
    {
        AttachedCall call(m_stop, context);
        if (!call.attached()) {
            return Status(StatusCode::Cancelled, "stopped");
        }
        status = stub->RegisterInstance(&context, request, &response);
    }
    if (!status.ok()) {
        return fromGrpc(status);
    }
    update([&response](Snapshot &s) {
        s.state = State::Registered;
        s.leaseId = response.lease_id();
        ++s.registrations;
        s.lastError = Status::ok();
    });
    return Status::ok();
}

Registration::StreamEnd Registration::keepAlive(ExponentialBackoff &backoff) {
    auto stub = aegis::v1::RegistryService::NewStub(m_channel);
    grpc::ClientContext context;
    setTimeout(context, std::chrono::duration_cast<std::chrono::milliseconds>(
                            m_options.streamLifetime + m_options.callTimeout));
    AttachedCall call(m_stop, context);
    if (!call.attached()) {
        return StreamEnd::Stopped;
    }
    const auto opened = std::chrono::steady_clock::now();
    auto stream = stub->KeepAlive(&context);
    aegis::v1::KeepAliveRequest request;
    request.set_lease_id(snapshot().leaseId);
    aegis::v1::KeepAliveResponse response;
    for (;;) {
        if (!stream->Write(request) || !stream->Read(&response)) {
            const Status why = fromGrpc(stream->Finish());
            if (m_stop.isStopped()) {
                return StreamEnd::Stopped;
            }
            update([&why](Snapshot &s) {
                s.state = State::Recovering;
                s.lastError = why;
            });
            return StreamEnd::Broken;
        }
        if (response.ttl_seconds() <= 0) {
            context.TryCancel();
            stream->Finish();
            return StreamEnd::LeaseLost;
        }
        backoff.reset();
        update([](Snapshot &s) {
            s.state = State::Registered;
            ++s.renewals;
            s.lastError = Status::ok();
        });
        const auto ttl = std::min(std::chrono::seconds(response.ttl_seconds()), m_options.ttl);
        const auto interval = std::max<std::chrono::steady_clock::duration>(ttl / 3, 50ms);
        if (std::chrono::steady_clock::now() - opened + interval >= m_options.streamLifetime) {
            stream->WritesDone();
            stream->Finish();
            // Renew on the next stream without waiting: the interval is not over, but an early
            // renewal is harmless and keeps the timing simple.
            return m_stop.isStopped() ? StreamEnd::Stopped : StreamEnd::Expired;
        }
        if (!m_stop.waitFor(interval)) {
            context.TryCancel();
            stream->Finish();
            return StreamEnd::Stopped;
        }
    }
}

Status Registration::reportHealth(HealthStatus status, const std::string &output) {
    if (status != HealthStatus::Passing && status != HealthStatus::Warning &&
        status != HealthStatus::Critical) {
        return invalidArgument("reportHealth: status must be Passing, Warning or Critical");
    }
    auto stub = aegis::v1::HealthService::NewStub(m_channel);
    grpc::ClientContext context;
    setTimeout(context, m_options.callTimeout);
    aegis::v1::ReportHealthRequest request;
    request.set_service(m_options.service);
    request.set_instance_id(m_options.instanceId);
    request.set_status(static_cast<aegis::v1::HealthStatus>(status));
    request.set_output(output);
    aegis::v1::ReportHealthResponse response;
    return fromGrpc(stub->ReportHealth(&context, request, &response));
}

Status Registration::deregister() {
    std::lock_guard serial(m_deregisterMutex);
    if (m_deregistered) {
        return m_deregisterStatus;
    }
    m_stop.stop();
    if (m_thread.joinable()) {
        m_thread.join();
    }

    auto stub = aegis::v1::RegistryService::NewStub(m_channel);
    grpc::ClientContext context;
    setTimeout(context, m_options.callTimeout);
    // A channel that is reconnecting should not fail a graceful shutdown outright.
    context.set_wait_for_ready(true);
    aegis::v1::DeregisterInstanceRequest request;
    request.set_service(m_options.service);
    request.set_instance_id(m_options.instanceId);
    aegis::v1::DeregisterInstanceResponse response;
    Status status = fromGrpc(stub->DeregisterInstance(&context, request, &response));
    if (status.code() == StatusCode::NotFound) {
        status = Status::ok();
    }
    m_deregistered = true;
    m_deregisterStatus = status;
    update([&status](Snapshot &s) {
        s.state = State::Deregistered;
        s.lastError = status;
    });
    return status;
}

bool Registration::waitUntilRegistered(std::chrono::milliseconds timeout) {
    std::unique_lock lock(m_mutex);
    return m_changed.wait_for(lock, timeout,
                              [this] { return m_snapshot.state == State::Registered; });
}

Registration::Snapshot Registration::snapshot() const {
    std::lock_guard lock(m_mutex);
    return m_snapshot;
}

const char *toString(Registration::State state) {
    switch (state) {
    case Registration::State::Registering:
        return "registering";
    case Registration::State::Registered:
        return "registered";
    case Registration::State::Recovering:
        return "recovering";
    case Registration::State::Deregistered:
        return "deregistered";
    }
    return "unknown";
}

} // namespace aegis::client
