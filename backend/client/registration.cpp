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
    ResumableStreamOptions options;
    // The stream closes itself once a renewal would not fit in streamLifetime; the deadline is a
    // bound for a renewal that hangs.
    options.streamLifetime = std::chrono::duration_cast<std::chrono::milliseconds>(
        m_options.streamLifetime + m_options.callTimeout);
    options.backoff = m_options.backoff;
    options.channel = m_channel;
    // Anything but a lost lease is ridden out on the same lease.
    options.resumable = [](const Status &status) { return status.code() != StatusCode::NotFound; };
    ResumableStream::Callbacks callbacks;
    callbacks.onRetrying = [this](const Status &reason, std::int64_t, std::chrono::milliseconds) {
        update([&reason](Snapshot &s) {
            s.state = State::Recovering;
            s.lastError = reason;
        });
    };
    ResumableStream stream(
        options, m_stop,
        [this](grpc::ClientContext &context, std::int64_t,
               const ResumableStream::Received &received) { return keepAlive(context, received); },
        std::move(callbacks));
    while (!m_stop.isStopped()) {
        const Status registered = registerOnce();
        if (!registered.isOk()) {
            if (m_stop.isStopped()) {
                return;
            }
            update([&registered](Snapshot &s) {
                s.state = s.registrations == 0 ? State::Registering : State::Recovering;
                s.lastError = registered;
            });
            if (!stream.pause(registered)) {
                return;
            }
            continue;
        }
        stream.resetBackoff();
        const Status ended = stream.run(0);
        if (ended.code() != StatusCode::NotFound) {
            return; // stopped
        }
        update([](Snapshot &s) {
            s.state = State::Recovering;
            s.lastError = notFound("lease " + std::to_string(s.leaseId) +
                                   " expired or is unknown; registering again");
        });
    }
}

aegis::v1::Instance Registration::instanceRecord() const {
    aegis::v1::Instance instance;
    instance.set_service(m_options.service);
    instance.set_id(m_options.instanceId);
    instance.set_address(m_options.address);
    instance.mutable_labels()->insert(m_options.labels.begin(), m_options.labels.end());
    instance.mutable_metadata()->insert(m_options.metadata.begin(), m_options.metadata.end());
    instance.set_weight(m_options.weight);
    std::lock_guard lock(m_mutex);
    instance.set_state(static_cast<aegis::v1::InstanceState>(m_state));
    return instance;
}

Status Registration::registerOnce() {
    aegis::v1::RegisterInstanceRequest request;
    *request.mutable_instance() = instanceRecord();
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

grpc::Status Registration::keepAlive(grpc::ClientContext &context,
                                     const ResumableStream::Received &received) {
    auto stub = aegis::v1::RegistryService::NewStub(m_channel);
    const auto opened = std::chrono::steady_clock::now();
    auto stream = stub->KeepAlive(&context);
    aegis::v1::KeepAliveRequest request;
    request.set_lease_id(snapshot().leaseId);
    aegis::v1::KeepAliveResponse response;
    for (;;) {
        if (!stream->Write(request) || !stream->Read(&response)) {
            return stream->Finish();
        }
        if (response.ttl_seconds() <= 0) {
            context.TryCancel();
            stream->Finish();
            return grpc::Status(grpc::StatusCode::NOT_FOUND, "the lease is gone");
        }
        received(0);
        update([](Snapshot &s) {
            s.state = State::Registered;
            ++s.renewals;
            s.lastError = Status::ok();
        });
        const auto ttl = std::min(std::chrono::seconds(response.ttl_seconds()), m_options.ttl);
        const auto interval = std::max<std::chrono::steady_clock::duration>(ttl / 3, 50ms);
        if (std::chrono::steady_clock::now() - opened + interval >= m_options.streamLifetime) {
            // Renewed on the next stream without waiting: the interval is not over, but an early
            // renewal is harmless and keeps the timing simple.
            stream->WritesDone();
            return stream->Finish();
        }
        if (!m_stop.waitFor(interval)) {
            context.TryCancel();
            return stream->Finish();
        }
    }
}

Status Registration::setState(InstanceState state) {
    if (state != InstanceState::Serving && state != InstanceState::Draining &&
        state != InstanceState::Maintenance) {
        return invalidArgument("setState: state must be Serving, Draining or Maintenance");
    }
    std::lock_guard serial(m_deregisterMutex);
    if (m_deregistered) {
        return failedPrecondition("setState: the instance was deregistered");
    }
    std::int64_t leaseId = 0;
    {
        std::lock_guard lock(m_mutex);
        m_state = state;
        leaseId = m_snapshot.state == State::Registered ? m_snapshot.leaseId : 0;
    }
    if (leaseId == 0) {
        // Not registered at the moment: the next registration carries the state.
        return failedPrecondition("setState: the instance is not registered yet");
    }
    aegis::v1::RegisterInstanceRequest request;
    *request.mutable_instance() = instanceRecord();
    request.set_lease_id(leaseId);
    auto stub = aegis::v1::RegistryService::NewStub(m_channel);
    grpc::ClientContext context;
    setTimeout(context, m_options.callTimeout);
    aegis::v1::RegisterInstanceResponse response;
    return fromGrpc(stub->RegisterInstance(&context, request, &response));
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
