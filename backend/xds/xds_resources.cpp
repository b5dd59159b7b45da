#include "xds/xds_resources.h"

#include <envoy/config/cluster/v3/cluster.pb.h>
#include <envoy/config/listener/v3/listener.pb.h>
#include <envoy/extensions/filters/http/router/v3/router.pb.h>
#include <envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager.pb.h>

#include <arpa/inet.h>

#include <charconv>
#include <cstdint>
#include <map>
#include <optional>
#include <tuple>

namespace aegis::xds {

namespace {

namespace core = envoy::config::core::v3;
namespace endpoint = envoy::config::endpoint::v3;
namespace hcm = envoy::extensions::filters::network::http_connection_manager::v3;

google::protobuf::Any pack(const google::protobuf::Message &message, std::string_view typeUrl) {
    google::protobuf::Any any;
    any.set_type_url(std::string(typeUrl));
    message.SerializeToString(any.mutable_value());
    return any;
}

struct IpPort {
    std::string ip;
    std::uint32_t port = 0;
};

// "10.0.0.1:80" or "[::1]:80" -> the literal and the port; nullopt for a hostname.
std::optional<IpPort> ipLiteral(const std::string &address) {
    const auto colon = address.rfind(':');
    if (colon == std::string::npos || colon + 1 == address.size()) {
        return std::nullopt;
    }
    std::string host = address.substr(0, colon);
    if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
        host = host.substr(1, host.size() - 2);
    }
    unsigned char buffer[sizeof(in6_addr)];
    if (inet_pton(AF_INET, host.c_str(), buffer) != 1 &&
        inet_pton(AF_INET6, host.c_str(), buffer) != 1) {
        return std::nullopt;
    }
    std::uint32_t port = 0;
    const char *first = address.data() + colon + 1;
    const char *last = address.data() + address.size();
    const auto [end, error] = std::from_chars(first, last, port);
    if (error != std::errc() || end != last || port == 0 || port > 65535) {
        return std::nullopt;
    }
    return IpPort{std::move(host), port};
}

std::string label(const registry::Instance &instance, const std::string &key) {
    const auto it = instance.labels.find(key);
    return it == instance.labels.end() ? std::string() : it->second;
}

} // namespace

google::protobuf::Any listener(const std::string &service) {
    hcm::HttpConnectionManager manager;
    manager.set_stat_prefix(service);
    auto *routes = manager.mutable_route_config();
    routes->set_name(service);
    auto *host = routes->add_virtual_hosts();
    host->set_name(service);
    host->add_domains("*");
    auto *route = host->add_routes();
    route->set_name("all");
    route->mutable_match()->set_prefix("");
    route->mutable_route()->set_cluster(service);
    auto *router = manager.add_http_filters();
    router->set_name("envoy.filters.http.router");
    *router->mutable_typed_config() =
        pack(envoy::extensions::filters::http::router::v3::Router(), kRouterType);

    envoy::config::listener::v3::Listener listener;
    listener.set_name(service);
    *listener.mutable_api_listener()->mutable_api_listener() =
        pack(manager, kHttpConnectionManagerType);
    return pack(listener, kListenerType);
}

google::protobuf::Any cluster(const std::string &service) {
    envoy::config::cluster::v3::Cluster cluster;
    cluster.set_name(service);
    cluster.set_type(envoy::config::cluster::v3::Cluster::EDS);
    auto *eds = cluster.mutable_eds_cluster_config();
    eds->mutable_eds_config()->mutable_ads();
    eds->mutable_eds_config()->set_resource_api_version(core::V3);
    eds->set_service_name(service);
    cluster.set_lb_policy(envoy::config::cluster::v3::Cluster::ROUND_ROBIN);
    return pack(cluster, kClusterType);
}

bool receivesTraffic(const registry::Instance &instance) {
    return instance.routable && instance.state == registry::InstanceState::Serving &&
           instance.trafficWeight > 0;
}

endpoint::ClusterLoadAssignment loadAssignment(const std::string &service,
                                               const std::vector<registry::Instance> &instances,
                                               std::vector<std::string> *skipped) {
    // (region, zone, weight) -> the instances, sorted by id for a stable encoding.
    using Group = std::tuple<std::string, std::string, std::int32_t>;
    std::map<Group, std::map<std::string, IpPort>> groups;
    for (const registry::Instance &instance : instances) {
        if (!receivesTraffic(instance)) {
            continue;
        }
        auto address = ipLiteral(instance.address);
        if (!address) {
            if (skipped != nullptr) {
                skipped->push_back(instance.id);
            }
            continue;
        }
        groups[{label(instance, "region"), label(instance, "zone"), instance.trafficWeight}]
              [instance.id] = std::move(*address);
    }

    endpoint::ClusterLoadAssignment assignment;
    assignment.set_cluster_name(service);
    for (const auto &[group, members] : groups) {
        const auto &[region, zone, weight] = group;
        auto *locality = assignment.add_endpoints();
        locality->mutable_locality()->set_region(region);
        locality->mutable_locality()->set_zone(zone);
        locality->mutable_locality()->set_sub_zone("weight-" + std::to_string(weight));
        // At most 10,000 instances of weight 10,000 per service: the total fits in 32 bits.
        locality->mutable_load_balancing_weight()->set_value(
            static_cast<std::uint32_t>(weight) * static_cast<std::uint32_t>(members.size()));
        for (const auto &[id, address] : members) {
            auto *lb = locality->add_lb_endpoints();
            lb->set_health_status(core::HEALTHY);
            lb->mutable_load_balancing_weight()->set_value(static_cast<std::uint32_t>(weight));
            auto *socket = lb->mutable_endpoint()->mutable_address()->mutable_socket_address();
            socket->set_address(address.ip);
            socket->set_port_value(address.port);
            lb->mutable_endpoint()->set_hostname(id);
        }
    }
    return assignment;
}

} // namespace aegis::xds
