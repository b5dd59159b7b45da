#include "memory_leases.h"

namespace aegis::testing {

using std::chrono::steady_clock;

MemoryLeases::MemoryLeases(store::Store &store)
    : m_store(store)
    , m_reaper([this](std::stop_token stop) {
        while (!stop.stop_requested()) {
            reap();
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
    }) {}

MemoryLeases::~MemoryLeases() {
    m_reaper.request_stop();
    m_reaper.join();
}

cluster::LeaseApiPtr MemoryLeases::client(Client **handle) {
    auto client = std::make_unique<Client>(*this);
    *handle = client.get();
    return client;
}

std::vector<steady_clock::time_point> MemoryLeases::expiries() const {
    std::lock_guard lock(m_mutex);
    return m_expiries;
}

void MemoryLeases::end(std::int64_t id, const char *why) {
    std::set<std::string> keys;
    {
        std::lock_guard lock(m_mutex);
        const auto found = m_leases.find(id);
        if (found == m_leases.end()) {
            return;
        }
        keys = std::move(found->second.keys);
        m_leases.erase(found);
        if (std::string_view(why) == "lease_expired") {
            m_expiries.push_back(steady_clock::now());
        }
    }
    store::Transaction txn;
    for (const std::string &key : keys) {
        txn.remove(key);
    }
    txn.note = why;
    (void)m_store.commit(std::move(txn));
}

void MemoryLeases::reap() {
    std::vector<std::int64_t> expired;
    {
        std::lock_guard lock(m_mutex);
        for (const auto &[id, lease] : m_leases) {
            if (steady_clock::now() >= lease.expiresAt) {
                expired.push_back(id);
            }
        }
    }
    for (const std::int64_t id : expired) {
        end(id, "lease_expired");
    }
}

StatusOr<cluster::LeaseApi::Grant> MemoryLeases::Client::grant(std::chrono::milliseconds ttl,
                                                               steady_clock::time_point) {
    if (!m_reachable) {
        return unavailable("etcd 127.0.0.1:2379: connection refused");
    }
    std::lock_guard lock(m_leases.m_mutex);
    const std::int64_t id = m_leases.m_nextId++;
    m_leases.m_leases[id] = {ttl, steady_clock::now() + ttl, {}};
    return Grant{id, ttl};
}

StatusOr<std::chrono::milliseconds> MemoryLeases::Client::renew(std::int64_t lease,
                                                                steady_clock::time_point) {
    if (!m_reachable) {
        return unavailable("etcd 127.0.0.1:2379: connection refused");
    }
    std::lock_guard lock(m_leases.m_mutex);
    const auto found = m_leases.m_leases.find(lease);
    if (found == m_leases.m_leases.end()) {
        return notFound("etcdserver: requested lease not found");
    }
    found->second.expiresAt = steady_clock::now() + found->second.ttl;
    return found->second.ttl;
}

Status MemoryLeases::Client::revoke(std::int64_t lease, steady_clock::time_point) {
    if (!m_reachable) {
        return unavailable("etcd 127.0.0.1:2379: connection refused");
    }
    m_leases.end(lease, "lease_revoked");
    return Status::ok();
}

void MemoryLeases::Client::attach(store::Operation &operation, std::int64_t lease) {
    std::lock_guard lock(m_leases.m_mutex);
    const auto found = m_leases.m_leases.find(lease);
    if (found != m_leases.m_leases.end()) {
        found->second.keys.insert(operation.key);
    }
}

std::vector<cluster::StoreMember> MemoryLeases::Client::members(steady_clock::time_point) {
    cluster::StoreMember member;
    member.name = "memory";
    member.clientUrls = {"http://127.0.0.1:2379"};
    member.healthy = m_reachable;
    member.leader = true;
    member.dbSizeBytes = 20480;
    if (!m_reachable) {
        member.problem = "connection refused";
    }
    return {member};
}

} // namespace aegis::testing
