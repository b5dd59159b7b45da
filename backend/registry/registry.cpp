#include "registry/registry.h"

#include "registry/registry_metrics.h"

#include "common/input_text.h"
#include "common/logging.h"
#include "common/time_millis.h"
#include "registry/memory_lease_keeper.h"
#include "registry/panic_threshold.h"
#include "registry/records.h"
#include "registry/routing.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <iterator>

namespace aegis::registry {
namespace {

using namespace std::chrono;

std::string serviceKey(const std::string &name) {
    return std::string(Registry::kServicesPrefix) + name;
}

std::string instanceKey(const std::string &service, const std::string &id) {
    return Registry::instancesPrefix(service) + id;
}

std::string leaseKey(LeaseId id) {
    return std::string(Registry::kLeasesPrefix) + std::to_string(id);
}

// The lease id of a lease record's key; nullopt for a key no registry wrote.
std::optional<LeaseId> parseLeaseId(std::string_view key) {
    key.remove_prefix(Registry::kLeasesPrefix.size());
    LeaseId id = 0;
    const auto [end, error] = std::from_chars(key.data(), key.data() + key.size(), id);
    if (error != std::errc() || end != key.data() + key.size() || id <= 0) {
        return std::nullopt;
    }
    return id;
}

std::string trafficKey(const std::string &service) {
    return std::string(Registry::kTrafficPrefix) + service;
}

Status validatePolicy(const TrafficPolicy &policy) {
    if (policy.label.empty() || policy.label.size() > 63) {
        return invalidArgument("traffic policy label must be 1 to 63 characters");
    }
    if (policy.shares.empty() || policy.shares.size() > 16) {
        return invalidArgument("traffic policy must give 1 to 16 label values a share");
    }
    int total = 0;
    for (const auto &[value, share] : policy.shares) {
        if (share < 0 || share > 100) {
            return invalidArgument("traffic share of " + quoteInput(value) +
                                   " must be 0 to 100 (got " + std::to_string(share) + ")");
        }
        total += share;
    }
    // 0 holds every covered group at no traffic (a first release before verification), while
    // instances the policy does not cover keep their weights.
    if (total != 100 && total != 0) {
        return invalidArgument("traffic shares must add up to 100, or to 0 for none (got " +
                               std::to_string(total) + ")");
    }
    return Status::ok();
}

bool isDnsLabelChar(char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
}

} // namespace

bool Registry::CachedService::inPanic() const {
    return registry::inPanic(instances, unhealthy, panicThreshold);
}

Registry::Registry(store::Store &store, ClockPtr clock, RegistryLimits limits,
                   LeaseKeeperPtr leases)
    : m_store(store)
    , m_clock(clock)
    , m_limits(limits)
    , m_leases(leases ? std::move(leases) : std::make_unique<MemoryLeaseKeeper>(std::move(clock)))
    , m_eventCache(std::make_shared<InstanceEventCache>(
          m_leases->storeExpires() ? reason::kLeaseExpired : reason::kDeregistered)) {}

std::string Registry::instancesPrefix(const std::string &service) {
    return std::string(kInstancesPrefix) + service + "/";
}

std::optional<Instance> Registry::decodeInstance(const store::KeyValue &kv) {
    return registry::decodeInstance(kv);
}

Status Registry::validateServiceName(const std::string &name, std::string_view field) {
    if (name.empty() || name.size() > 63) {
        return invalidArgument(std::string(field) + " must be 1 to 63 characters (got " +
                               std::to_string(name.size()) + ")");
    }
    if (!std::all_of(name.begin(), name.end(), isDnsLabelChar) || !std::islower(name.front()) ||
        name.back() == '-') {
        return invalidArgument(std::string(field) +
                               " must be lowercase letters, digits and '-', start with a letter "
                               "and not end with '-' (got " +
                               quoteInput(name) + ")");
    }
    return Status::ok();
}

Status Registry::validateInstanceId(const std::string &id, std::string_view field) {
    if (id.empty() || id.size() > 128) {
        return invalidArgument(std::string(field) + " must be 1 to 128 characters (got " +
                               std::to_string(id.size()) + ")");
    }
    const bool valid = std::all_of(id.begin(), id.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == ':' ||
               c == '-';
    });
    if (!valid) {
        return invalidArgument(std::string(field) + " may contain only A-Z a-z 0-9 . _ : -");
    }
    return Status::ok();
}

Status Registry::validateInstance(const Instance &instance) const {
    if (Status s = validateServiceName(instance.service, "instance.service"); !s.isOk()) {
        return s;
    }
    if (Status s = validateInstanceId(instance.id, "instance.id"); !s.isOk()) {
        return s;
    }
    const auto colon = instance.address.rfind(':');
    const std::string port = colon == std::string::npos ? "" : instance.address.substr(colon + 1);
    if (instance.address.size() > 255 || colon == std::string::npos || colon == 0 || port.empty() ||
        port.size() > 5 || port.find_first_not_of("0123456789") != std::string::npos ||
        std::stoi(port) == 0 || std::stoi(port) > 65535) {
        return invalidArgument("instance.address must be host:port with a port of 1-65535 (got " +
                               quoteInput(instance.address) + ")");
    }
    if (Status s = validateLabels(instance.labels, "instance.labels"); !s.isOk()) {
        return s;
    }
    if (instance.metadata.size() > 32) {
        return invalidArgument("instance.metadata may have at most 32 entries");
    }
    for (const auto &[key, value] : instance.metadata) {
        if (key.empty() || key.size() > 63) {
            return invalidArgument("instance.metadata: keys must be 1-63 characters (key " +
                                   quoteInput(key) + ")");
        }
        if (Status s = validateFreeText(key, "instance.metadata key", 63); !s.isOk()) {
            return s;
        }
        if (Status s = validateFreeText(value, "instance.metadata['" + key + "']", 1024);
            !s.isOk()) {
            return s;
        }
    }
    if (instance.weight < 0 || instance.weight > 10000) {
        return invalidArgument("instance.weight must be between 0 and 10000 (got " +
                               std::to_string(instance.weight) + ")");
    }
    if (instance.state != InstanceState::Serving && instance.state != InstanceState::Draining &&
        instance.state != InstanceState::Maintenance) {
        return invalidArgument("instance.state must be SERVING, DRAINING or MAINTENANCE");
    }
    return Status::ok();
}

