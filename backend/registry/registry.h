#pragma once

#include "common/clock.h"
#include "common/label_selector.h"
#include "registry/lease_table.h"
#include "store/store.h"

#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <shared_mutex>
#include <string>
#include <vector>

namespace aegis::registry {

// Numeric values match aegis.v1.InstanceState.
enum class InstanceState { Unspecified = 0, Serving = 1, Draining = 2, Maintenance = 3 };

// Numeric values match aegis.v1.HealthStatus (and health::HealthState).
enum class HealthStatus { Unknown = 0, Passing = 1, Warning = 2, Critical = 3 };

const char *healthStatusName(HealthStatus status);

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

// Called after committed changes with the instances they touched (`now` empty: removed), from the
// store's writer thread: it must be quick.
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

// Service discovery state: services and instances, durable in the store under /registry/, with
// leases in memory (LeaseTable). All of it is cached in memory and written through, so reads cost
// no store access. Mutations complete through callbacks once durable. Thread-safe.
class Registry {
public:
    static constexpr std::string_view kServicesPrefix = "/registry/services/";
    static constexpr std::string_view kInstancesPrefix = "/registry/instances/";
    static constexpr std::string_view kLeasesPrefix = "/registry/leases/";
    static constexpr std::string_view kTrafficPrefix = "/registry/traffic/";

    Registry(store::Store &store, ClockPtr clock, RegistryLimits limits = {});

    // Loads services and instances, and restores every lease with its full TTL from now. Call
    // once before serving.
    Status load();
    // Gives every lease at least a full TTL (and at least RegistryLimits::restartGrace) from now.
    // Call once the daemon is ready after load(): a restart never evicts an instance whose client
    // renews within a TTL of the daemon's readiness, however long the start-up took.
    void startLeaseClocks();

    // Mutations take `alsoWrite`: operations committed in the same transaction (the caller's
    // audit record).
    void registerInstance(Registration registration, std::function<void(StatusOr<Registered>)> done,
                          std::vector<store::Operation> alsoWrite = {});
    // Renews a lease in memory; nothing when it is unknown or expired.
    std::optional<std::chrono::seconds> keepAlive(LeaseId id);
    // A KeepAlive stream holds the leases it renews until it ends: a held lease outlives the
    // deregistration of its last instance (it can take new instances by lease_id); an unheld one
    // is revoked with it. holdLease() is false for an unknown lease; each true is released once.
    bool holdLease(LeaseId id) { return m_leases.hold(id); }
    void releaseLease(LeaseId id) { m_leases.release(id); }
    // Removes the instance (REMOVED, note `why`), and its lease with it when it was the lease's
    // last instance and no KeepAlive stream holds the lease.
    void deregister(const std::string &service, const std::string &id, std::string_view why,
                    std::function<void(StatusOr<store::Revision>)> done,
                    std::vector<store::Operation> alsoWrite = {});
    void setState(const std::string &service, const std::string &id, InstanceState state,
                  std::function<void(StatusOr<Registered>)> done,
                  std::vector<store::Operation> alsoWrite = {});

    // `at` receives the revision the answer reflects (as a page's revision).
    std::optional<Service> service(const std::string &name, store::Revision *at = nullptr) const;
    // Services and instances with the revision the answer reflects: a watch from revision + 1
    // misses nothing.
    StatusOr<Page<Service>> listServices(std::size_t pageSize, const std::string &pageToken) const;
    StatusOr<Page<Instance>> listInstances(const InstanceQuery &query) const;

    // Removes the instances of every expired lease (REMOVED, reason lease_expired). Call
    // periodically; it returns at once when nothing has expired.
    void expireLeases();

    // Records an instance's new health. Updates are coalesced: one transaction at a time carries
    // every pending update (with their `alsoWrite` operations), recomputes routability of the
    // services they touch and writes only the records that changed (note "health"). `done` is
    // called once the update is durable, or with the reason it could not be (NotFound: the
    // instance is gone). Thread-safe; may be called from a commit callback.
    void updateHealth(const std::string &service, const std::string &id, InstanceHealth health,
                      std::vector<store::Operation> alsoWrite = {},
                      std::function<void(Status)> done = {});
    // Sets the service's panic threshold (a share, 0..1; 1 disables panic) and re-applies
    // routability when it changes anything.
    void setPanicThreshold(const std::string &service, double threshold);

