#include "api/registry_service.h"

#include "api/convert.h"
#include "api/parse_failure_interceptor.h"
#include "api/stream_end.h"
#include "api/watch_stream.h"
#include "common/input_text.h"
#include "common/logging.h"

#include <mutex>
#include <optional>
#include <set>

namespace aegis::api {
namespace {

using registry::InstanceState;

constexpr std::string_view kKeepAliveMethod = "/aegis.v1.RegistryService/KeepAlive";
// KeepAlive's index among RegistryService's methods: the second rpc in registry.proto.
constexpr int kKeepAliveMethodIndex = 1;
constexpr std::string_view kWatchMethod = "/aegis.v1.RegistryService/WatchInstances";

} // namespace

void toProto(const registry::InstanceHealth &health, aegis::v1::InstanceHealth *out) {
    out->set_status(static_cast<aegis::v1::HealthStatus>(health.status));
    out->set_flapping(health.flapping);
    out->set_ejected(health.ejected);
    if (health.ejected) {
        api::toProto(health.ejectedUntil, out->mutable_ejected_until());
    }
    out->set_reason(health.reason);
    out->set_output(health.output);
    if (health.changedAt.time_since_epoch().count() != 0) {
        api::toProto(health.changedAt, out->mutable_changed_at());
    }
    out->set_checked(health.checked);
}

void toProto(const registry::Instance &instance, aegis::v1::Instance *out) {
    out->set_id(instance.id);
    out->set_service(instance.service);
    out->set_address(instance.address);
    out->mutable_labels()->insert(instance.labels.begin(), instance.labels.end());
    out->set_weight(instance.weight);
    out->set_traffic_weight(instance.trafficWeight);
    out->mutable_metadata()->insert(instance.metadata.begin(), instance.metadata.end());
    out->set_state(static_cast<aegis::v1::InstanceState>(instance.state));
    out->set_lease_id(instance.leaseId);
    out->set_lease_ttl_seconds(instance.leaseTtl.count());
    api::toProto(instance.registerTime, out->mutable_register_time());
    out->set_create_revision(instance.createRevision);
    out->set_mod_revision(instance.modRevision);
    toProto(instance.health, out->mutable_health());
    out->set_routable(instance.routable);
}

namespace {

using api::toProto;

void toProto(const registry::Service &service, aegis::v1::Service *out) {
    out->set_name(service.name);
    out->mutable_labels()->insert(service.labels.begin(), service.labels.end());
    out->set_description(service.description);
    out->set_instance_count(service.instanceCount);
    out->set_create_revision(service.createRevision);
    out->set_mod_revision(service.modRevision);
    out->set_unroutable_count(service.unhealthyCount);
    out->set_panic(service.panic);
}

StatusOr<InstanceState> stateFromProto(int value, std::string_view field, bool allowUnspecified) {
    if (value == aegis::v1::INSTANCE_STATE_UNSPECIFIED && allowUnspecified) {
        return InstanceState::Unspecified;
    }
    if (value == aegis::v1::INSTANCE_STATE_SERVING || value == aegis::v1::INSTANCE_STATE_DRAINING ||
        value == aegis::v1::INSTANCE_STATE_MAINTENANCE) {
        return static_cast<InstanceState>(value);
    }
    return invalidArgument(std::string(field) +
                           " must be INSTANCE_STATE_SERVING, INSTANCE_STATE_DRAINING or "
                           "INSTANCE_STATE_MAINTENANCE (got " +
                           std::to_string(value) + ")");
}

std::string stateName(InstanceState state) {
    switch (state) {
    case InstanceState::Serving:
        return "serving";
    case InstanceState::Draining:
        return "draining";
    case InstanceState::Maintenance:
        return "maintenance";
    case InstanceState::Unspecified:
        break;
    }
    return "unspecified";
}

// Renews leases for as long as the client keeps the stream open: read a lease id, answer with
// its TTL (0: unknown), read the next. Ends with UNAVAILABLE when the daemon shuts down.
// Reads raw bytes and parses them itself: gRPC's typed reader reports a message that does not
// parse exactly like the client closing its side, which would end the stream OK.
class KeepAliveStream final : public grpc::ServerBidiReactor<grpc::ByteBuffer, grpc::ByteBuffer> {
public:
    KeepAliveStream(ApiContext &api, registry::Registry &registry,
                    grpc::CallbackServerContext *context)
        : m_api(api)
        , m_registry(registry)
        , m_rpc(api.metrics.openStream(std::string(kKeepAliveMethod))) {
        const Status status = authorize(api, *context, *findPolicy(kKeepAliveMethod), m_caller);
        if (!status.isOk()) {
            std::lock_guard lock(m_mutex);
            finishLocked(status);
            return;
        }
        // Registered outside m_mutex: the closer takes its lock, then ours.
        m_closerId = addStream(
            api,
            [this](const Status &why) {
                std::lock_guard lock(m_mutex);
                finishLocked(why);
            },
            m_caller);
        std::lock_guard lock(m_mutex);
        if (!m_end.finished()) { // closed at once when the daemon is already shutting down
            StartRead(&m_requestBytes);
        }
    }