Registry::~Registry() {
    m_subscription.reset();
}

Status Registry::load() {
    // Held while reading: events the store delivers meanwhile wait, and those the snapshot
    // already holds (at or below its revision) are then ignored.
    std::unique_lock lock(m_mutex);
    m_subscription =
        m_store.subscribe(std::string(kPrefix),
                          [this](const std::vector<store::Event> &events) { applyEvents(events); });
    auto snapshot = m_store.rangePrefix(std::string(kPrefix));
    if (!snapshot) {
        // Unlocked first: the store may be waiting in applyEvents() with its subscribers held.
        lock.unlock();
        m_subscription.reset();
        return snapshot.status();
    }
    m_revision = snapshot->revision;
    std::map<LeaseId, seconds> ttls;
    std::vector<const store::KeyValue *> instances;
    for (const auto &kv : snapshot->kvs) {
        const std::string_view key = kv.key;
        if (key.starts_with(kTrafficPrefix)) {
            if (auto policy = decodePolicy(kv.value)) {
                m_trafficPolicies[kv.key.substr(kTrafficPrefix.size())] = std::move(*policy);
            }
        } else if (key.starts_with(kServicesPrefix)) {
            if (auto service = decodeService(kv)) {
                m_services[service->name].service = std::move(*service);
            }
        } else if (key.starts_with(kLeasesPrefix)) {
            const auto id = parseLeaseId(kv.key);
            if (const auto ttl = decodeLease(kv.value); id && ttl) {
                ttls[*id] = *ttl;
            }
        } else if (key.starts_with(kInstancesPrefix)) {
            instances.push_back(&kv);
        }
    }
    // After the services, so an instance counts in its service's entry.
    for (const store::KeyValue *kv : instances) {
        auto instance = decodeInstance(*kv);
        if (!instance) {
            log::warn("skipping unreadable instance record", {{"key", kv->key}});
            continue;
        }
        ttls.emplace(instance->leaseId, instance->leaseTtl);
        cacheInsert(kv->key, std::move(*instance));
    }
    for (auto &[name, cached] : m_services) {
        cached.panicApplied = cached.inPanic();
    }
    // Every lease restarts with its full TTL, counted again from readiness by startLeaseClocks().
    for (const auto &[id, ttl] : ttls) {
        m_leases->restore(id, std::max(ttl, m_limits.minTtl));
    }
    log::info("registry loaded", {{"services", m_services.size()},
                                  {"instances", m_instances.size()},
                                  {"leases", ttls.size()}});
    return Status::ok();
}

void Registry::exportMetrics(prometheus::Registry &registry) {
    std::unique_lock lock(m_mutex);
    m_metrics = std::make_shared<RegistryMetrics>(registry);
    for (const auto &[key, instance] : m_instances) {
        m_metrics->instancesChanged(instance.service, instance.state, +1);
        m_metrics->instanceSeen(instance);
    }
}

void Registry::cacheInsert(const std::string &key, Instance instance) {
    m_instancesByLease[instance.leaseId].push_back(key);
    if (m_metrics) {
        m_metrics->instancesChanged(instance.service, instance.state, +1);
        m_metrics->instanceSeen(instance);
    }
    CachedService &service = m_services[instance.service];
    ++service.instances;
    service.unhealthy += instance.health.isUnhealthy() ? 1 : 0;
    const auto it = m_instances.insert_or_assign(key, std::move(instance)).first;
    m_instanceIndex[it->first] = it;
    ++m_instanceChanges;
}

std::map<std::string, Instance>::iterator Registry::findInstance(std::string_view key) {
    const auto it = m_instanceIndex.find(key);
    return it == m_instanceIndex.end() ? m_instances.end() : it->second;
}

std::map<std::string, Instance>::const_iterator Registry::findInstance(std::string_view key) const {
    const auto it = m_instanceIndex.find(key);
    return it == m_instanceIndex.end() ? m_instances.cend() : it->second;
}

void Registry::cacheErase(std::map<std::string, Instance>::iterator it) {
    const Instance &instance = it->second;
    auto &keys = m_instancesByLease[instance.leaseId];
    keys.erase(std::remove(keys.begin(), keys.end(), it->first), keys.end());
    if (keys.empty()) {
        m_instancesByLease.erase(instance.leaseId);
    }
    if (m_metrics) {
        m_metrics->instancesChanged(instance.service, instance.state, -1);
    }
    CachedService &service = m_services[instance.service];
    --service.instances;
    service.unhealthy -= instance.health.isUnhealthy() ? 1 : 0;
    m_instanceIndex.erase(std::string_view(it->first));
    m_instances.erase(it);
    ++m_instanceChanges;
}

