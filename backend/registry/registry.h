#pragma once

#include "common/clock.h"
#include "common/label_selector.h"
#include "registry/lease_table.h"
#include "store/store.h"

#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <shared_mutex>
#include <string>
#include <vector>

namespace aegis::registry {

// Numeric values match aegis.v1.InstanceState.
enum class InstanceState { Unspecified = 0, Serving = 1, Draining = 2, Maintenance = 3 };

struct Instance {
    std::string id;
    std::string service;
    std::string address;
    Labels labels;
    std::int32_t weight = 100;
    Labels metadata;
    InstanceState state = InstanceState::Serving;
    LeaseId leaseId = 0;
    std::chrono::seconds leaseTtl{0};
    std::chrono::system_clock::time_point registerTime;
    store::Revision createRevision = 0;
    store::Revision modRevision = 0;
};

struct Service {
    std::string name;
    Labels labels;
    std::string description;
    std::int64_t instanceCount = 0;
    store::Revision createRevision = 0;
    store::Revision modRevision = 0;
};

struct RegistryLimits {
    std::size_t maxInstancesPerService = 10000;
    std::chrono::seconds minTtl{1};
    std::chrono::seconds maxTtl{3600};
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
} // namespace reason

// Service discovery state: services and instances, durable in the store under /registry/, with
// leases in memory (LeaseTable). All of it is cached in memory and written through, so reads cost
// no store access. Mutations complete through callbacks once durable. Thread-safe.
class Registry {
public:
    static constexpr std::string_view kServicesPrefix = "/registry/services/";
    static constexpr std::string_view kInstancesPrefix = "/registry/instances/";
    static constexpr std::string_view kLeasesPrefix = "/registry/leases/";

    Registry(store::Store &store, ClockPtr clock, RegistryLimits limits = {});

    // Loads services and instances, and restores every lease with its full TTL from now, so a
    // restart never evicts a healthy fleet. Call once before serving.
    Status load();

    // Mutations take `alsoWrite`: operations committed in the same transaction (the caller's
    // audit record).
    void registerInstance(Registration registration, std::function<void(StatusOr<Registered>)> done,
                          std::vector<store::Operation> alsoWrite = {});
    // Renews a lease in memory; nothing when it is unknown or expired.
    std::optional<std::chrono::seconds> keepAlive(LeaseId id);
    void deregister(const std::string &service, const std::string &id, std::string_view why,
                    std::function<void(StatusOr<store::Revision>)> done,
                    std::vector<store::Operation> alsoWrite = {});
    void setState(const std::string &service, const std::string &id, InstanceState state,
                  std::function<void(StatusOr<Registered>)> done,
                  std::vector<store::Operation> alsoWrite = {});

    std::optional<Service> service(const std::string &name) const;
    // Services and instances with the revision the answer reflects: a watch from revision + 1
    // misses nothing.
    StatusOr<Page<Service>> listServices(std::size_t pageSize, const std::string &pageToken) const;
    StatusOr<Page<Instance>> listInstances(const InstanceQuery &query) const;

    // Removes the instances of every expired lease (REMOVED, reason lease_expired). Call
    // periodically; it returns at once when nothing has expired.
    void expireLeases();

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
    };
    void applyCommitted(const std::vector<store::Event> &events, store::Revision revision);
    // Removes instances (and lease records) whose leases expired, with reason lease_expired.
    void removeExpired(std::vector<std::string> instanceKeys, std::vector<LeaseId> leases);

    store::Store &m_store;
    ClockPtr m_clock;
    const RegistryLimits m_limits;
    LeaseTable m_leases;

    mutable std::shared_mutex m_mutex;
    std::map<std::string, CachedService> m_services; // by name
    std::map<std::string, Instance> m_instances;     // by store key
    std::map<LeaseId, std::vector<std::string>> m_instancesByLease;
    // Every registry change up to this revision is in the cache.
    store::Revision m_revision = 0;
};

} // namespace aegis::registry
