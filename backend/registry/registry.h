#pragma once

#include "common/clock.h"
#include "registry/instance_watch.h"
#include "registry/lease_keeper.h"
#include "registry/registry_types.h"
#include "store/store.h"
#include "store/watch_hub.h"

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace prometheus {
class Registry;
}

namespace aegis::registry {

class RegistryMetrics;

// Service discovery state: services and instances, durable in the store under /registry/, with
// leases kept by a LeaseKeeper (in memory, or in etcd where the store is etcd). All of it is
// cached in memory, so reads cost no store access.
// The cache follows the store's event stream under /registry/ (its own writes and any other
// writer's), so a mutation's callback, run once the write is durable, already sees it applied.
// Thread-safe.
class Registry {
public:
    static constexpr std::string_view kPrefix = "/registry/";
    static constexpr std::string_view kServicesPrefix = "/registry/services/";
    static constexpr std::string_view kInstancesPrefix = "/registry/instances/";
    static constexpr std::string_view kLeasesPrefix = "/registry/leases/";
    static constexpr std::string_view kTrafficPrefix = "/registry/traffic/";

    // `leases` says where leases live; null keeps them in memory (MemoryLeaseKeeper).
    Registry(store::Store &store, ClockPtr clock, RegistryLimits limits = {},
             LeaseKeeperPtr leases = nullptr);
    // Stops following the store (see load()).
    ~Registry();
    Registry(const Registry &) = delete;
    Registry &operator=(const Registry &) = delete;

    // Subscribes to the store's events under /registry/, loads services and instances, and
    // restores every lease with its full TTL from now. Call once before serving. From then on
    // every committed change under /registry/, whoever wrote it, is applied to the cache and told
    // to the InstanceListener.
    Status load();
    // Registers the registry's metrics (registry_metrics.h) in `registry`. Call once, before
    // load().
    void exportMetrics(prometheus::Registry &registry);
    // Gives every lease at least a full TTL (and at least RegistryLimits::restartGrace) from now.
    // Call once the daemon is ready after load(): a restart never evicts an instance whose client
    // renews within a TTL of the daemon's readiness, however long the start-up took.
    void startLeaseClocks();

    // Mutations take `alsoWrite`: operations committed in the same transaction (the caller's
    // audit record).
    void registerInstance(Registration registration, std::function<void(StatusOr<Registered>)> done,
                          std::vector<store::Operation> alsoWrite = {});
    // Renews a lease (never waiting on the network); nothing when it is unknown or expired.
    std::optional<std::chrono::seconds> keepAlive(LeaseId id);
    // A KeepAlive stream holds the leases it renews until it ends: a held lease outlives the
    // deregistration of its last instance (it can take new instances by lease_id); an unheld one
    // is revoked with it. holdLease() is false for an unknown lease; each true is released once.
    bool holdLease(LeaseId id) { return m_leases->hold(id); }
    void releaseLease(LeaseId id) { m_leases->release(id); }
    // Removes the instance (REMOVED, note `why`), and its lease with it when it was the lease's
    // last instance and no KeepAlive stream holds the lease.
    void deregister(const std::string &service, const std::string &id, std::string_view why,
                    std::function<void(StatusOr<store::Revision>)> done,
                    std::vector<store::Operation> alsoWrite = {});
    void setState(const std::string &service, const std::string &id, InstanceState state,
                  std::function<void(StatusOr<Registered>)> done,
                  std::vector<store::Operation> alsoWrite = {});

    // Watches the instances of `service` (empty: every service) in `view` through `hub`, from
    // `startRevision` (0: from the next revision): OUT_OF_RANGE when it is compacted,
    // INVALID_ARGUMENT for a bad service name, UNAVAILABLE once the hub is shut down. `notify`
    // runs as store::WatchHub::watch() says whenever take() has something new. Watches of the
    // same service and view share their decoded events.
    StatusOr<InstanceWatchPtr> watchInstances(store::WatchHub &hub, const std::string &service,
                                              store::Revision startRevision, InstanceView view,
                                              std::function<void()> notify) const;

    // `at` receives the revision the answer reflects (as a page's revision).
    std::optional<Service> service(const std::string &name, store::Revision *at = nullptr) const;
    // Services and instances with the revision the answer reflects: a watch from revision + 1
    // misses nothing.
    StatusOr<Page<Service>> listServices(std::size_t pageSize, const std::string &pageToken) const;
    StatusOr<Page<Instance>> listInstances(const InstanceQuery &query) const;

    // Removes the instances of every expired lease (REMOVED, reason lease_expired). Call
    // periodically; it returns at once when nothing has expired. Where the store expires leases
    // itself (etcd) it has nothing to do: the store's deletes reach every replica as REMOVED
    // with reason lease_expired.
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