std::string Registry::prepare(const std::string &key, Instance instance,
                              std::vector<Ticket> &tickets) {
    instance = asStored(std::move(instance));
    auto exact = encodeInstanceExactly(instance);
    if (!exact) {
        // Decoding the record is then the only way to what the cache must hold.
        return encodeInstance(instance);
    }
    std::string value = std::move(*exact);
    std::lock_guard lock(m_preparedMutex);
    const std::uint64_t ticket = m_nextTicket++;
    m_prepared[key].push_back({ticket, value, std::move(instance)});
    tickets.push_back({key, ticket});
    return value;
}

void Registry::forget(const std::vector<Ticket> &tickets) {
    std::lock_guard lock(m_preparedMutex);
    for (const Ticket &ticket : tickets) {
        const auto records = m_prepared.find(ticket.key);
        if (records == m_prepared.end()) {
            continue;
        }
        std::erase_if(records->second,
                      [&](const PreparedRecord &record) { return record.ticket == ticket.ticket; });
        if (records->second.empty()) {
            m_prepared.erase(records);
        }
    }
}

std::optional<Instance> Registry::adopt(const std::string &key, const std::string &value) {
    std::lock_guard lock(m_preparedMutex);
    const auto records = m_prepared.find(key);
    if (records == m_prepared.end()) {
        return std::nullopt;
    }
    auto &list = records->second;
    const auto match = std::find_if(list.begin(), list.end(), [&](const PreparedRecord &record) {
        return record.value == value;
    });
    if (match == list.end()) {
        return std::nullopt;
    }
    Instance instance = std::move(match->instance);
    list.erase(match);
    if (list.empty()) {
        m_prepared.erase(records);
    }
    return instance;
}

void Registry::applyEventLocked(const store::Event &event, std::vector<InstanceChange> &changes,
                                std::set<std::string> &touched) {
    const std::string &key = event.kv.key;
    if (key.starts_with(kInstancesPrefix)) {
        if (const auto existing = findInstance(key); existing != m_instances.end()) {
            cacheErase(existing);
        }
        std::optional<Instance> now;
        if (event.type == store::EventType::Put) {
            now = adopt(key, event.kv.value);
            if (now) {
                now->createRevision = event.kv.createRevision;
                now->modRevision = event.kv.modRevision;
            } else {
                now = decodeInstance(event.kv);
            }
            if (now) {
                cacheInsert(key, *now);
            }
        }
        const std::string relative = key.substr(kInstancesPrefix.size());
        if (const auto slash = relative.find('/'); slash != std::string::npos) {
            if (!now && m_metrics) {
                m_metrics->instanceGone(relative.substr(0, slash), relative.substr(slash + 1));
            }
            touched.insert(relative.substr(0, slash));
            changes.push_back(
                {relative.substr(0, slash), relative.substr(slash + 1), std::move(now)});
        }
    } else if (key.starts_with(kTrafficPrefix)) {
        const std::string service = key.substr(kTrafficPrefix.size());
        auto policy =
            event.type == store::EventType::Put ? decodePolicy(event.kv.value) : std::nullopt;
        if (policy) {
            m_trafficPolicies[service] = std::move(*policy);
        } else {
            m_trafficPolicies.erase(service);
        }
    } else if (key.starts_with(kServicesPrefix) && event.type == store::EventType::Put) {
        if (auto service = decodeService(event.kv)) {
            m_services[service->name].service = std::move(*service);
        }
    } else if (key.starts_with(kLeasesPrefix)) {
        const auto id = parseLeaseId(key);
        if (!id) {
            return;
        }
        if (event.type == store::EventType::Put) {
            if (const auto ttl = decodeLease(event.kv.value)) {
                m_leases->recordChanged(*id, std::max(*ttl, m_limits.minTtl));
            }
            return;
        }
        m_leases->recordChanged(*id, std::nullopt);
        // The store removed the records of a lease that ran out (a removal of ours has a note).
        if (event.note.empty() && m_leases->storeExpires() && m_metrics) {
            m_metrics->leasesExpired(1);
        }
    }
}

void Registry::applyEvents(const std::vector<store::Event> &events) {
    std::vector<InstanceChange> changes;
    std::vector<std::string> stale;
    {
        std::unique_lock lock(m_mutex);
        std::set<std::string> touched;
        for (const store::Event &event : events) {
            // load()'s snapshot already holds it.
            if (event.revision <= m_revision) {
                continue;
            }
            applyEventLocked(event, changes, touched);
        }
        if (!events.empty()) {
            m_revision = std::max(m_revision, events.back().revision);
        }
        // A registration or removal can start or end a service's panic, or change how a traffic
        // policy's shares divide among instances; the records then need their routability and
        // traffic weights re-applied.
        for (const std::string &name : touched) {
            const CachedService &service = m_services[name];
            if (service.inPanic() != service.panicApplied || m_trafficPolicies.count(name) != 0) {
                stale.push_back(name);
            }
        }
    }
    if (!stale.empty()) {
        {
            std::lock_guard lock(m_healthMutex);
            m_dirtyServices.insert(stale.begin(), stale.end());
        }
        flushHealth();
    }
    if (!changes.empty()) {
        std::shared_lock lock(m_listenerMutex);
        if (m_listener) {
            m_listener(changes);
        }
    }
}

