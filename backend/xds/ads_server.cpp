#include "xds/ads_server.h"

#include "client/xds_channel.h"
#include "common/logging.h"
#include "registry/registry.h"
#include "store/watch_hub.h"
#include "xds/xds_metrics.h"
#include "xds/xds_resources.h"

#include <envoy/service/discovery/v3/ads.grpc.pb.h>

#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <optional>
#include <vector>

namespace aegis::xds {

namespace {

using envoy::service::discovery::v3::DiscoveryRequest;
using envoy::service::discovery::v3::DiscoveryResponse;

// Store events taken from the watch at once.
constexpr std::size_t kTakeBatch = 1024;
// How long the follower waits for the registry's cache to reach a watched revision (its listener
// and the hub's notifier run on different threads).
constexpr auto kCatchUpPatience = std::chrono::seconds(1);

std::string nodeToken(const envoy::config::core::v3::Node &node) {
    const auto &fields = node.metadata().fields();
    const auto it = fields.find(std::string(client::kXdsTokenMetadataKey));
    return it == fields.end() ? std::string() : it->second.string_value();
}

} // namespace

// One ADS stream. Owned by itself (m_self) until gRPC is done with it, and by whoever holds a
// shared_ptr from AdsServer::m_streams meanwhile, so a push never races the reactor's end.
// Operations never start under m_mutex: gRPC may run a reaction inline.
class AdsServer::Stream final : public grpc::ServerBidiReactor<DiscoveryRequest, DiscoveryResponse>,
                                public std::enable_shared_from_this<Stream> {
public:
    Stream(AdsServer &server, std::string peer)
        : m_server(server)
        , m_peer(std::move(peer)) {}

    void begin() {
        m_self = shared_from_this();
        m_server.addStream(this);
        StartRead(&m_request);
    }

    void OnReadDone(bool ok) override {
        if (!ok) {
            end(grpc::Status::OK);
            return;
        }
        if (handle(m_request)) {
            StartRead(&m_request);
        }
        pump();
    }

    void OnWriteDone(bool ok) override {
        {
            std::lock_guard lock(m_mutex);
            m_writing = false;
            if (!ok && !m_finishing) { // the call is over (cancelled, or the client went away)
                m_finishing = true;
                m_pending.clear();
            }
        }
        pump();
    }

    void OnDone() override {
        m_server.removeStream(this);
        m_self.reset(); // may destroy this
    }

    // Services whose assignment changed: re-sends the endpoints of those this stream follows.
    void refresh(const std::set<std::string> &services) {
        std::optional<grpc::Status> refusal;
        {
            std::lock_guard lock(m_mutex);
            if (m_finishing || !m_authenticated) {
                return;
            }
            auto it = m_types.find(std::string(kClusterLoadAssignmentType));
            if (it == m_types.end() ||
                std::none_of(it->second.names.begin(), it->second.names.end(),
                             [&](const std::string &name) { return services.count(name) > 0; })) {
                return;
            }
            if (Status allowed = m_server.m_options.authenticate(m_token); !allowed.isOk()) {
                refusal = grpc::Status(grpc::StatusCode::UNAUTHENTICATED, allowed.message());
            } else {
                prepareLocked(it->first, it->second);
            }
        }
        if (refusal) {
            end(*refusal);
            return;
        }
        pump();
    }

    // Finishes the call with `status` (after the write in flight, if any). Idempotent.
    void end(grpc::Status status) {
        {
            std::lock_guard lock(m_mutex);
            if (m_finishing) {
                return;
            }
            m_finishing = true;
            m_endStatus = std::move(status);
            m_pending.clear();
        }
        pump();
    }

private:
    struct TypeState {
        std::vector<std::string> names;
        std::string lastNonce;
        std::string sentContent;
        std::string refusedContent;
    };

    // Applies one request; false when the stream ended.
    bool handle(const DiscoveryRequest &request) {
        bool ack = false;
        bool nack = false;
        std::optional<grpc::Status> refusal;
        {
            std::lock_guard lock(m_mutex);
            if (m_finishing) {
                return false;
            }
            if (!m_authenticated) {
                m_token = nodeToken(request.node());
                m_nodeId = request.node().id();
                if (Status allowed = m_server.m_options.authenticate(m_token); !allowed.isOk()) {
                    refusal =
                        grpc::Status(grpc::StatusCode::UNAUTHENTICATED,
                                     "xds: node." + std::string(client::kXdsTokenMetadataKey) +
                                         ": " + allowed.message());
                } else {
                    m_authenticated = true;
                }
            }
            if (m_authenticated) {
                TypeState &state = m_types[request.type_url()];
                if (!request.response_nonce().empty() &&
                    request.response_nonce() != state.lastNonce) {
                    if (m_server.m_metrics) {
                        m_server.m_metrics->staleRequest();
                    }
                    return true;
                }
                if (request.has_error_detail()) {
                    nack = true;
                    state.refusedContent = state.sentContent;
                    log::warn("xds client refused a response",
                              {{"node", m_nodeId},
                               {"peer", m_peer},
                               {"type", request.type_url()},
                               {"nonce", request.response_nonce()},
                               {"error", request.error_detail().message()}});
                } else if (!request.response_nonce().empty()) {
                    ack = true;
                }
                state.names.assign(request.resource_names().begin(),
                                   request.resource_names().end());
                prepareLocked(request.type_url(), state);
            }
        }
        if (m_server.m_metrics && ack) {
            m_server.m_metrics->acked(request.type_url());
        } else if (m_server.m_metrics && nack) {
            m_server.m_metrics->nacked(request.type_url());
        }
        if (refusal) {
            end(*refusal);
            return false;
        }
        return true;
    }

    // Queues the response for `type` when its content differs from what was last sent and from
    // what the client last refused.
    void prepareLocked(const std::string &type, TypeState &state) {
        if (type != kListenerType && type != kClusterType && type != kClusterLoadAssignmentType) {
            return; // no RouteConfiguration is named by our listeners; other types are unknown
        }
        DiscoveryResponse response;
        response.set_type_url(type);
        std::int64_t revision = 0;
        for (const std::string &name : state.names) {
            if (!registry::Registry::validateServiceName(name, "resource_names").isOk()) {
                continue; // unknown to us: the client's does-not-exist timer decides
            }
            if (type == kListenerType) {
                *response.add_resources() = listener(name);
            } else if (type == kClusterType) {
                *response.add_resources() = cluster(name);
            } else {
                const AssignmentPtr current = m_server.assignment(name);
                auto *any = response.add_resources();
                any->set_type_url(std::string(kClusterLoadAssignmentType));
                any->set_value(current->encoded);
                revision = std::max(revision, current->revision);
            }
        }
        std::string content;
        for (const auto &resource : response.resources()) {
            content += resource.value();
            content += '\0';
        }
        if (content == state.sentContent && !state.lastNonce.empty()) {
            return;
        }
        if (content == state.refusedContent && !state.refusedContent.empty()) {
            return;
        }
        state.sentContent = std::move(content);
        state.lastNonce = std::to_string(++m_nonce);
        response.set_nonce(state.lastNonce);
        response.set_version_info(type == kClusterLoadAssignmentType ? std::to_string(revision)
                                                                     : std::string("1"));
        response.mutable_control_plane()->set_identifier(m_server.m_options.identifier);
        m_pending[type] = std::move(response);
    }

    // Starts the next write, or the Finish a write held back.
    void pump() {
        bool finish = false;
        {
            std::lock_guard lock(m_mutex);
            if (m_writing || m_finished) {
                return;
            }
            if (m_finishing) {
                m_finished = true;
                finish = true;
            } else if (m_pending.empty()) {
                return;
            } else {
                m_out = std::move(m_pending.begin()->second);
                m_pending.erase(m_pending.begin());
                m_writing = true;
            }
        }
        if (finish) {
            Finish(m_endStatus);
            return;
        }
        if (m_server.m_metrics) {
            m_server.m_metrics->responded(m_out.type_url());
        }
        StartWrite(&m_out);
    }

    AdsServer &m_server;
    const std::string m_peer;
    std::shared_ptr<Stream> m_self;
    DiscoveryRequest m_request; // read by gRPC, then by OnReadDone only
    DiscoveryResponse m_out;    // written by gRPC while m_writing

    std::mutex m_mutex;
    bool m_authenticated = false;
    std::string m_token;
    std::string m_nodeId;
    std::map<std::string, TypeState> m_types;
    std::map<std::string, DiscoveryResponse> m_pending; // by type: only the latest matters
    std::uint64_t m_nonce = 0;
    bool m_writing = false;
    bool m_finishing = false;
    bool m_finished = false;
    grpc::Status m_endStatus;
};

class AdsServer::Service final
    : public envoy::service::discovery::v3::AggregatedDiscoveryService::CallbackService {
public:
    explicit Service(AdsServer &server)
        : m_server(server) {}

    grpc::ServerBidiReactor<DiscoveryRequest, DiscoveryResponse> *
    StreamAggregatedResources(grpc::CallbackServerContext *context) override {
        auto stream = std::make_shared<Stream>(m_server, context->peer());
        stream->begin();
        return stream.get();
    }

private:
    AdsServer &m_server;
};

AdsServer::AdsServer(registry::Registry &registry, store::WatchHub &hub, AdsServerOptions options)
    : m_registry(registry)
    , m_hub(hub)
    , m_options(std::move(options)) {}

AdsServer::~AdsServer() {
    shutdown(std::chrono::system_clock::now());
}

Status AdsServer::start(const std::string &hostPort,
                        std::shared_ptr<grpc::ServerCredentials> credentials) {
    auto watch =
        m_registry.watchInstances(m_hub, "", 0, registry::InstanceView::All, [this] { wake(); });
    if (!watch) {
        return watch.status();
    }
    m_watch = std::move(*watch);
    // A watcher turns live on its first take(); only then does it notify.
    wake();
    m_follower = std::thread([this] { follow(); });

    m_service = std::make_unique<Service>(*this);
    grpc::ServerBuilder builder;
    int selectedPort = 0;
    builder.AddListeningPort(hostPort, std::move(credentials), &selectedPort);
    builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
    builder.RegisterService(m_service.get());
    m_server = builder.BuildAndStart();
    if (!m_server || selectedPort == 0) {
        m_server.reset();
        return unavailable("xds.listen: cannot serve xDS on " + hostPort +
                           " (is the port in use? see gRPC's log line before this one)");
    }
    m_address = hostPort.substr(0, hostPort.rfind(':')) + ":" + std::to_string(selectedPort);
    return Status::ok();
}

void AdsServer::shutdown(std::chrono::system_clock::time_point deadline) {
    std::vector<std::shared_ptr<Stream>> streams;
    {
        std::lock_guard lock(m_mutex);
        if (m_stopping) {
            return;
        }
        m_stopping = true;
        for (Stream *stream : m_streams) {
            streams.push_back(stream->shared_from_this());
        }
    }
    for (const auto &stream : streams) {
        stream->end(grpc::Status(grpc::StatusCode::UNAVAILABLE, "aegisd is shutting down"));
    }
    streams.clear();
    if (m_server) {
        m_server->Shutdown(deadline);
    }
    {
        std::lock_guard lock(m_mutex);
        if (m_watch) {
            m_watch->cancel();
        }
    }
    wake();
    if (m_follower.joinable()) {
        m_follower.join();
    }
}

void AdsServer::wake() {
    {
        std::lock_guard lock(m_wakeMutex);
        m_pending = true;
    }
    m_wake.notify_one();
}

void AdsServer::exportMetrics(prometheus::Registry &registry) {
    m_metrics = std::make_unique<XdsMetrics>(registry);
}

void AdsServer::addStream(Stream *stream) {
    if (m_metrics) {
        m_metrics->streamOpened();
    }
    bool stopping = false;
    {
        std::lock_guard lock(m_mutex);
        stopping = m_stopping;
        m_streams.insert(stream);
    }
    if (stopping) {
        stream->end(grpc::Status(grpc::StatusCode::UNAVAILABLE, "aegisd is shutting down"));
    }
}

void AdsServer::removeStream(Stream *stream) {
    if (m_metrics) {
        m_metrics->streamClosed();
    }
    std::lock_guard lock(m_mutex);
    m_streams.erase(stream);
}

AdsServer::AssignmentPtr AdsServer::compute(const std::string &service) const {
    registry::InstanceQuery query;
    query.service = service;
    query.pageSize = 10000;
    std::vector<registry::Instance> instances;
    std::int64_t revision = 0;
    while (true) {
        auto page = m_registry.listInstances(query);
        if (!page) {
            break; // a valid name lists; nothing else can fail in memory
        }
        revision = page->revision;
        std::move(page->items.begin(), page->items.end(), std::back_inserter(instances));
        if (page->nextPageToken.empty()) {
            break;
        }
        query.pageToken = page->nextPageToken;
    }
    std::vector<std::string> skipped;
    auto assignment = std::make_shared<Assignment>();
    loadAssignment(service, instances, &skipped).SerializeToString(&assignment->encoded);
    assignment->revision = revision;
    if (!skipped.empty()) {
        log::warn("xds: instances without an IP address are not served to gRPC clients",
                  {{"service", service}, {"instances", std::to_string(skipped.size())}});
    }
    return assignment;
}

AdsServer::AssignmentPtr AdsServer::assignment(const std::string &service) {
    std::lock_guard lock(m_mutex);
    auto &slot = m_assignments[service];
    if (!slot) {
        slot = compute(service);
    }
    return slot;
}

void AdsServer::follow() {
    while (true) {
        {
            std::unique_lock lock(m_wakeMutex);
            m_wake.wait(lock, [this] { return m_pending; });
            m_pending = false;
        }
        std::set<std::string> touched;
        std::int64_t upTo = 0;
        Status ended;
        while (true) {
            auto taken = m_watch->take(kTakeBatch);
            if (!taken.batch) {
                ended = taken.ended;
                break;
            }
            upTo = std::max<std::int64_t>(upTo, taken.batch->revision);
            for (const auto &event : taken.batch->events) {
                touched.insert(event.instance.service);
            }
        }
        {
            std::lock_guard lock(m_mutex);
            if (m_stopping) {
                return;
            }
        }
        if (!ended.isOk()) {
            // Not expected from a watch of the present; follow again and refresh everything.
            log::warn("xds: the registry watch ended; following again",
                      {{"error", ended.message()}});
            auto watch = m_registry.watchInstances(m_hub, "", 0, registry::InstanceView::All,
                                                   [this] { wake(); });
            if (!watch) {
                return;
            }
            std::lock_guard lock(m_mutex);
            if (m_stopping) {
                (*watch)->cancel();
                return;
            }
            m_watch = std::move(*watch);
            wake(); // its first take() makes it live
            for (const auto &[service, assignment] : m_assignments) {
                touched.insert(service);
            }
        }
        std::set<std::string> changed;
        for (const std::string &service : touched) {
            {
                std::lock_guard lock(m_mutex);
                if (m_assignments.count(service) == 0) {
                    continue; // nobody follows it
                }
            }
            AssignmentPtr next = compute(service);
            const auto patience = std::chrono::steady_clock::now() + kCatchUpPatience;
            while (next->revision < upTo && std::chrono::steady_clock::now() < patience) {
                std::this_thread::sleep_for(std::chrono::milliseconds(1));
                next = compute(service);
            }
            std::lock_guard lock(m_mutex);
            AssignmentPtr &slot = m_assignments[service];
            if (!slot || (next->revision >= slot->revision && next->encoded != slot->encoded)) {
                slot = next;
                changed.insert(service);
            }
        }
        if (changed.empty()) {
            continue;
        }
        std::vector<std::shared_ptr<Stream>> streams;
        {
            std::lock_guard lock(m_mutex);
            for (Stream *stream : m_streams) {
                streams.push_back(stream->shared_from_this());
            }
        }
        for (const auto &stream : streams) {
            stream->refresh(changed);
        }
    }
}

} // namespace aegis::xds
