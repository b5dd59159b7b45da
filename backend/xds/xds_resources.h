#pragma once

#include "registry/registry_types.h"

#include <envoy/config/endpoint/v3/endpoint.pb.h>
#include <google/protobuf/any.pb.h>

#include <string>
#include <string_view>
#include <vector>

// What aegisd tells gRPC's xDS client about one service, as pure functions of the registry's
// instances. A channel to `xds:///<service>` subscribes to the Listener <service>, whose inline
// route sends every call to the Cluster <service>, whose endpoints are the ClusterLoadAssignment
// <service>: the instances discovery hands out, grouped so that gRPC's own policies split the
// traffic by the instances' traffic weights (see loadAssignment()).
namespace aegis::xds {

inline constexpr std::string_view kListenerType =
    "type.googleapis.com/envoy.config.listener.v3.Listener";
inline constexpr std::string_view kRouteConfigurationType =
    "type.googleapis.com/envoy.config.route.v3.RouteConfiguration";
inline constexpr std::string_view kClusterType =
    "type.googleapis.com/envoy.config.cluster.v3.Cluster";
inline constexpr std::string_view kClusterLoadAssignmentType =
    "type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment";
inline constexpr std::string_view kHttpConnectionManagerType =
    "type.googleapis.com/"
    "envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager";
inline constexpr std::string_view kRouterType =
    "type.googleapis.com/envoy.extensions.filters.http.router.v3.Router";

// The Listener `service`: an API listener (HttpConnectionManager) with its route configuration
// inline, one virtual host for every authority and one route, every path to the cluster
// `service`, then the router filter gRPC requires last. Packed as an Any.
google::protobuf::Any listener(const std::string &service);

// The Cluster `service`: type EDS over ADS (endpoints named `service`), round robin.
google::protobuf::Any cluster(const std::string &service);

// Whether discovery hands `instance` to callers (as client::Endpoint::isPickable() decides):
// routable, serving and with a traffic weight.
bool receivesTraffic(const registry::Instance &instance);

// The ClusterLoadAssignment `service` for `instances` (any order; those not receiving traffic are
// left out). gRPC 1.51 balances with weighted_target across localities (by the locality's
// load_balancing_weight) and round_robin within one, ignoring endpoint weights; so instances
// are grouped into one locality per zone and traffic weight (region and zone from the labels
// "region" and "zone", sub_zone "weight-<w>"), each weighing its instances' total weight.
// Each instance then receives its traffic weight's share exactly, in expectation. Every locality
// is priority 0; endpoints are HEALTHY and carry their weight too (for ring_hash). An instance
// whose address is not an IP literal (host:port, IPv6 in brackets) is left out and named in
// `skipped`: gRPC's xDS client refuses the whole assignment for a hostname.
envoy::config::endpoint::v3::ClusterLoadAssignment
loadAssignment(const std::string &service, const std::vector<registry::Instance> &instances,
               std::vector<std::string> *skipped = nullptr);

} // namespace aegis::xds