void Registry::registerInstance(Registration registration,
                                std::function<void(StatusOr<Registered>)> done,
                                std::vector<store::Operation> alsoWrite) {
    registerAttempt(std::move(registration), std::move(done), std::move(alsoWrite), 1);
}

void Registry::registerAttempt(Registration registration,
                               std::function<void(StatusOr<Registered>)> done,
                               std::vector<store::Operation> alsoWrite, int attempt) {
    // Kept for a retry: the health checker may write the record between our read and commit.
    const Registration original = registration;
    const std::vector<store::Operation> originalAlsoWrite = alsoWrite;
    Instance &instance = registration.instance;
    if (instance.state == InstanceState::Unspecified) {
        instance.state = InstanceState::Serving;
    }
    if (Status valid = validateInstance(instance); !valid.isOk()) {
        return done(valid);
    }
    if (registration.ttl.has_value() == (registration.leaseId != 0)) {
        return done(invalidArgument("exactly one of ttl_seconds and lease_id must be set"));
    }
    if (registration.ttl &&
        (*registration.ttl < m_limits.minTtl || *registration.ttl > m_limits.maxTtl)) {
        return done(invalidArgument("ttl_seconds must be between " +
                                    std::to_string(m_limits.minTtl.count()) + " and " +
                                    std::to_string(m_limits.maxTtl.count()) + " (got " +
                                    std::to_string(registration.ttl->count()) + ")"));
    }
    if (registration.leaseId < 0) {
        return done(invalidArgument("lease_id must be positive"));
    }
    const std::string key = instanceKey(instance.service, instance.id);

    store::Revision expectedModRevision = 0;
    bool serviceKnown = false;
    {
        std::shared_lock lock(m_mutex);
        const auto existing = findInstance(key);
        if (existing != m_instances.end()) {
            const LeaseId owner = existing->second.leaseId;
            if (owner != registration.leaseId) {
                return done(alreadyExists("instance '" + instance.id + "' of service '" +
                                          instance.service +
                                          "' is registered under another lease; deregister it "
                                          "or let that lease expire"));
            }
            expectedModRevision = existing->second.modRevision;
            instance.registerTime = existing->second.registerTime;
            instance.health = existing->second.health;
            instance.routable = existing->second.routable;
        }
        // A new instance of a group held at 0% by a traffic policy must not take a single request
        // before the policy says so: its weight is right from its first record.
        const auto policy = m_trafficPolicies.find(instance.service);
        const TrafficPolicy *applied =
            policy == m_trafficPolicies.end() ? nullptr : &policy->second;
        GroupWeights groupWeight;
        if (applied != nullptr) {
            const std::string prefix = instancesPrefix(instance.service);
            for (auto it = m_instances.lower_bound(prefix);
                 it != m_instances.end() && it->first.rfind(prefix, 0) == 0; ++it) {
                if (it->first != key) {
                    addToGroup(applied, it->second, groupWeight);
                }
            }
            addToGroup(applied, instance, groupWeight);
        }
        instance.trafficWeight = trafficWeight(applied, instance, groupWeight);
        if (existing == m_instances.end()) {
            const auto service = m_services.find(instance.service);
            if (service != m_services.end() &&
                service->second.instances >= m_limits.maxInstancesPerService) {
                return done(Status(StatusCode::ResourceExhausted,
                                   "service '" + instance.service + "' already has " +
                                       std::to_string(m_limits.maxInstancesPerService) +
                                       " instances, the limit per service"));
            }
            instance.registerTime = m_clock->now();
        }
        serviceKnown = m_services.count(instance.service) != 0 &&
                       m_services.at(instance.service).service.createRevision != 0;
    }

    PendingRegistration pending{original,
                                originalAlsoWrite,
                                attempt,
                                std::move(instance),
                                expectedModRevision,
                                serviceKnown,
                                false,
                                std::move(alsoWrite),
                                std::move(done)};
    if (registration.ttl) {
        const auto ttl = *registration.ttl;
        m_leases->grant(
            ttl, [this, pending = std::move(pending), ttl](StatusOr<LeaseId> granted) mutable {
                if (!granted) {
                    return pending.done(granted.status());
                }
                pending.instance.leaseId = *granted;
                pending.instance.leaseTtl = ttl;
                pending.grantedHere = true;
                commitRegistration(std::move(pending));
            });
        return;
    }
    const auto ttl = m_leases->ttl(registration.leaseId);
    if (!ttl) {
        return pending.done(notFound("lease " + std::to_string(registration.leaseId) +
                                     " does not exist or has expired; register with ttl_seconds"));
    }
    pending.instance.leaseId = registration.leaseId;
    pending.instance.leaseTtl = *ttl;
    commitRegistration(std::move(pending));
}

void Registry::putInstance(store::Transaction &txn, const std::string &key, Instance instance,
                           std::vector<Ticket> &tickets) {
    const std::int64_t lease = m_leases->storeLease(instance.leaseId);
    txn.put(key, prepare(key, std::move(instance), tickets));
    txn.operations.back().lease = lease;
}

