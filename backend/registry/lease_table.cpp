#include "registry/lease_table.h"

namespace aegis::registry {

LeaseTable::LeaseTable(ClockPtr clock)
    : m_clock(std::move(clock))
    , m_random(std::random_device{}()) {}

void LeaseTable::scheduleLocked(LeaseId id, Lease lease) {
    if (const auto existing = m_leases.find(id); existing != m_leases.end()) {
        auto [first, last] = m_byDeadline.equal_range(existing->second.deadline);
        for (auto it = first; it != last; ++it) {
            if (it->second == id) {
                m_byDeadline.erase(it);
                break;
            }
        }
    }
    m_byDeadline.emplace(lease.deadline, id);
    m_leases[id] = lease;
}

LeaseId LeaseTable::grant(std::chrono::seconds ttl) {
    std::lock_guard lock(m_mutex);
    LeaseId id;
    do {
        // Positive and below 2^53, so the id survives a trip through JSON in any language.
        id = static_cast<LeaseId>(m_random() & ((1ULL << 53) - 1));
    } while (id == 0 || m_leases.count(id) != 0);
    scheduleLocked(id, Lease{ttl, m_clock->steadyNow() + ttl});
    return id;
}

void LeaseTable::restore(LeaseId id, std::chrono::seconds ttl) {
    std::lock_guard lock(m_mutex);
    scheduleLocked(id, Lease{ttl, m_clock->steadyNow() + ttl});
}

std::optional<std::chrono::seconds> LeaseTable::renew(LeaseId id) {
    std::lock_guard lock(m_mutex);
    const auto it = m_leases.find(id);
    if (it == m_leases.end()) {
        return std::nullopt;
    }
    const auto ttl = it->second.ttl;
    scheduleLocked(id, Lease{ttl, m_clock->steadyNow() + ttl});
    return ttl;
}

std::optional<std::chrono::seconds> LeaseTable::ttl(LeaseId id) const {
    std::lock_guard lock(m_mutex);
    const auto it = m_leases.find(id);
    return it == m_leases.end() ? std::nullopt : std::optional(it->second.ttl);
}

void LeaseTable::revoke(LeaseId id) {
    std::lock_guard lock(m_mutex);
    const auto it = m_leases.find(id);
    if (it == m_leases.end()) {
        return;
    }
    auto [first, last] = m_byDeadline.equal_range(it->second.deadline);
    for (auto entry = first; entry != last; ++entry) {
        if (entry->second == id) {
            m_byDeadline.erase(entry);
            break;
        }
    }
    m_leases.erase(it);
}

std::vector<LeaseId> LeaseTable::takeExpired() {
    std::lock_guard lock(m_mutex);
    std::vector<LeaseId> expired;
    const auto now = m_clock->steadyNow();
    while (!m_byDeadline.empty() && m_byDeadline.begin()->first <= now) {
        expired.push_back(m_byDeadline.begin()->second);
        m_leases.erase(m_byDeadline.begin()->second);
        m_byDeadline.erase(m_byDeadline.begin());
    }
    return expired;
}

std::size_t LeaseTable::size() const {
    std::lock_guard lock(m_mutex);
    return m_leases.size();
}

} // namespace aegis::registry