    // Sets (or with nullopt clears) the service's traffic policy. One transaction stores it and
    // rewrites the traffic weight of every instance it changes, so watchers see the whole switch
    // in one revision; `done` gets that revision once it is durable. Later registrations,
    // removals and health changes keep the weights in line with the policy. Shares must be
    // 0..100 and add up to 100, or to 0 (INVALID_ARGUMENT otherwise).
    void setTrafficPolicy(const std::string &service, std::optional<TrafficPolicy> policy,
                          std::function<void(StatusOr<store::Revision>)> done);
    std::optional<TrafficPolicy> trafficPolicy(const std::string &service) const;

    // The single listener told about every committed instance change. Thread-safe: once a call
    // replacing it returns, the old listener is not running and will not be called again.
    void setInstanceListener(InstanceListener listener);
    std::optional<Instance> instance(const std::string &service, const std::string &id,
                                     store::Revision *at = nullptr) const;
    // The services of the instances lease `id` carries, each once (empty: none, or no lease).
    std::vector<std::string> leaseServices(LeaseId id) const;

    std::size_t serviceCount() const;
    std::size_t instanceCount() const;
    std::size_t leaseCount() const { return m_leases.size(); }

    static std::string instancesPrefix(const std::string &service);
    static std::optional<Instance> decodeInstance(const store::KeyValue &kv);
    static Status validateServiceName(const std::string &name, std::string_view field);
    static Status validateInstanceId(const std::string &id, std::string_view field);
    Status validateInstance(const Instance &instance) const;

private:
    struct CachedService {
        Service service;
        std::size_t instances = 0;
        std::size_t unhealthy = 0;
        double panicThreshold = kDefaultPanicThreshold;
        // The panic state the stored records reflect.
        bool panicApplied = false;
        bool inPanic() const;
    };
    struct PendingPolicy {
        std::optional<TrafficPolicy> policy;
        std::vector<std::function<void(StatusOr<store::Revision>)>> done;
    };
    struct PendingHealth {
        InstanceHealth health;
        std::vector<store::Operation> alsoWrite;
        std::vector<std::function<void(Status)>> done;
    };
    void applyCommitted(const std::vector<store::Event> &events, store::Revision revision);
    // Cache bookkeeping; m_mutex held exclusively.
    void cacheInsert(const std::string &key, Instance instance);
    void cacheErase(std::map<std::string, Instance>::iterator it);
    // Starts the next coalesced health transaction unless one is in flight.
    void flushHealth();
    // Removes instances (and lease records) whose leases expired, with reason lease_expired.
    void removeExpired(std::vector<std::string> instanceKeys, std::vector<LeaseId> leases);
    // Revokes the lease unless an instance uses it or a KeepAlive stream holds it.
    void revokeIfUnused(LeaseId id);
    void registerAttempt(Registration registration, std::function<void(StatusOr<Registered>)> done,
                         std::vector<store::Operation> alsoWrite, int attempt);

    store::Store &m_store;
    ClockPtr m_clock;
    const RegistryLimits m_limits;
    LeaseTable m_leases;

    mutable std::shared_mutex m_mutex;
    std::map<std::string, CachedService> m_services; // by name
    std::map<std::string, Instance> m_instances;     // by store key
    std::map<LeaseId, std::vector<std::string>> m_instancesByLease;
    // Thresholds set for services, also before they have instances.
    std::map<std::string, double> m_panicThresholds;
    // Traffic policies by service, as stored.
    std::map<std::string, TrafficPolicy> m_trafficPolicies;
    // Every registry change up to this revision is in the cache.
    store::Revision m_revision = 0;

    // Held shared while the listener runs, exclusively to replace it.
    std::shared_mutex m_listenerMutex;
    InstanceListener m_listener;

    // Guards the coalescing state of health updates (taken before m_mutex, never inside it).
    std::mutex m_healthMutex;
    std::map<std::string, PendingHealth> m_pendingHealth;   // by instance key
    std::set<std::string> m_dirtyServices;                  // routability to re-apply
    std::map<std::string, PendingPolicy> m_pendingPolicies; // by service
    bool m_healthInFlight = false;
};

} // namespace aegis::registry