void Registry::commitRegistration(PendingRegistration pending) {
    const Instance &instance = pending.instance;
    const std::string key = instanceKey(instance.service, instance.id);
    store::Transaction txn;
    std::vector<Ticket> tickets;
    txn.ifModRevision(key, pending.expectedModRevision);
    putInstance(txn, key, instance, tickets);
    if (pending.grantedHere) {
        txn.put(leaseKey(instance.leaseId), encodeLease(instance.leaseTtl));
        txn.operations.back().lease = m_leases->storeLease(instance.leaseId);
    }
    if (!pending.serviceKnown) {
        txn.put(serviceKey(instance.service),
                encodeService(Service{instance.service, {}, {}, 0, 0, 0}));
    }
    std::move(pending.alsoWrite.begin(), pending.alsoWrite.end(),
              std::back_inserter(txn.operations));
    pending.alsoWrite.clear();
    m_store.commitAsync(std::move(txn), [this, pending = std::move(pending), tickets](
                                            StatusOr<store::TransactionResult> result) mutable {
        forget(tickets);
        Instance &instance = pending.instance;
        const bool created = pending.expectedModRevision == 0;
        if (!result || !result->succeeded) {
            if (pending.grantedHere) {
                m_leases->revoke(instance.leaseId);
            }
            if (result && pending.attempt < 3) {
                return registerAttempt(std::move(pending.original), std::move(pending.done),
                                       std::move(pending.originalAlsoWrite), pending.attempt + 1);
            }
            return pending.done(
                !result ? result.status()
                        : Status(StatusCode::Aborted,
                                 "instance '" + instance.id + "' was changed concurrently; retry"));
        }
        if (!pending.grantedHere && !m_leases->ttl(instance.leaseId)) {
            // The lease expired between our check and this commit, and its expiry did not see
            // this instance: remove it as that expiry would have.
            removeExpired({instanceKey(instance.service, instance.id)}, {});
        }
        instance.createRevision = created ? result->revision : instance.createRevision;
        instance.modRevision = result->revision;
        {
            std::shared_lock lock(m_mutex);
            const auto stored = findInstance(instanceKey(instance.service, instance.id));
            if (stored != m_instances.end()) {
                instance = stored->second;
            }
        }
        if (m_metrics) {
            m_metrics->registered();
        }
        pending.done(Registered{std::move(instance), result->revision, created});
    });
}

void Registry::startLeaseClocks() {
    m_leases->startClocks(m_limits.restartGrace);
}

std::optional<std::chrono::seconds> Registry::keepAlive(LeaseId id) {
    return m_leases->renew(id);
}

void Registry::deregister(const std::string &service, const std::string &id, std::string_view why,
                          std::function<void(StatusOr<store::Revision>)> done,
                          std::vector<store::Operation> alsoWrite) {
    if (Status s = validateServiceName(service, "service"); !s.isOk()) {
        return done(s);
    }
    if (Status s = validateInstanceId(id, "instance_id"); !s.isOk()) {
        return done(s);
    }
    const std::string key = instanceKey(service, id);
    LeaseId lease = 0;
    bool lastOfLease = false;
    {
        std::shared_lock lock(m_mutex);
        const auto existing = findInstance(key);
        if (existing == m_instances.end()) {
            return done(notFound("service '" + service + "' has no instance '" + id + "'"));
        }
        lease = existing->second.leaseId;
        const auto users = m_instancesByLease.find(lease);
        lastOfLease = users != m_instancesByLease.end() && users->second.size() == 1 &&
                      !m_leases->isHeld(lease);
    }
    store::Transaction txn;
    txn.ifExists(key).remove(key);
    if (lastOfLease) {
        txn.remove(leaseKey(lease));
    }
    txn.note = std::string(why);
    std::move(alsoWrite.begin(), alsoWrite.end(), std::back_inserter(txn.operations));
    m_store.commitAsync(
        std::move(txn), [this, service, id, lease, lastOfLease,
                         done = std::move(done)](StatusOr<store::TransactionResult> result) {
            if (!result) {
                return done(result.status());
            }
            if (!result->succeeded) {
                return done(notFound("service '" + service + "' has no instance '" + id + "'"));
            }
            if (lastOfLease) {
                revokeIfUnused(lease);
            }
            done(result->revision);
        });
}

void Registry::revokeIfUnused(LeaseId id) {
    // A registration under this lease racing with the revocation notices the lease gone after
    // its commit and removes its instance as an expiry would (registerAttempt).
    std::shared_lock lock(m_mutex);
    if (m_instancesByLease.count(id) == 0 && !m_leases->isHeld(id)) {
        m_leases->revoke(id);
    }
}

void Registry::setState(const std::string &service, const std::string &id, InstanceState state,
                        std::function<void(StatusOr<Registered>)> done,
                        std::vector<store::Operation> alsoWrite) {
    if (Status s = validateServiceName(service, "service"); !s.isOk()) {
        return done(s);
    }
    if (Status s = validateInstanceId(id, "instance_id"); !s.isOk()) {
        return done(s);
    }
    if (state != InstanceState::Serving && state != InstanceState::Draining &&
        state != InstanceState::Maintenance) {
        return done(invalidArgument("state must be SERVING, DRAINING or MAINTENANCE"));
    }
    const std::string key = instanceKey(service, id);
    Instance instance;
    {
        std::shared_lock lock(m_mutex);
        const auto existing = findInstance(key);
        if (existing == m_instances.end()) {
            return done(notFound("service '" + service + "' has no instance '" + id + "'"));
        }
        instance = existing->second;
    }
    const store::Revision expected = instance.modRevision;
    instance.state = state;
    instance.routableChanged = false;
    store::Transaction txn;
    std::vector<Ticket> tickets;
    txn.ifModRevision(key, expected);
    putInstance(txn, key, instance, tickets);
    txn.note = std::string(reason::kOperator);
    std::move(alsoWrite.begin(), alsoWrite.end(), std::back_inserter(txn.operations));
    m_store.commitAsync(std::move(txn), [this, instance, tickets, done = std::move(done)](
                                            StatusOr<store::TransactionResult> result) mutable {
        forget(tickets);
        if (!result) {
            return done(result.status());
        }
        if (!result->succeeded) {
            return done(Status(StatusCode::Aborted,
                               "instance '" + instance.id + "' changed concurrently; retry"));
        }
        instance.modRevision = result->revision;
        done(Registered{std::move(instance), result->revision, false});
    });
}