    // The single listener told about every committed instance change, this registry's and any
    // other writer's (see InstanceChange). Thread-safe: once a call
    // replacing it returns, the old listener is not running and will not be called again.
    void setInstanceListener(InstanceListener listener);
    std::optional<Instance> instance(const std::string &service, const std::string &id,
                                     store::Revision *at = nullptr) const;
    // The instance's labels alone (a gray release's selector asks for them once per watcher of a
    // change); nullopt when it is not registered.
    std::optional<Labels> labels(const std::string &service, const std::string &id) const;
    // Counts changes of the instance cache (any instance added, changed or removed): what a
    // caller read of an instance before this count last moved is still current.
    std::uint64_t instanceChanges() const { return m_instanceChanges.load(); }
    // The services of the instances lease `id` carries, each once (empty: none, or no lease).
    std::vector<std::string> leaseServices(LeaseId id) const;

    std::size_t serviceCount() const;
    std::size_t instanceCount() const;
    std::size_t leaseCount() const { return m_leases->size(); }

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
    // What this registry encoded for a write, kept until the write's event arrives so the cache
    // adopts it instead of decoding the record back.
    struct PreparedRecord {
        std::uint64_t ticket = 0;
        std::string value;
        Instance instance;
    };
    struct Ticket {
        std::string key;
        std::uint64_t ticket = 0;
    };
    // Encodes `instance` as the record of `key`; when the encoding is lossless, keeps it for
    // adoption and adds its ticket to `tickets` (to forget() once the commit is done).
    std::string prepare(const std::string &key, Instance instance, std::vector<Ticket> &tickets);
    // Drops prepared records whose events never came (a failed commit).
    void forget(const std::vector<Ticket> &tickets);
    // The prepared instance whose record for `key` is exactly `value`, if any (taken out).
    std::optional<Instance> adopt(const std::string &key, const std::string &value);

    // The store's event stream listener: applies every change under /registry/ to the cache.
    void applyEvents(const std::vector<store::Event> &events);
    // Applies one event; m_mutex held exclusively. Adds the instance change, if any, to
    // `changes` and the service it touched to `touched`.
    void applyEventLocked(const store::Event &event, std::vector<InstanceChange> &changes,
                          std::set<std::string> &touched);
    // Cache bookkeeping; m_mutex held exclusively.
    void cacheInsert(const std::string &key, Instance instance);
    void cacheErase(std::map<std::string, Instance>::iterator it);
    // m_instances' entry for a store key through m_instanceIndex (end() when there is none).
    std::map<std::string, Instance>::iterator findInstance(std::string_view key);
    std::map<std::string, Instance>::const_iterator findInstance(std::string_view key) const;
    // Starts the next coalesced health transaction unless one is in flight.
    void flushHealth();
    // Removes instances (and lease records) whose leases expired, with reason lease_expired.
    void removeExpired(std::vector<std::string> instanceKeys, std::vector<LeaseId> leases);
    // Revokes the lease unless an instance uses it or a KeepAlive stream holds it.
    void revokeIfUnused(LeaseId id);
    void registerAttempt(Registration registration, std::function<void(StatusOr<Registered>)> done,
                         std::vector<store::Operation> alsoWrite, int attempt);
    // A validated registration whose lease is known, on its way to the store.
    struct PendingRegistration {
        // Kept for a retry: the health checker may write the record between our read and commit.
        Registration original;
        std::vector<store::Operation> originalAlsoWrite;
        int attempt = 1;
        Instance instance;
        store::Revision expectedModRevision = 0;
        bool serviceKnown = false;
        // The lease was granted for this registration (revoked again if it fails).
        bool grantedHere = false;
        std::vector<store::Operation> alsoWrite;
        std::function<void(StatusOr<Registered>)> done;
    };
    void commitRegistration(PendingRegistration pending);
    // Puts the instance's record, attached to its lease where the store keeps leases.
    void putInstance(store::Transaction &txn, const std::string &key, Instance instance,
                     std::vector<Ticket> &tickets);

    store::Store &m_store;
    ClockPtr m_clock;
    const RegistryLimits m_limits;
    const LeaseKeeperPtr m_leases;

    mutable std::shared_mutex m_mutex;
    std::map<std::string, CachedService> m_services; // by name
    std::map<std::string, Instance> m_instances;     // by store key
    // The same entries by hash, keyed by views of m_instances' keys: a lookup by key is asked once
    // per watcher of a gray release's change (its labels) and several times per registration.
    std::unordered_map<std::string_view, std::map<std::string, Instance>::iterator> m_instanceIndex;
    std::atomic<std::uint64_t> m_instanceChanges{0};
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

    std::mutex m_preparedMutex;
    std::map<std::string, std::vector<PreparedRecord>> m_prepared; // by store key
    std::uint64_t m_nextTicket = 1;

    const std::shared_ptr<InstanceEventCache> m_eventCache;

    std::shared_ptr<RegistryMetrics> m_metrics; // Null until exportMetrics().
    // Declared last: destroyed first, so no event is applied to a half-destroyed registry.
    store::EventSubscription m_subscription;
};

} // namespace aegis::registry
