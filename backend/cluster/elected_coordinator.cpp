#include "cluster/elected_coordinator.h"

#include "common/logging.h"
#include "common/rfc3339.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <utility>

namespace aegis::cluster {
namespace {

using std::chrono::milliseconds;
using std::chrono::steady_clock;
using std::chrono::system_clock;

constexpr milliseconds kRetryDelay{250};
constexpr milliseconds kMembersRefresh{2000};

std::int64_t toMillis(system_clock::time_point time) {
    return std::chrono::duration_cast<milliseconds>(time.time_since_epoch()).count();
}

system_clock::time_point fromMillis(std::int64_t millis) {
    return system_clock::time_point(milliseconds(millis));
}

std::optional<std::pair<ReplicaInfo, system_clock::time_point>>
decodeReplica(const std::string &value) {
    auto json = nlohmann::json::parse(value, nullptr, false);
    if (!json.is_object() || !json.contains("id")) {
        return std::nullopt;
    }
    ReplicaInfo info;
    info.id = json.value("id", "");
    info.grpcAddress = json.value("grpc", "");
    info.httpAddress = json.value("http", "");
    info.version = json.value("version", "");
    info.startedAt = fromMillis(json.value("started_ms", std::int64_t{0}));
    if (const auto services = json.find("leader_services");
        services != json.end() && services->is_object()) {
        for (const auto &[name, url] : services->items()) {
            if (url.is_string()) {
                info.leaderServices[name] = url.get<std::string>();
            }
        }
    }
    return std::make_pair(info, fromMillis(json.value("joined_ms", std::int64_t{0})));
}

std::optional<std::pair<std::string, system_clock::time_point>>
decodeLeader(const std::string &value) {
    auto json = nlohmann::json::parse(value, nullptr, false);
    if (!json.is_object() || !json.contains("id")) {
        return std::nullopt;
    }
    return std::make_pair(json.value("id", ""),
                          fromMillis(json.value("since_ms", std::int64_t{0})));
}

} // namespace

std::string ElectedCoordinator::encodeReplica(const ReplicaInfo &info,
                                              system_clock::time_point joinedAt) {
    nlohmann::json record{{"id", info.id},
                          {"grpc", info.grpcAddress},
                          {"http", info.httpAddress},
                          {"version", info.version},
                          {"started_ms", toMillis(info.startedAt)},
                          {"joined_ms", toMillis(joinedAt)}};
    if (!info.leaderServices.empty()) {
        record["leader_services"] = info.leaderServices;
    }
    return record.dump();
}

ElectedCoordinator::ElectedCoordinator(store::Store &store, LeaseApiPtr leases,
                                       ElectedCoordinatorOptions options)
    : m_store(store)
    , m_leases(std::move(leases))
    , m_options(std::move(options)) {}

ElectedCoordinator::~ElectedCoordinator() {
    stop();
}

Status ElectedCoordinator::start(CoordinatorHooks hooks) {
    if (m_options.self.id.empty()) {
        return invalidArgument("cluster.replica_id must not be empty");
    }
    m_hooks = std::move(hooks);
    // Subscribed before the first read, so no change between the two is missed (a change seen
    // twice is applied twice to the same effect).
    m_subscription =
        m_store.subscribe(std::string(kPrefix),
                          [this](const std::vector<store::Event> &events) { onEvents(events); });
    m_thread = std::jthread([this](std::stop_token stop) { run(stop); });
    return Status::ok();
}

void ElectedCoordinator::stop() {
    {
        std::lock_guard lock(m_mutex);
        if (m_stopped) {
            return;
        }
        m_stopped = true;
        m_woken = true;
    }
    m_wake.notify_all();
    if (m_thread.joinable()) {
        m_thread.request_stop();
        m_thread.join();
    }
    m_subscription.reset();
    stepDown("this replica is shutting down");
    // Revoking the lease deletes the membership record and, if this replica led, the leader key:
    // the others see both at once and one of them takes over without waiting for expiry.
    if (m_lease != 0) {
        if (Status revoked = m_leases->revoke(m_lease, deadline(milliseconds(1000)));
            !revoked.isOk()) {
            log::warn("cluster: lease not revoked; it expires by itself",
                      {{"error", revoked.message()}});
        }
        m_lease = 0;
    }
}

steady_clock::time_point ElectedCoordinator::deadline(milliseconds within) const {
    return steady_clock::now() + within;
}

bool ElectedCoordinator::isLeader() const {
    std::lock_guard lock(m_mutex);
    return m_leading;
}

Status ElectedCoordinator::writable() const {
    std::lock_guard lock(m_mutex);
    return writesLocked();
}

Status ElectedCoordinator::writesLocked() const {
    if (!m_cutOff) {
        return Status::ok();
    }
    const std::string since =
        m_failingSince ? formatRfc3339(*m_failingSince) : std::string("its start");
    return unavailable("this replica has lost its etcd connection since " + since + " (" +
                       m_failure +
                       "); it takes no writes until it reconnects: retry on another replica");
}

std::vector<std::string> ElectedCoordinator::liveReplicas() const {
    std::lock_guard lock(m_mutex);
    std::vector<std::string> ids;
    for (const auto &[id, member] : m_members) {
        ids.push_back(id);
    }
    return ids;
}

ClusterStatus ElectedCoordinator::status() const {
    std::lock_guard lock(m_mutex);
    ClusterStatus status;
    status.mode = m_options.mode;
    status.selfId = m_options.self.id;
    status.leaderId = m_leaderId;
    for (const auto &[id, member] : m_members) {
        ReplicaStatus replica;
        replica.info = member.info;
        replica.leader = id == m_leaderId;
        replica.healthy = id != m_options.self.id || !m_cutOff;
        replica.since = replica.leader ? m_leaderSince : member.joinedAt;
        status.replicas.push_back(std::move(replica));
    }
    if (m_cutOff && m_members.count(m_options.self.id) == 0) {
        status.replicas.push_back(
            {m_options.self, false, false, m_failingSince.value_or(system_clock::time_point())});
    }
    status.storeMembers = m_storeMembers;
    status.writes = writesLocked();
    return status;
}

void ElectedCoordinator::onEvents(const std::vector<store::Event> &events) {
    std::lock_guard lock(m_mutex);
    for (const store::Event &event : events) {
        const std::string &key = event.kv.key;
        if (key == kLeaderKey) {
            if (event.type == store::EventType::Delete) {
                m_leaderId.clear();
            } else if (auto leader = decodeLeader(event.kv.value)) {
                m_leaderId = leader->first;
                m_leaderSince = leader->second;
            }
        } else if (key.rfind(kReplicasPrefix, 0) == 0) {
            const std::string id = key.substr(kReplicasPrefix.size());
            if (event.type == store::EventType::Delete) {
                m_membersChanged = m_members.erase(id) > 0 || m_membersChanged;
            } else if (auto replica = decodeReplica(event.kv.value)) {
                m_membersChanged = m_members.count(id) == 0 || m_membersChanged;
                m_members[id] = {replica->first, replica->second};
            }
        }
    }
    m_woken = true;
    m_wake.notify_all();
}

bool ElectedCoordinator::loadMembers() {
    auto range = m_store.rangePrefix(std::string(kPrefix));
    if (!range) {
        lost(range.status().message());
        return false;
    }
    std::lock_guard lock(m_mutex);
    std::map<std::string, Member> members;
    std::string leader;
    system_clock::time_point leaderSince;
    for (const store::KeyValue &kv : range->kvs) {
        if (kv.key == kLeaderKey) {
            if (auto decoded = decodeLeader(kv.value)) {
                leader = decoded->first;
                leaderSince = decoded->second;
            }
        } else if (kv.key.rfind(kReplicasPrefix, 0) == 0) {
            if (auto replica = decodeReplica(kv.value)) {
                members[kv.key.substr(kReplicasPrefix.size())] = {replica->first, replica->second};
            }
        }
    }
    m_membersChanged = m_membersChanged || members.size() != m_members.size() ||
                       !std::equal(members.begin(), members.end(), m_members.begin(),
                                   [](const auto &a, const auto &b) { return a.first == b.first; });
    m_members = std::move(members);
    m_leaderId = leader;
    m_leaderSince = leaderSince;
    return true;
}

bool ElectedCoordinator::join() {
    const auto sent = steady_clock::now();
    auto grant = m_leases->grant(m_options.leaseTtl, deadline(m_options.leaseTtl / 2));
    if (!grant) {
        lost(grant.status().message());
        return false;
    }
    m_lease = grant->id;
    m_leaseDeadline = sent + grant->ttl;
    m_nextRenewal = sent + m_options.leaseTtl / 4;
    store::Transaction txn;
    txn.put(std::string(kReplicasPrefix) + m_options.self.id,
            encodeReplica(m_options.self, m_options.clock->now()));
    m_leases->attach(txn.operations.back(), m_lease);
    txn.note = "replica_joined";
    auto committed = m_store.commit(std::move(txn));
    if (!committed) {
        lost(committed.status().message());
        (void)m_leases->revoke(m_lease, deadline(milliseconds(500)));
        m_lease = 0;
        return false;
    }
    if (!loadMembers()) {
        return false;
    }
    log::info("cluster: joined", {{"replica", m_options.self.id}, {"lease", m_lease}});
    reachable();
    return true;
}

void ElectedCoordinator::campaign() {
    {
        std::unique_lock lock(m_mutex);
        if (m_leading || m_cutOff) {
            return;
        }
        if (m_leaderId == m_options.self.id) {
            // The key is still ours (it lives on our lease, renewed again after the fence made
            // us stop): lead again rather than leave the key held by a replica that does not act.
            m_leading = true;
            lock.unlock();
            log::info("cluster: leading again", {{"replica", m_options.self.id}});
            if (m_hooks.leadershipChanged) {
                m_hooks.leadershipChanged(true);
            }
            return;
        }
        if (!m_leaderId.empty()) {
            return;
        }
    }
    const auto since = m_options.clock->now();
    store::Transaction txn;
    txn.ifMissing(std::string(kLeaderKey));
    txn.put(std::string(kLeaderKey),
            nlohmann::json{{"id", m_options.self.id}, {"since_ms", toMillis(since)}}.dump());
    m_leases->attach(txn.operations.back(), m_lease);
    txn.note = "leader_elected";
    auto committed = m_store.commit(std::move(txn));
    if (!committed) {
        lost(committed.status().message());
        return;
    }
    if (!committed->succeeded) {
        // Another replica won; its key arrives through the event stream.
        return;
    }
    {
        std::lock_guard lock(m_mutex);
        m_leading = true;
        m_leaderId = m_options.self.id;
        m_leaderSince = since;
    }
    log::info("cluster: elected leader", {{"replica", m_options.self.id}});
    if (m_hooks.leadershipChanged) {
        m_hooks.leadershipChanged(true);
    }
}

void ElectedCoordinator::stepDown(const std::string &why) {
    {
        std::lock_guard lock(m_mutex);
        if (!m_leading) {
            return;
        }
        m_leading = false;
    }
    log::warn("cluster: no longer the leader", {{"replica", m_options.self.id}, {"why", why}});
    if (m_hooks.leadershipChanged) {
        m_hooks.leadershipChanged(false);
    }
}

void ElectedCoordinator::lost(const std::string &cause) {
    std::lock_guard lock(m_mutex);
    if (!m_failingSince) {
        m_failingSince = m_options.clock->now();
        log::warn("cluster: cannot reach the store", {{"error", cause}});
    }
    m_failure = cause;
}

void ElectedCoordinator::reachable() {
    bool changed = false;
    {
        std::lock_guard lock(m_mutex);
        changed = m_cutOff;
        m_failingSince.reset();
        m_failure.clear();
        m_cutOff = false;
    }
    if (changed) {
        log::info("cluster: store reachable again; taking writes", {});
        if (m_hooks.writabilityChanged) {
            m_hooks.writabilityChanged(Status::ok());
        }
    }
}

void ElectedCoordinator::renew() {
    const auto sent = steady_clock::now();
    // Until the fence, an answer is waited for no longer than it can be used. Past it the lease
    // may still live at etcd (a Raft leader change extends every lease), so the renewal still
    // gets time to be answered: it is how a fenced replica learns it may take writes again.
    const auto answerBy = deadline(m_options.leaseTtl / 4);
    auto ttl = m_leases->renew(m_lease, sent < m_leaseDeadline ? std::min(m_leaseDeadline, answerBy)
                                                               : answerBy);
    if (ttl && ttl->count() > 0) {
        m_leaseDeadline = sent + *ttl;
        m_nextRenewal = sent + m_options.leaseTtl / 4;
        reachable();
        return;
    }
    m_nextRenewal = steady_clock::now() + std::min(kRetryDelay, m_options.leaseTtl / 8);
    if (!ttl && ttl.status().code() != StatusCode::NotFound) {
        lost(ttl.status().message());
        return;
    }
    // The lease is gone (it expired while we could not renew it): our records went with it.
    lost("its lease expired");
    stepDown("its lease expired");
    m_lease = 0;
    std::lock_guard lock(m_mutex);
    m_cutOff = true;
}

void ElectedCoordinator::refreshStoreMembers() {
    auto members = m_leases->members(deadline(milliseconds(1000)));
    std::lock_guard lock(m_mutex);
    m_storeMembers = std::move(members);
}

void ElectedCoordinator::run(std::stop_token stop) {
    const milliseconds fenceMargin = m_options.leaseTtl / 4;
    while (!stop.stop_requested()) {
        if (m_lease == 0 && !join()) {
            std::unique_lock lock(m_mutex);
            m_wake.wait_for(lock, stop, kRetryDelay, [this] { return m_stopped; });
            continue;
        }
        if (steady_clock::now() >= m_nextRenewal) {
            renew();
        }
        // The fence: stop acting before the lease can have expired at the store.
        if (m_lease != 0 && steady_clock::now() >= m_leaseDeadline - fenceMargin) {
            stepDown("could not renew its lease in time");
            bool cutNow = false;
            {
                std::lock_guard lock(m_mutex);
                cutNow = !m_cutOff;
                m_cutOff = true;
                if (!m_failingSince) {
                    m_failingSince = m_options.clock->now();
                    m_failure = "lease renewals unanswered";
                }
            }
            if (cutNow && m_hooks.writabilityChanged) {
                m_hooks.writabilityChanged(writable());
            }
        }
        if (m_lease != 0) {
            bool leaderGone = false;
            {
                std::lock_guard lock(m_mutex);
                // Another replica holds the key, or it is gone: this replica no longer leads.
                leaderGone = m_leading && m_leaderId != m_options.self.id;
            }
            if (leaderGone) {
                stepDown("the leader key changed hands");
            }
            campaign();
        }
        bool membersChanged = false;
        {
            std::lock_guard lock(m_mutex);
            membersChanged = std::exchange(m_membersChanged, false);
        }
        if (membersChanged && m_hooks.membersChanged) {
            m_hooks.membersChanged();
        }
        if (steady_clock::now() >= m_nextMembersRefresh) {
            refreshStoreMembers();
            m_nextMembersRefresh = steady_clock::now() + kMembersRefresh;
        }
        auto wakeAt = std::min(m_nextRenewal, m_nextMembersRefresh);
        if (m_lease != 0) {
            wakeAt = std::min(wakeAt, m_leaseDeadline - fenceMargin);
        }
        std::unique_lock lock(m_mutex);
        m_wake.wait_until(lock, stop, std::max(wakeAt, steady_clock::now() + milliseconds(5)),
                          [this] { return m_woken || m_stopped; });
        m_woken = false;
    }
}

} // namespace aegis::cluster