StatusOr<InstanceWatchPtr> Registry::watchInstances(store::WatchHub &hub,
                                                    const std::string &service,
                                                    store::Revision startRevision,
                                                    InstanceView view,
                                                    std::function<void()> notify) const {
    if (!service.empty()) {
        if (Status valid = validateServiceName(service, "service"); !valid.isOk()) {
            return valid;
        }
    }
    std::string prefix = service.empty() ? std::string(kInstancesPrefix) : instancesPrefix(service);
    auto watcher = hub.watch(prefix, startRevision, std::move(notify));
    if (!watcher) {
        return watcher.status();
    }
    return std::make_shared<InstanceWatch>(std::move(*watcher), std::move(prefix), view,
                                           m_eventCache);
}

std::optional<Service> Registry::service(const std::string &name, store::Revision *at) const {
    std::shared_lock lock(m_mutex);
    if (at != nullptr) {
        *at = m_revision;
    }
    const auto it = m_services.find(name);
    if (it == m_services.end()) {
        return std::nullopt;
    }
    Service service = it->second.service;
    service.instanceCount = static_cast<std::int64_t>(it->second.instances);
    service.unhealthyCount = static_cast<std::int64_t>(it->second.unhealthy);
    service.panic = it->second.inPanic();
    return service;
}

std::optional<Instance> Registry::instance(const std::string &service, const std::string &id,
                                           store::Revision *at) const {
    std::shared_lock lock(m_mutex);
    if (at != nullptr) {
        *at = m_revision;
    }
    const auto it = findInstance(instanceKey(service, id));
    if (it == m_instances.end()) {
        return std::nullopt;
    }
    return it->second;
}

std::optional<Labels> Registry::labels(const std::string &service, const std::string &id) const {
    std::shared_lock lock(m_mutex);
    const auto it = findInstance(instanceKey(service, id));
    if (it == m_instances.end()) {
        return std::nullopt;
    }
    return it->second.labels;
}

std::vector<std::string> Registry::leaseServices(LeaseId id) const {
    std::shared_lock lock(m_mutex);
    std::vector<std::string> services;
    const auto keys = m_instancesByLease.find(id);
    if (keys == m_instancesByLease.end()) {
        return services;
    }
    for (const auto &key : keys->second) {
        const auto it = findInstance(key);
        if (it != m_instances.end() &&
            std::find(services.begin(), services.end(), it->second.service) == services.end()) {
            services.push_back(it->second.service);
        }
    }
    return services;
}

StatusOr<Page<Service>> Registry::listServices(std::size_t pageSize,
                                               const std::string &pageToken) const {
    std::shared_lock lock(m_mutex);
    Page<Service> page;
    page.revision = m_revision;
    for (auto it = m_services.upper_bound(pageToken); it != m_services.end(); ++it) {
        if (page.items.size() == pageSize) {
            page.nextPageToken = page.items.back().name;
            break;
        }
        Service service = it->second.service;
        service.name = it->first;
        service.instanceCount = static_cast<std::int64_t>(it->second.instances);
        service.unhealthyCount = static_cast<std::int64_t>(it->second.unhealthy);
        service.panic = it->second.inPanic();
        page.items.push_back(std::move(service));
    }
    return page;
}

StatusOr<Page<Instance>> Registry::listInstances(const InstanceQuery &query) const {
    const std::string prefix =
        query.service.empty() ? std::string(kInstancesPrefix) : instancesPrefix(query.service);
    std::shared_lock lock(m_mutex);
    Page<Instance> page;
    page.revision = m_revision;
    // The page token is the store key of the last instance returned.
    auto it = query.pageToken.empty() ? m_instances.lower_bound(prefix)
                                      : m_instances.upper_bound(prefix + query.pageToken);
    for (; it != m_instances.end() && it->first.rfind(prefix, 0) == 0; ++it) {
        const Instance &instance = it->second;
        if ((query.state != InstanceState::Unspecified && instance.state != query.state) ||
            (!query.includeUnroutable && !instance.routable) ||
            !query.selector.matches(instance.labels)) {
            continue;
        }
        if (page.items.size() == query.pageSize) {
            page.nextPageToken = page.items.back().service + "/" + page.items.back().id;
            if (!query.service.empty()) {
                page.nextPageToken = page.items.back().id;
            }
            break;
        }
        page.items.push_back(instance);
    }
    return page;
}

