#pragma once

#include "common/label_selector.h"

#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>

namespace aegis::client {

// Numeric values match aegis.v1.InstanceState.
enum class InstanceState { Unspecified = 0, Serving = 1, Draining = 2, Maintenance = 3 };

// Numeric values match aegis.v1.HealthStatus.
enum class HealthStatus { Unknown = 0, Passing = 1, Warning = 2, Critical = 3 };

// The label naming an instance's zone (a failure domain: zone, rack, data centre), as aegis-sample
// --zone and the fleet file set it. Zone-aware picking (ZoneOptions) reads it.
inline constexpr std::string_view kZoneLabel = "zone";

// One discovered instance of a service, as a plain value: what a caller needs to send it a
// request and to choose between instances.
struct Endpoint {
    std::string id;
    std::string service;
    // host:port to connect to.
    std::string address;
    Labels labels;
    Labels metadata;
    // 0..10000; 0 receives no traffic. Discovery fills in the daemon's traffic weight, which is the
    // declared weight unless a rollout's split covers the instance's colour (then the colour's
    // share spread over its instances by their declared weights).
    std::int32_t weight = 100;
    InstanceState state = InstanceState::Serving;
    std::int64_t modRevision = 0;
    // What aegisd's checks say; unroutable instances (critical or ejected outside panic) are
    // seen only with DiscoveryOptions::includeUnroutable.
    HealthStatus health = HealthStatus::Unknown;
    bool ejected = false;
    bool routable = true;

    // The weight every picker balances by: the share of requests it receives is its effective
    // weight over the sum of all. Never negative; 0 receives no traffic.
    std::int64_t effectiveWeight() const { return std::max<std::int32_t>(weight, 0); }

    // Whether pickers may choose it: routable and serving (not draining, not in maintenance)
    // with a weight.
    bool isPickable() const {
        return routable && state == InstanceState::Serving && effectiveWeight() > 0;
    }

    // Its kZoneLabel label; empty when it has none.
    std::string_view zone() const {
        const auto found = labels.find(std::string(kZoneLabel));
        return found == labels.end() ? std::string_view() : std::string_view(found->second);
    }

    friend bool operator==(const Endpoint &, const Endpoint &) = default;
};

} // namespace aegis::client
