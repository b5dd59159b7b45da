#pragma once

#include "common/label_selector.h"
#include "registry/lease_keeper.h"
#include "store/store.h"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

// The registry's value types, apart from Registry so that code handling instances (watches,
// routing) does not need the whole registry.
namespace aegis::registry {

// Numeric values match aegis.v1.InstanceState.
enum class InstanceState { Unspecified = 0, Serving = 1, Draining = 2, Maintenance = 3 };

// Numeric values match aegis.v1.HealthStatus (and health::HealthState).
enum class HealthStatus { Unknown = 0, Passing = 1, Warning = 2, Critical = 3 };

// What the health checker and the callers' reports say of an instance; kept in its record, so
// every change is an event on the instance and survives a restart.
struct InstanceHealth {
    HealthStatus status = HealthStatus::Unknown;
    bool flapping = false;
    bool ejected = false;
    std::chrono::system_clock::time_point ejectedUntil;
    std::string reason;
    std::string output;
    std::chrono::system_clock::time_point changedAt;
    // The instance has an active or ttl check.
    bool checked = false;

    // Critical or ejected: discovery hands it out only while its service is in panic.
    bool isUnhealthy() const { return status == HealthStatus::Critical || ejected; }
    bool operator==(const InstanceHealth &) const = default;
};

struct Instance {
    std::string id;
    std::string service;
    std::string address;
    Labels labels;
    std::int32_t weight = 100;
    // The weight callers balance by: `weight`, or while its service has a TrafficPolicy covering
    // the instance, its group's share spread over the group's routable instances (0..10000).
    std::int32_t trafficWeight = 100;
    Labels metadata;
    InstanceState state = InstanceState::Serving;
    LeaseId leaseId = 0;
    std::chrono::seconds leaseTtl{0};
    std::chrono::system_clock::time_point registerTime;
    store::Revision createRevision = 0;
    store::Revision modRevision = 0;
    InstanceHealth health;
    // Discovery hands the instance to callers: healthy, or its service is in panic.
    bool routable = true;
    // In a stored record: the write that produced it flipped `routable` (the routable view of
    // WatchInstances turns such an update into ADDED or REMOVED).
    bool routableChanged = false;
};

// How a service's traffic divides between groups of instances told apart by a label (a rollout's
// colours): each listed value of the label gets a share in percent, spread over its routable
// instances in proportion to their weights. Instances whose value is not listed keep their weight.
// Shares of 0 everywhere hold every listed group at no traffic.
struct TrafficPolicy {
    std::string label = "color";
    std::map<std::string, int> shares;
    bool operator==(const TrafficPolicy &) const = default;
};

struct Service {
    std::string name;
    Labels labels;
    std::string description;
    std::int64_t instanceCount = 0;
    store::Revision createRevision = 0;
    store::Revision modRevision = 0;
    // Instances that are critical or ejected.
    std::int64_t unhealthyCount = 0;
    // More than the panic threshold is unhealthy: every instance is routable.
    bool panic = false;
};

// Called after committed changes, this registry's or any other writer's, with the instances they
// touched (`now` empty: removed), from the store's writer thread: it must be quick.
struct InstanceChange {
    std::string service;
    std::string id;
    std::optional<Instance> now;
};
using InstanceListener = std::function<void(const std::vector<InstanceChange> &)>;

struct RegistryLimits {
    std::size_t maxInstancesPerService = 10000;
    std::chrono::seconds minTtl{1};
    std::chrono::seconds maxTtl{3600};
    // After a restart every lease lives at least this long (and at least its TTL) from the
    // moment the daemon is ready (see startLeaseClocks()).
    std::chrono::seconds restartGrace{5};
};

struct Registration {
    Instance instance;
    // Exactly one of the two: a new lease with this TTL, or an existing lease.
    std::optional<std::chrono::seconds> ttl;
    LeaseId leaseId = 0;
};

struct Registered {
    Instance instance;
    store::Revision revision = 0;
    bool created = false;
};

struct InstanceQuery {
    // Empty: every service.
    std::string service;
    LabelSelector selector;
    InstanceState state = InstanceState::Unspecified;
    std::size_t pageSize = 100;
    std::string pageToken;
    // Also list instances that are not routable (critical or ejected outside panic).
    bool includeUnroutable = false;
};

template <typename T>
struct Page {
    std::vector<T> items;
    std::string nextPageToken;
    store::Revision revision = 0;
};

// Why an instance left (the note on its REMOVED event) or was changed.
namespace reason {
inline constexpr std::string_view kDeregistered = "deregistered";
inline constexpr std::string_view kLeaseExpired = "lease_expired";
inline constexpr std::string_view kOperator = "operator";
// Removed by the health checker after being critical for the check's deregister_after.
inline constexpr std::string_view kHealthCritical = "health_critical";
// A change of health (and of routability) only.
inline constexpr std::string_view kHealth = "health";

// Traffic policies changed.
inline constexpr std::string_view kTraffic = "traffic";
} // namespace reason

// The share of unhealthy instances above which a service is in panic, unless set per service.
inline constexpr double kDefaultPanicThreshold = 0.5;

} // namespace aegis::registry