    void OnReadDone(bool ok) override {
        std::lock_guard lock(m_mutex);
        if (m_end.finished()) {
            return; // closed meanwhile (shutdown); nothing more may be written
        }
        if (!ok) {
            finishLocked(Status::ok()); // the client closed its side
            return;
        }
        m_rpc->received();
        if (!grpc::SerializationTraits<aegis::v1::KeepAliveRequest>::Deserialize(&m_requestBytes,
                                                                                 &m_request)
                 .ok()) {
            finishLocked(invalidArgument(std::string(kCannotParseRequest)));
            return;
        }
        if (Status owned =
                checkLease(m_api, m_caller, *findPolicy(kKeepAliveMethod), m_request.lease_id());
            !owned.isOk()) {
            finishLocked(owned);
            return;
        }
        const auto ttl = m_registry.keepAlive(m_request.lease_id());
        if (ttl && !m_held.count(m_request.lease_id()) &&
            m_registry.holdLease(m_request.lease_id())) {
            m_held.insert(m_request.lease_id());
        }
        m_response.Clear();
        m_response.mutable_header()->set_revision(m_api.store.currentRevision());
        m_response.set_lease_id(m_request.lease_id());
        m_response.set_ttl_seconds(ttl ? ttl->count() : 0);
        bool ownsBuffer = false;
        grpc::SerializationTraits<aegis::v1::KeepAliveResponse>::Serialize(
            m_response, &m_responseBytes, &ownsBuffer);
        m_end.startWrite();
        StartWrite(&m_responseBytes);
    }

    void OnWriteDone(bool ok) override {
        if (ok) {
            m_rpc->sent();
        }
        std::lock_guard lock(m_mutex);
        const std::optional<Status> pendingFinish = m_end.writeDone();
        if (pendingFinish) {
            finishLocked(*pendingFinish);
        } else if (!ok) {
            finishLocked(Status(StatusCode::Cancelled, "the client went away"));
        } else if (!m_end.finished()) {
            StartRead(&m_requestBytes);
        }
    }

    void OnDone() override {
        m_api.streams.remove(m_closerId);
        for (const registry::LeaseId id : m_held) {
            m_registry.releaseLease(id);
        }
        delete this;
    }

private:
    void finishLocked(const Status &status) {
        if (!m_end.finishNow(status)) {
            return;
        }
        m_rpc->finished(status.code());
        Finish(toGrpc(status));
    }

    ApiContext &m_api;
    registry::Registry &m_registry;
    // Counts the stream open until `delete this` in OnDone.
    const std::unique_ptr<RpcStreamMetrics> m_rpc;
    Caller m_caller;
    std::recursive_mutex m_mutex;
    std::uint64_t m_closerId = 0;
    grpc::ByteBuffer m_requestBytes;
    grpc::ByteBuffer m_responseBytes;
    aegis::v1::KeepAliveRequest m_request;
    aegis::v1::KeepAliveResponse m_response;
    // Leases this stream renewed: held until it ends, so deregistering their last instance does
    // not revoke them under the renewing client.
    std::set<registry::LeaseId> m_held;
    StreamEnd m_end;
};

void convertEvents(const registry::InstanceEventBatch &batch,
                   aegis::v1::WatchInstancesResponse &response) {
    response.mutable_header()->set_revision(batch.revision);
    for (const registry::InstanceEvent &event : batch.events) {
        auto *out = response.add_events();
        out->set_type(static_cast<aegis::v1::InstanceEventType>(event.type));
        out->set_revision(event.revision);
        out->set_reason(event.reason);
        toProto(event.instance, out->mutable_instance());
    }
}

// Streams a registry::InstanceWatch, each batch converted once for every stream that takes it.
class InstanceFeed final : public WatchFeed<aegis::v1::WatchInstancesResponse> {
public:
    InstanceFeed(registry::InstanceWatchPtr watch, std::shared_ptr<InstanceConversions> converted)
        : m_watch(std::move(watch))
        , m_converted(std::move(converted)) {}