void Registry::expireLeases() {
    const auto expired = m_leases->takeExpired();
    if (expired.empty()) {
        return;
    }
    std::vector<std::string> keys;
    {
        std::shared_lock lock(m_mutex);
        for (LeaseId id : expired) {
            if (const auto found = m_instancesByLease.find(id); found != m_instancesByLease.end()) {
                keys.insert(keys.end(), found->second.begin(), found->second.end());
            }
        }
    }
    removeExpired(std::move(keys), expired);
}

void Registry::removeExpired(std::vector<std::string> instanceKeys, std::vector<LeaseId> leases) {
    store::Transaction txn;
    txn.note = std::string(reason::kLeaseExpired);
    for (const std::string &key : instanceKeys) {
        txn.remove(key);
    }
    for (LeaseId id : leases) {
        txn.remove(leaseKey(id));
    }
    m_store.commitAsync(std::move(txn), [this, removed = instanceKeys.size(),
                                         leases](StatusOr<store::TransactionResult> result) {
        if (!result) {
            // Put the leases back, already due, so the next check tries again.
            for (LeaseId id : leases) {
                m_leases->restore(id, std::chrono::seconds(0));
            }
            log::error("lease expiry not recorded; retrying",
                       {{"error", result.status().message()}});
            return;
        }
        if (m_metrics) {
            m_metrics->leasesExpired(leases.size());
        }
        if (removed > 0) {
            log::info("leases expired", {{"leases", leases.size()},
                                         {"instances_removed", removed},
                                         {"revision", result->revision}});
        }
    });
}

void Registry::setInstanceListener(InstanceListener listener) {
    std::unique_lock lock(m_listenerMutex);
    m_listener = std::move(listener);
}

void Registry::updateHealth(const std::string &service, const std::string &id,
                            InstanceHealth health, std::vector<store::Operation> alsoWrite,
                            std::function<void(Status)> done) {
    {
        // Records keep milliseconds: compare what will be stored with what is.
        health.changedAt = time_point_cast<milliseconds>(health.changedAt);
        health.ejectedUntil = time_point_cast<milliseconds>(health.ejectedUntil);
        std::lock_guard lock(m_healthMutex);
        PendingHealth &pending = m_pendingHealth[instanceKey(service, id)];
        pending.health = std::move(health);
        std::move(alsoWrite.begin(), alsoWrite.end(), std::back_inserter(pending.alsoWrite));
        if (done) {
            pending.done.push_back(std::move(done));
        }
        m_dirtyServices.insert(service);
    }
    flushHealth();
}

void Registry::setPanicThreshold(const std::string &service, double threshold) {
    {
        std::unique_lock lock(m_mutex);
        CachedService &cached = m_services[service];
        if (cached.panicThreshold == threshold) {
            return;
        }
        cached.panicThreshold = threshold;
        if (cached.service.name.empty()) {
            cached.service.name = service;
        }
    }
    {
        std::lock_guard lock(m_healthMutex);
        m_dirtyServices.insert(service);
    }
    flushHealth();
}

void Registry::setTrafficPolicy(const std::string &service, std::optional<TrafficPolicy> policy,
                                std::function<void(StatusOr<store::Revision>)> done) {
    if (Status valid = validateServiceName(service, "service"); !valid.isOk()) {
        return done(valid);
    }
    if (policy) {
        if (Status valid = validatePolicy(*policy); !valid.isOk()) {
            return done(valid);
        }
    }
    {
        std::lock_guard lock(m_healthMutex);
        PendingPolicy &pending = m_pendingPolicies[service];
        pending.policy = std::move(policy);
        pending.done.push_back(std::move(done));
        m_dirtyServices.insert(service);
    }
    flushHealth();
}

std::optional<TrafficPolicy> Registry::trafficPolicy(const std::string &service) const {
    std::shared_lock lock(m_mutex);
    const auto it = m_trafficPolicies.find(service);
    if (it == m_trafficPolicies.end()) {
        return std::nullopt;
    }
    return it->second;
}

