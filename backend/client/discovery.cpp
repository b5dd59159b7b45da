#include "client/discovery.h"

#include "aegis/v1/registry.grpc.pb.h"
#include "aegis/v1/watch.pb.h"
#include "client/connection.h"
#include "client/grpc_status.h"

namespace aegis::client {
namespace {

using namespace std::chrono_literals;

Endpoint toEndpoint(const aegis::v1::Instance &instance) {
    Endpoint endpoint;
    endpoint.id = instance.id();
    endpoint.service = instance.service();
    endpoint.address = instance.address();
    endpoint.labels = Labels(instance.labels().begin(), instance.labels().end());
    endpoint.metadata = Labels(instance.metadata().begin(), instance.metadata().end());
    // The daemon's traffic weight carries a rollout's split; the declared weight is the fallback.
    endpoint.weight = instance.has_traffic_weight() ? instance.traffic_weight()
                      : instance.has_weight()       ? instance.weight()
                                                    : 100;
    endpoint.state = static_cast<InstanceState>(instance.state());
    endpoint.modRevision = instance.mod_revision();
    endpoint.health = static_cast<HealthStatus>(instance.health().status());
    endpoint.ejected = instance.health().ejected();
    endpoint.routable = instance.routable();
    return endpoint;
}

// Zone-aware picking judges the local zone's health by its unroutable instances too.
bool listsUnroutable(const DiscoveryOptions &options) {
    return options.includeUnroutable || !options.picker.zones.localZone.empty();
}

} // namespace

StatusOr<std::unique_ptr<Discovery>> Discovery::start(std::shared_ptr<grpc::Channel> channel,
                                                      DiscoveryOptions options,
                                                      ChangeListener listener) {
    if (!channel) {
        return invalidArgument("Discovery needs a channel (see makeChannel())");
    }
    if (options.service.empty()) {
        return invalidArgument("DiscoveryOptions.service is required");
    }
    if (options.callTimeout <= 0ms || options.streamLifetime <= 0ms) {
        return invalidArgument("DiscoveryOptions.callTimeout and streamLifetime must be positive");
    }
    if (options.outcomeReportInterval != 0ms && options.outcomeReportInterval < 10ms) {
        return invalidArgument("DiscoveryOptions.outcomeReportInterval must be 0 or at least 10ms");
    }
    auto selector = LabelSelector::parse(options.selector, "DiscoveryOptions.selector");
    if (!selector) {
        return selector.status();
    }
    return std::unique_ptr<Discovery>(new Discovery(std::move(channel), std::move(options),
                                                    std::move(*selector), std::move(listener)));
}

Discovery::Discovery(std::shared_ptr<grpc::Channel> channel, DiscoveryOptions options,
                     LabelSelector selector, ChangeListener listener)
    : m_options(std::move(options))
    , m_selector(std::move(selector))
    , m_channel(std::move(channel))
    , m_listener(std::move(listener))
    , m_picker(makePicker(m_options.strategy, m_options.picker))
    , m_reporter(m_options.outcomeReportInterval > 0ms
                     ? OutcomeReporter::start(m_channel,
                                              {m_options.service, m_options.outcomeReportInterval,
                                               m_options.callTimeout})
                           .value()
                     : nullptr)
    , m_thread([this] { run(); }) {}

Discovery::~Discovery() {
    m_stop.stop();
    if (m_thread.joinable()) {
        m_thread.join();
    }
}

void Discovery::run() {
    ResumableStreamOptions options;
    options.streamLifetime = m_options.streamLifetime;
    options.backoff = m_options.backoff;
    ResumableStream stream(options, m_stop,
                           [this](grpc::ClientContext &context, std::int64_t startRevision,
                                  const ResumableStream::Received &received) {
                               return watch(context, startRevision, received);
                           });
    while (!m_stop.isStopped()) {
        if (const Status listed = list(); !listed.isOk()) {
            if (!stream.pause(listed)) {
                return;
            }
            continue;
        }
        stream.resetBackoff();
        // Returns when stopped, or when the revision to resume from was compacted: the events in
        // between are gone, so list again.
        (void)stream.run(revision() + 1);
    }
}

Status Discovery::list() {
    auto stub = aegis::v1::RegistryService::NewStub(m_channel);
    std::map<std::string, Endpoint> cache;
    std::int64_t revision = 0;
    std::string pageToken;
    do {
        aegis::v1::ListInstancesRequest request;
        request.set_service(m_options.service);
        request.set_selector(m_options.selector);
        request.set_page_size(1000);
        request.set_page_token(pageToken);
        request.set_include_unroutable(listsUnroutable(m_options));
        aegis::v1::ListInstancesResponse response;
        grpc::ClientContext context;
        setTimeout(context, m_options.callTimeout);
        grpc::Status status;
        {
            AttachedCall call(m_stop, context);
            if (!call.attached()) {
                return Status(StatusCode::Cancelled, "stopped");
            }
            status = stub->ListInstances(&context, request, &response);
        }
        if (!status.ok()) {
            return fromGrpc(status);
        }
        // Pages may come from different revisions; watching from the first one's + 1 replays
        // whatever changed in between, which converges on the right set.
        if (revision == 0) {
            revision = response.header().revision();
        }
        for (const auto &instance : response.instances()) {
            cache[instance.id()] = toEndpoint(instance);
        }
        pageToken = response.next_page_token();
    } while (!pageToken.empty());
    publish(std::move(cache), revision, true);
    return Status::ok();
}

grpc::Status Discovery::watch(grpc::ClientContext &context, std::int64_t startRevision,
                              const ResumableStream::Received &received) {
    auto stub = aegis::v1::RegistryService::NewStub(m_channel);
    aegis::v1::WatchInstancesRequest request;
    request.set_service(m_options.service);
    std::map<std::string, Endpoint> cache;
    {
        std::lock_guard lock(m_mutex);
        cache = m_instances;
    }
    std::int64_t revision = startRevision - 1;
    request.set_start_revision(startRevision);
    request.set_include_unroutable(listsUnroutable(m_options));
    const auto handle = [&](const aegis::v1::WatchInstancesResponse &response) {
        if (response.events().empty()) {
            received(0); // the opening message, or a progress notice
            return true;
        }
        for (const auto &event : response.events()) {
            apply(event, cache);
            revision = std::max(revision, event.revision());
        }
        revision = std::max(revision, response.header().revision());
        publish(cache, revision, false);
        received(revision);
        return true;
    };
    if (m_options.mux) {
        aegis::v1::WatchCreateRequest create;
        *create.mutable_instances() = request;
        return m_options.mux->run(
            create, context, m_stop,
            [&](const aegis::v1::WatchResponse &response) { return handle(response.instances()); },
            nullptr); // OUT_OF_RANGE: listed again, whatever was compacted
    }
    auto reader = stub->WatchInstances(&context, request);
    aegis::v1::WatchInstancesResponse response;
    while (reader->Read(&response)) {
        handle(response);
    }
    return reader->Finish();
}

void Discovery::apply(const aegis::v1::InstanceEvent &event,
                      std::map<std::string, Endpoint> &cache) const {
    const auto &instance = event.instance();
    if (event.type() == aegis::v1::INSTANCE_EVENT_TYPE_REMOVED) {
        cache.erase(instance.id());
        return;
    }
    const Labels labels(instance.labels().begin(), instance.labels().end());
    if (m_selector.matches(labels)) {
        cache[instance.id()] = toEndpoint(instance);
    } else {
        cache.erase(instance.id()); // relabelled out of the selection
    }
}

void Discovery::publish(std::map<std::string, Endpoint> cache, std::int64_t revision, bool listed) {
    std::vector<Endpoint> all;
    for (const auto &[id, endpoint] : cache) {
        all.push_back(endpoint);
    }
    m_picker->update(all); // picks only the pickable; the others count for their zone's health
    {
        std::lock_guard lock(m_mutex);
        if (cache != m_instances || (listed && !m_ready)) {
            ++m_version;
        }
        m_instances = std::move(cache);
        m_revision = revision;
        if (listed) {
            m_ready = true;
        }
    }
    m_changed.notify_all();
    if (m_listener) {
        m_listener(all);
    }
}

std::vector<Endpoint> Discovery::instances() const {
    std::lock_guard lock(m_mutex);
    std::vector<Endpoint> all;
    for (const auto &[id, endpoint] : m_instances) {
        all.push_back(endpoint);
    }
    return all;
}

std::vector<Endpoint> Discovery::pickable() const {
    std::lock_guard lock(m_mutex);
    std::vector<Endpoint> result;
    for (const auto &[id, endpoint] : m_instances) {
        if (endpoint.isPickable()) {
            result.push_back(endpoint);
        }
    }
    return result;
}

std::optional<Pick> Discovery::pick(std::string_view key) {
    return m_picker->pick(key);
}

std::optional<Pick> Discovery::pick(std::string_view key, AvoidIds avoid) {
    return m_picker->pick(key, avoid);
}

void Discovery::reportOutcome(const std::string &instanceId, bool success) {
    if (m_reporter) {
        m_reporter->record(instanceId, success);
    }
}

bool Discovery::isReady() const {
    std::lock_guard lock(m_mutex);
    return m_ready;
}

bool Discovery::waitUntilReady(std::chrono::milliseconds timeout) {
    std::unique_lock lock(m_mutex);
    return m_changed.wait_for(lock, timeout, [this] { return m_ready; });
}

std::int64_t Discovery::revision() const {
    std::lock_guard lock(m_mutex);
    return m_revision;
}

std::uint64_t Discovery::version() const {
    std::lock_guard lock(m_mutex);
    return m_version;
}

std::optional<std::uint64_t>
Discovery::waitForChange(std::uint64_t afterVersion, std::chrono::steady_clock::time_point deadline,
                         std::stop_token stop) {
    std::unique_lock lock(m_mutex);
    if (!m_changed.wait_until(lock, stop, deadline, [&] { return m_version > afterVersion; })) {
        return std::nullopt;
    }
    return m_version;
}

} // namespace aegis::client