    store::Revision startsAfter() const override { return m_watch->nextRevision() - 1; }

    StatusOr<bool> next(aegis::v1::WatchInstancesResponse &response) override {
        return takeNext([&](const InstanceConversions::Converted &converted) {
            response.MergeFrom(converted.message);
        });
    }

    StatusOr<bool> nextSerialized(SerializedMessage &message) override {
        return takeNext(
            [&](const InstanceConversions::Converted &converted) { message = converted.bytes; });
    }

    void cancel() override { m_watch->cancel(); }

private:
    // Hands the next batch with events, converted once for every stream that takes it, to `use`
    // and returns true; false when nothing is pending, or the status the watch ended with.
    template <typename Use>
    StatusOr<bool> takeNext(const Use &use) {
        for (;;) {
            auto taken = m_watch->take(kWatchBatchEvents);
            if (!taken.ended.isOk()) {
                return taken.ended;
            }
            if (!taken.batch) {
                return false;
            }
            if (!taken.batch->events.empty()) {
                use(*m_converted->get(taken.batch, convertEvents));
                return true;
            }
        }
    }

    const registry::InstanceWatchPtr m_watch;
    const std::shared_ptr<InstanceConversions> m_converted;
};

Status validatePageToken(const std::string &token) {
    if (token.size() > 256) {
        return invalidArgument("page_token is not one this server issued");
    }
    return Status::ok();
}

} // namespace

RegistryServiceImpl::RegistryServiceImpl(ApiContext &api, registry::Registry &registry)
    : m_api(api)
    , m_registry(registry)
    , m_converted(std::make_shared<InstanceConversions>()) {
    MarkMethodRawCallback(
        kKeepAliveMethodIndex,
        new grpc::internal::CallbackBidiHandler<grpc::ByteBuffer, grpc::ByteBuffer>(
            [this](grpc::CallbackServerContext *context) {
                return new KeepAliveStream(m_api, m_registry, context);
            }));
    MarkMethodRawCallback(
        methodIndex(kWatchMethod),
        rawWatchHandler<aegis::v1::WatchInstancesRequest, aegis::v1::WatchInstancesResponse>(
            m_api, kWatchMethod,
            [this](grpc::CallbackServerContext *context,
                   const aegis::v1::WatchInstancesRequest &request) {
                return watchInstances(context, request);
            }));
}

grpc::ServerUnaryReactor *
RegistryServiceImpl::RegisterInstance(grpc::CallbackServerContext *context,
                                      const aegis::v1::RegisterInstanceRequest *request,
                                      aegis::v1::RegisterInstanceResponse *response) {
    const auto &in = request->instance();
    constexpr std::string_view kMethod = "/aegis.v1.RegistryService/RegisterInstance";
    auto call = UnaryCall::start(m_api, context, kMethod,
                                 "services/" + in.service().substr(0, 63) + "/instances/" +
                                     in.id().substr(0, 128),
                                 in.service());
    if (!call->authorized()) {
        return call->reactor();
    }
    // Joining a lease keeps its instances alive with ours: only a lease the caller owns.
    if (Status owned = checkLease(m_api, call->caller(), *findPolicy(kMethod), request->lease_id());
        !owned.isOk()) {
        call->finish(owned);
        return call->reactor();
    }
    auto state = stateFromProto(in.state(), "instance.state", true);
    if (!state) {
        call->finish(state.status());
        return call->reactor();
    }
    if (request->ttl_seconds() < 0) {
        call->finish(invalidArgument("ttl_seconds must be between 1 and 3600"));
        return call->reactor();
    }
    registry::Registration registration;
    registry::Instance &instance = registration.instance;
    instance.id = in.id();
    instance.service = in.service();
    instance.address = in.address();
    instance.labels = Labels(in.labels().begin(), in.labels().end());
    instance.metadata = Labels(in.metadata().begin(), in.metadata().end());
    instance.weight = in.has_weight() ? in.weight() : 100;
    instance.state = *state;
    if (request->ttl_seconds() > 0) {
        registration.ttl = std::chrono::seconds(request->ttl_seconds());
    }
    registration.leaseId = request->lease_id();
    call->setSummary("register " + in.address().substr(0, 255));
    m_registry.registerInstance(std::move(registration),
                                [call, response](StatusOr<registry::Registered> done) {
                                    if (!done) {
                                        return call->finish(done.status());
                                    }
                                    response->mutable_header()->set_revision(done->revision);
                                    toProto(done->instance, response->mutable_instance());
                                    response->set_lease_id(done->instance.leaseId);
                                    response->set_ttl_seconds(done->instance.leaseTtl.count());
                                    call->finish(Status::ok(), done->revision, true);
                                },
                                {call->auditOperation()});
    return call->reactor();
}

grpc::ServerUnaryReactor *
RegistryServiceImpl::DeregisterInstance(grpc::CallbackServerContext *context,
                                        const aegis::v1::DeregisterInstanceRequest *request,
                                        aegis::v1::DeregisterInstanceResponse *response) {
    auto call = UnaryCall::start(m_api, context, "/aegis.v1.RegistryService/DeregisterInstance",
                                 "services/" + request->service().substr(0, 63) + "/instances/" +
                                     request->instance_id().substr(0, 128),
                                 request->service());
    if (!call->authorized()) {
        return call->reactor();
    }
    call->setSummary("deregister");
    // Whoever calls it, the event says "deregistered" (as the proto documents); the audit record
    // names the caller.
    m_registry.deregister(request->service(), request->instance_id(),
                          registry::reason::kDeregistered,
                          [call, response](StatusOr<store::Revision> revision) {
                              if (!revision) {
                                  return call->finish(revision.status());
                              }
                              response->mutable_header()->set_revision(*revision);
                              call->finish(Status::ok(), *revision, true);
                          },
                          {call->auditOperation()});
    return call->reactor();
}

grpc::ServerUnaryReactor *
RegistryServiceImpl::SetInstanceState(grpc::CallbackServerContext *context,
                                      const aegis::v1::SetInstanceStateRequest *request,
                                      aegis::v1::SetInstanceStateResponse *response) {
    auto call = UnaryCall::start(m_api, context, "/aegis.v1.RegistryService/SetInstanceState",
                                 "services/" + request->service().substr(0, 63) + "/instances/" +
                                     request->instance_id().substr(0, 128));
    if (!call->authorized()) {
        return call->reactor();
    }
    auto state = stateFromProto(request->state(), "state", false);
    if (!state) {
        call->finish(state.status());
        return call->reactor();
    }
    call->setSummary("state -> " + stateName(*state));
    m_registry.setState(request->service(), request->instance_id(), *state,
                        [call, response](StatusOr<registry::Registered> done) {
                            if (!done) {
                                return call->finish(done.status());
                            }
                            response->mutable_header()->set_revision(done->revision);
                            toProto(done->instance, response->mutable_instance());
                            call->finish(Status::ok(), done->revision, true);
                        },
                        {call->auditOperation()});
    return call->reactor();
}

grpc::ServerUnaryReactor *
RegistryServiceImpl::GetService(grpc::CallbackServerContext *context,
                                const aegis::v1::GetServiceRequest *request,
                                aegis::v1::GetServiceResponse *response) {
    auto call = UnaryCall::start(m_api, context, "/aegis.v1.RegistryService/GetService");
    if (!call->authorized()) {
        return call->reactor();
    }
    if (Status valid = registry::Registry::validateServiceName(request->name(), "name");
        !valid.isOk()) {
        call->finish(valid);
        return call->reactor();
    }
    store::Revision revision = 0;
    const auto service = m_registry.service(request->name(), &revision);
    if (!service) {
        call->finish(notFound("there is no service " + quoteInput(request->name())));
        return call->reactor();
    }
    response->mutable_header()->set_revision(revision);
    toProto(*service, response->mutable_service());
    call->finish(Status::ok());
    return call->reactor();
}

grpc::ServerUnaryReactor *
RegistryServiceImpl::ListServices(grpc::CallbackServerContext *context,
                                  const aegis::v1::ListServicesRequest *request,
                                  aegis::v1::ListServicesResponse *response) {
    auto call = UnaryCall::start(m_api, context, "/aegis.v1.RegistryService/ListServices");
    if (!call->authorized()) {
        return call->reactor();
    }
    auto pageSize = pageSizeOrDefault(request->page_size());
    if (!pageSize || !validatePageToken(request->page_token()).isOk()) {
        call->finish(pageSize ? validatePageToken(request->page_token()) : pageSize.status());
        return call->reactor();
    }
    auto page = m_registry.listServices(*pageSize, request->page_token());
    if (!page) {
        call->finish(page.status());
        return call->reactor();
    }
    response->mutable_header()->set_revision(page->revision);
    for (const auto &service : page->items) {
        toProto(service, response->add_services());
    }
    response->set_next_page_token(page->nextPageToken);
    call->finish(Status::ok());
    return call->reactor();
}

grpc::ServerUnaryReactor *
RegistryServiceImpl::ListInstances(grpc::CallbackServerContext *context,
                                   const aegis::v1::ListInstancesRequest *request,
                                   aegis::v1::ListInstancesResponse *response) {
    auto call = UnaryCall::start(m_api, context, "/aegis.v1.RegistryService/ListInstances");
    if (!call->authorized()) {
        return call->reactor();
    }
    registry::InstanceQuery query;
    query.service = request->service();
    Status valid = query.service.empty()
                       ? Status::ok()
                       : registry::Registry::validateServiceName(query.service, "service");
    auto selector = LabelSelector::parse(request->selector(), "selector");
    auto state = stateFromProto(request->state(), "state", true);
    auto pageSize = pageSizeOrDefault(request->page_size());
    for (const Status &status : {valid, selector.status(), state.status(), pageSize.status(),
                                 validatePageToken(request->page_token())}) {
        if (!status.isOk()) {
            call->finish(status);
            return call->reactor();
        }
    }
    query.selector = std::move(*selector);
    query.state = *state;
    query.pageSize = *pageSize;
    query.pageToken = request->page_token();
    query.includeUnroutable = request->include_unroutable();
    auto page = m_registry.listInstances(query);
    if (!page) {
        call->finish(page.status());
        return call->reactor();
    }
    response->mutable_header()->set_revision(page->revision);
    for (const auto &instance : page->items) {
        toProto(instance, response->add_instances());
    }
    response->set_next_page_token(page->nextPageToken);
    call->finish(Status::ok());
    return call->reactor();
}

grpc::ServerWriteReactor<grpc::ByteBuffer> *
RegistryServiceImpl::watchInstances(grpc::CallbackServerContext *context,
                                    const aegis::v1::WatchInstancesRequest &request) {
    auto open = [this, &request](std::function<void()> notify) {
        return openWatch(request, std::move(notify));
    };
    return new SerializedWatchStream<aegis::v1::WatchInstancesResponse>(m_api, context,
                                                                        kWatchMethod, open);
}

StatusOr<WatchFeedPtr<aegis::v1::WatchInstancesResponse>>
RegistryServiceImpl::openWatch(const aegis::v1::WatchInstancesRequest &request,
                               std::function<void()> notify) {
    auto watch =
        m_registry.watchInstances(m_api.hub, request.service(), request.start_revision(),
                                  request.include_unroutable() ? registry::InstanceView::All
                                                               : registry::InstanceView::Routable,
                                  std::move(notify));
    if (!watch) {
        return watch.status();
    }
    return WatchFeedPtr<aegis::v1::WatchInstancesResponse>(
        std::make_unique<InstanceFeed>(std::move(*watch), m_converted));
}

} // namespace aegis::api