void Registry::flushHealth() {
    std::map<std::string, PendingHealth> pending;
    std::map<std::string, PendingPolicy> policies;
    std::set<std::string> services;
    {
        std::lock_guard lock(m_healthMutex);
        if (m_healthInFlight ||
            (m_pendingHealth.empty() && m_dirtyServices.empty() && m_pendingPolicies.empty())) {
            return;
        }
        m_healthInFlight = true;
        pending.swap(m_pendingHealth);
        policies.swap(m_pendingPolicies);
        services.swap(m_dirtyServices);
    }

    store::Transaction txn;
    std::vector<Ticket> tickets;
    txn.note = std::string(policies.empty() ? reason::kHealth : reason::kTraffic);
    std::set<std::string> gone; // pending updates whose instance is no longer registered
    std::map<std::string, bool> panicWritten; // per service, the panic state the records get
    {
        std::shared_lock lock(m_mutex);
        for (const auto &[key, update] : pending) {
            txn.operations.insert(txn.operations.end(), update.alsoWrite.begin(),
                                  update.alsoWrite.end());
            if (findInstance(key) == m_instances.end()) {
                gone.insert(key);
            }
        }
        for (const auto &[name, update] : policies) {
            const auto stored = m_trafficPolicies.find(name);
            const bool storedNow = stored != m_trafficPolicies.end();
            if (update.policy && (!storedNow || stored->second != *update.policy)) {
                txn.put(trafficKey(name), encodePolicy(*update.policy));
            } else if (!update.policy && storedNow) {
                txn.remove(trafficKey(name));
            }
        }
        for (const std::string &name : services) {
            const auto cached = m_services.find(name);
            if (cached == m_services.end()) {
                continue;
            }
            // The service's instances as they will be once the pending updates apply.
            const std::string prefix = instancesPrefix(name);
            std::vector<const std::string *> keys;
            std::vector<Instance> next;
            for (auto it = m_instances.lower_bound(prefix);
                 it != m_instances.end() && it->first.starts_with(prefix); ++it) {
                keys.push_back(&it->first);
                next.push_back(it->second);
                if (const auto update = pending.find(it->first); update != pending.end()) {
                    next.back().health = update->second.health;
                }
            }
            const TrafficPolicy *policy = nullptr;
            if (const auto update = policies.find(name); update != policies.end()) {
                policy = update->second.policy ? &*update->second.policy : nullptr;
            } else if (const auto stored = m_trafficPolicies.find(name);
                       stored != m_trafficPolicies.end()) {
                policy = &stored->second;
            }
            ServiceRouting routing =
                routeService(std::move(next), cached->second.panicThreshold, policy);
            panicWritten[name] = routing.panic;
            for (std::size_t i = 0; i < keys.size(); ++i) {
                Instance &instance = routing.instances[i];
                const Instance &stored = m_instances.at(*keys[i]);
                if (instance.health == stored.health && instance.routable == stored.routable &&
                    instance.trafficWeight == stored.trafficWeight) {
                    continue;
                }
                instance.routableChanged = instance.routable != stored.routable;
                txn.ifModRevision(*keys[i], stored.modRevision);
                putInstance(txn, *keys[i], instance, tickets);
            }
        }
    }

    auto finished = [this, gone](std::map<std::string, PendingHealth> &updates,
                                 std::map<std::string, PendingPolicy> &policyUpdates,
                                 store::Revision revision) {
        {
            std::lock_guard lock(m_healthMutex);
            m_healthInFlight = false;
        }
        for (auto &[key, update] : updates) {
            const Status status = gone.count(key) != 0
                                      ? notFound("the instance is no longer registered")
                                      : Status::ok();
            for (auto &done : update.done) {
                done(status);
            }
        }
        for (auto &[name, update] : policyUpdates) {
            for (auto &done : update.done) {
                done(revision);
            }
        }
        flushHealth();
    };
    if (txn.operations.empty()) {
        store::Revision revision = 0;
        {
            // The records already reflect each service's panic state (another writer may have
            // applied it).
            std::unique_lock lock(m_mutex);
            for (const auto &[name, panic] : panicWritten) {
                if (const auto it = m_services.find(name); it != m_services.end()) {
                    it->second.panicApplied = panic;
                }
            }
            revision = m_revision;
        }
        return finished(pending, policies, revision);
    }
    m_store.commitAsync(
        std::move(txn), [this, pending = std::move(pending), policies = std::move(policies),
                         services = std::move(services), panicWritten, finished,
                         tickets](StatusOr<store::TransactionResult> result) mutable {
            forget(tickets);
            if (result && result->succeeded) {
                std::vector<std::string> stale;
                {
                    std::unique_lock lock(m_mutex);
                    for (const auto &[name, panic] : panicWritten) {
                        if (const auto it = m_services.find(name); it != m_services.end()) {
                            it->second.panicApplied = panic;
                            // Registrations committed meanwhile may have moved it across the
                            // threshold: apply again.
                            if (it->second.inPanic() != panic) {
                                stale.push_back(name);
                            }
                        }
                    }
                }
                if (!stale.empty()) {
                    std::lock_guard lock(m_healthMutex);
                    m_dirtyServices.insert(stale.begin(), stale.end());
                }
                return finished(pending, policies, result->revision);
            }
            // A record changed under us (a registration, a removal) or the write failed: put the
            // updates back, newer ones winning, and try again with the cache as it is now.
            {
                std::lock_guard lock(m_healthMutex);
                for (auto &[key, update] : pending) {
                    auto [it, inserted] = m_pendingHealth.try_emplace(key, std::move(update));
                    if (!inserted) {
                        it->second.alsoWrite.insert(it->second.alsoWrite.begin(),
                                                    update.alsoWrite.begin(),
                                                    update.alsoWrite.end());
                        it->second.done.insert(it->second.done.end(), update.done.begin(),
                                               update.done.end());
                    }
                }
                if (result) {
                    for (auto &[name, update] : policies) {
                        auto [it, inserted] =
                            m_pendingPolicies.try_emplace(name, std::move(update));
                        if (!inserted) {
                            it->second.done.insert(it->second.done.end(), update.done.begin(),
                                                   update.done.end());
                        }
                    }
                }
                m_dirtyServices.insert(services.begin(), services.end());
                m_healthInFlight = false;
            }
            if (!result) {
                // The store is failing or closed: the next update tries again; a policy change is
                // refused at once, so its caller knows it did not happen.
                log::warn("health update not recorded", {{"error", result.status().message()}});
                for (auto &[name, update] : policies) {
                    for (auto &done : update.done) {
                        done(result.status());
                    }
                }
                return;
            }
            flushHealth();
        });
}

std::size_t Registry::serviceCount() const {
    std::shared_lock lock(m_mutex);
    return m_services.size();
}

std::size_t Registry::instanceCount() const {
    std::shared_lock lock(m_mutex);
    return m_instances.size();
}

} // namespace aegis::registry
