#include "registry/etcd_lease_keeper.h"

#include "etcd/etcd_client.h"

#include "common/logging.h"

namespace aegis::registry {

namespace {

// LeaseGrant with an id that is already a lease: etcd answers FAILED_PRECONDITION.
constexpr int kGrantAttempts = 3;

} // namespace

EtcdLeaseKeeper::EtcdLeaseKeeper(etcd::EtcdClient &client, EtcdLeaseKeeperOptions options)
    : m_client(client)
    , m_random(std::random_device{}()) {
    for (std::size_t i = 0; i < std::max<std::size_t>(options.callThreads, 1); ++i) {
        m_callThreads.emplace_back([this] { runCalls(); });
    }
    m_renewals = m_client.keepAlive(
        {[this](std::int64_t id, std::int64_t ttlSeconds) { renewed(id, ttlSeconds); },
         [](const Status &why) {
             log::warn("etcd lease keep-alive stream broke; reopening", {{"error", why.message()}});
         }});
}

EtcdLeaseKeeper::~EtcdLeaseKeeper() {
    {
        std::lock_guard lock(m_callsMutex);
        m_stopping = true;
    }
    m_callsChanged.notify_all();
    for (std::thread &thread : m_callThreads) {
        thread.join();
    }
    m_renewals.reset();
}

void EtcdLeaseKeeper::post(std::function<void()> call) {
    {
        std::lock_guard lock(m_callsMutex);
        m_calls.push_back(std::move(call));
    }
    m_callsChanged.notify_one();
}

void EtcdLeaseKeeper::runCalls() {
    std::unique_lock lock(m_callsMutex);
    for (;;) {
        m_callsChanged.wait(lock, [this] { return m_stopping || !m_calls.empty(); });
        // Queued calls still run when stopping: a revocation is not lost to a shutdown.
        if (m_calls.empty()) {
            return;
        }
        auto call = std::move(m_calls.front());
        m_calls.pop_front();
        lock.unlock();
        call();
        lock.lock();
    }
}

void EtcdLeaseKeeper::grant(std::chrono::seconds ttl, std::function<void(StatusOr<LeaseId>)> done) {
    post([this, ttl, done = std::move(done)] {
        Status failure;
        for (int attempt = 0; attempt < kGrantAttempts; ++attempt) {
            LeaseId id = 0;
            {
                std::lock_guard lock(m_mutex);
                do {
                    // Positive and below 2^53, as the in-memory table grants them.
                    id = static_cast<LeaseId>(m_random() & ((1ULL << 53) - 1));
                } while (id == 0 || m_known.count(id) != 0);
            }
            auto granted = m_client.leaseGrant(ttl.count(), id);
            if (granted && granted->error().empty()) {
                {
                    std::lock_guard lock(m_mutex);
                    m_known[id].ttl = ttl;
                }
                return done(id);
            }
            failure = !granted ? granted.status()
                               : Status(StatusCode::Unavailable,
                                        "etcd refused the lease: " + granted->error());
            if (failure.code() != StatusCode::FailedPrecondition) {
                break;
            }
        }
        done(Status(failure.code(), "could not grant a lease: " + failure.message()));
    });
}

void EtcdLeaseKeeper::restore(LeaseId id, std::chrono::seconds ttl) {
    std::lock_guard lock(m_mutex);
    m_known[id].ttl = ttl;
}

void EtcdLeaseKeeper::recordChanged(LeaseId id, std::optional<std::chrono::seconds> ttl) {
    std::lock_guard lock(m_mutex);
    if (ttl) {
        m_known[id].ttl = *ttl;
    } else {
        m_known.erase(id);
    }
}

std::optional<std::chrono::seconds> EtcdLeaseKeeper::renew(LeaseId id) {
    std::chrono::seconds ttl;
    {
        std::lock_guard lock(m_mutex);
        const auto it = m_known.find(id);
        if (it == m_known.end()) {
            return std::nullopt;
        }
        ttl = it->second.ttl;
    }
    m_renewals->renew(id);
    return ttl;
}

void EtcdLeaseKeeper::renewed(LeaseId id, std::int64_t ttlSeconds) {
    if (ttlSeconds > 0) {
        return;
    }
    // Gone from etcd (expired or revoked): its records' deletion follows in the event stream.
    std::lock_guard lock(m_mutex);
    m_known.erase(id);
}

std::optional<std::chrono::seconds> EtcdLeaseKeeper::ttl(LeaseId id) const {
    std::lock_guard lock(m_mutex);
    const auto it = m_known.find(id);
    return it == m_known.end() ? std::nullopt : std::optional(it->second.ttl);
}

void EtcdLeaseKeeper::revoke(LeaseId id) {
    {
        std::lock_guard lock(m_mutex);
        m_known.erase(id);
    }
    post([this, id] {
        const Status revoked = m_client.leaseRevoke(id);
        if (!revoked.isOk() && revoked.code() != StatusCode::NotFound) {
            // Left to expire: etcd removes what it keeps alive within its TTL.
            log::warn("etcd lease revocation failed; the lease will expire",
                      {{"lease", id}, {"error", revoked.message()}});
        }
    });
}

void EtcdLeaseKeeper::startClocks(std::chrono::seconds) {
    std::vector<LeaseId> known;
    {
        std::lock_guard lock(m_mutex);
        known.reserve(m_known.size());
        for (const auto &[id, lease] : m_known) {
            known.push_back(id);
        }
    }
    for (LeaseId id : known) {
        m_renewals->renew(id);
    }
}

bool EtcdLeaseKeeper::hold(LeaseId id) {
    std::lock_guard lock(m_mutex);
    const auto it = m_known.find(id);
    if (it == m_known.end()) {
        return false;
    }
    ++it->second.holders;
    return true;
}

void EtcdLeaseKeeper::release(LeaseId id) {
    std::lock_guard lock(m_mutex);
    if (const auto it = m_known.find(id); it != m_known.end() && it->second.holders > 0) {
        --it->second.holders;
    }
}

bool EtcdLeaseKeeper::isHeld(LeaseId id) const {
    std::lock_guard lock(m_mutex);
    const auto it = m_known.find(id);
    return it != m_known.end() && it->second.holders > 0;
}

std::size_t EtcdLeaseKeeper::size() const {
    std::lock_guard lock(m_mutex);
    return m_known.size();
}

} // namespace aegis::registry
