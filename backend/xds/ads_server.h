#pragma once

#include "common/status.h"
#include "registry/instance_watch.h"

#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <thread>

namespace grpc {
class Server;
class ServerCredentials;
} // namespace grpc

namespace prometheus {
class Registry;
}
namespace aegis::registry {
class Registry;
}
namespace aegis::store {
class WatchHub;
}

namespace aegis::xds {

class XdsMetrics;

struct AdsServerOptions {
    // Whether `token` (the node's metadata client::kXdsTokenMetadataKey) may read the registry; OK
    // or the refusal (UNAUTHENTICATED). Called at a stream's start and again before every push, so
    // a revoked or expired token ends its streams at the next change. Required.
    std::function<Status(std::string_view token)> authenticate;
    // The control_plane.identifier of every response.
    std::string identifier = "aegisd";
};

// aegisd's xDS management server: envoy.service.discovery.v3.AggregatedDiscoveryService,
// state-of-the-world, on a gRPC server of its own, for gRPC clients whose channel target is
// `xds:///<service>` (xds_resources.h says what each service's resources are).
//
// Per stream and resource type it keeps the subscribed names, the last nonce sent and the last
// content sent. A request whose response_nonce is not the last one sent for its type is stale
// and ignored; an ACK changes nothing unless the names changed; a NACK (error_detail) is logged
// and counted, and the content it refused is not sent again (a later change sends the new
// content). version_info is the registry revision the content was read at. Empty resource_names
// subscribe to nothing (wildcard subscriptions are not served).
//
// The endpoints follow the registry through one domain watch of every instance: a change
// recomputes the assignments of the services some stream subscribes to, on the server's own
// thread, and pushes those that differ. Thread-safe.
class AdsServer {
public:
    AdsServer(registry::Registry &registry, store::WatchHub &hub, AdsServerOptions options);
    ~AdsServer();
    AdsServer(const AdsServer &) = delete;
    AdsServer &operator=(const AdsServer &) = delete;

    // Opens the registry watch, binds host:port (port 0 picks one) and serves. UNAVAILABLE
    // naming the address on failure.
    Status start(const std::string &hostPort, std::shared_ptr<grpc::ServerCredentials> credentials);
    // The bound address, "host:port" ("" before start()).
    std::string address() const { return m_address; }
    // Ends every stream (UNAVAILABLE) and stops serving by `deadline`. Idempotent.
    void shutdown(std::chrono::system_clock::time_point deadline);

    // Registers the server's metrics (xds_metrics.h) in `registry`. Call once, before start().
    void exportMetrics(prometheus::Registry &registry);

private:
    class Service;
    class Stream;
    struct Assignment {
        std::string encoded; // serialized ClusterLoadAssignment
        std::int64_t revision = 0;
    };
    using AssignmentPtr = std::shared_ptr<const Assignment>;

    // The current assignment of `service`, computed and kept when first asked.
    AssignmentPtr assignment(const std::string &service);
    AssignmentPtr compute(const std::string &service) const;
    void follow();
    void wake();
    void addStream(Stream *stream);
    void removeStream(Stream *stream);

    registry::Registry &m_registry;
    store::WatchHub &m_hub;
    const AdsServerOptions m_options;

    mutable std::mutex m_mutex;
    std::map<std::string, AssignmentPtr> m_assignments;
    std::set<Stream *> m_streams;
    std::unique_ptr<XdsMetrics> m_metrics; // null unless exported
    bool m_stopping = false;

    std::mutex m_wakeMutex;
    std::condition_variable m_wake;
    bool m_pending = false;

    registry::InstanceWatchPtr m_watch;
    std::unique_ptr<Service> m_service;
    std::unique_ptr<grpc::Server> m_server;
    std::string m_address;
    std::thread m_follower;
};

} // namespace aegis::xds
