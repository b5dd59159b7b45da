#include "registry/lease_table.h"

#include <algorithm>

namespace aegis::registry {

LeaseTable::LeaseTable(ClockPtr clock)
    : m_clock(std::move(clock)) {}

void LeaseTable::unscheduleLocked(LeaseId id, std::chrono::steady_clock::time_point deadline) {
    auto [first, last] = m_byDeadline.equal_range(deadline);
    for (auto it = first; it != last; ++it) {
        if (it->second == id) {
            m_byDeadline.erase(it);
            return;
        }
    }
}

void LeaseTable::scheduleLocked(LeaseId id, std::chrono::seconds ttl,
                                std::chrono::steady_clock::time_point deadline) {
    auto [it, created] = m_leases.try_emplace(id, Lease{ttl, deadline});
    if (!created) {
        unscheduleLocked(id, it->second.deadline);
        it->second.ttl = ttl;
        it->second.deadline = deadline;
    }
    m_byDeadline.emplace(deadline, id);
}

LeaseId LeaseTable::grant(std::chrono::seconds ttl) {
    std::lock_guard lock(m_mutex);
    // Ids grow with the wall clock (its milliseconds times 1,024, then one by one), so a new
    // lease's record goes at the end of the store's key order: random ids put every registration's
    // lease on a page of its own, and a commit of many registrations wrote as many pages more.
    // Positive and below 2^53 until the year 2248, so an id survives a trip through JSON in any
    // language. Unguessable ids protect nothing: a lease is used only within its token's scope.
    const auto milliseconds =
        std::chrono::duration_cast<std::chrono::milliseconds>(m_clock->now().time_since_epoch())
            .count();
    LeaseId id = std::max<LeaseId>(m_lastGranted + 1, static_cast<LeaseId>(milliseconds) << 10);
    m_lastGranted = id;
    scheduleLocked(id, ttl, m_clock->steadyNow() + ttl);
    return id;
}

void LeaseTable::restore(LeaseId id, std::chrono::seconds ttl) {
    std::lock_guard lock(m_mutex);
    m_lastGranted = std::max(m_lastGranted, id); // new ids stay above it whatever the clock says
    scheduleLocked(id, ttl, m_clock->steadyNow() + ttl);
}

std::optional<std::chrono::seconds> LeaseTable::renew(LeaseId id) {
    std::lock_guard lock(m_mutex);
    const auto it = m_leases.find(id);
    if (it == m_leases.end()) {
        return std::nullopt;
    }
    const auto ttl = it->second.ttl;
    scheduleLocked(id, ttl, m_clock->steadyNow() + ttl);
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
    unscheduleLocked(id, it->second.deadline);
    m_leases.erase(it);
}

void LeaseTable::extendAll(std::chrono::seconds grace) {
    std::lock_guard lock(m_mutex);
    const auto now = m_clock->steadyNow();
    m_byDeadline.clear();
    for (auto &[id, lease] : m_leases) {
        lease.deadline = std::max(lease.deadline, now + std::max(lease.ttl, grace));
        m_byDeadline.emplace(lease.deadline, id);
    }
}

bool LeaseTable::hold(LeaseId id) {
    std::lock_guard lock(m_mutex);
    const auto it = m_leases.find(id);
    if (it == m_leases.end()) {
        return false;
    }
    ++it->second.holders;
    return true;
}

void LeaseTable::release(LeaseId id) {
    std::lock_guard lock(m_mutex);
    if (const auto it = m_leases.find(id); it != m_leases.end() && it->second.holders > 0) {
        --it->second.holders;
    }
}

bool LeaseTable::isHeld(LeaseId id) const {
    std::lock_guard lock(m_mutex);
    const auto it = m_leases.find(id);
    return it != m_leases.end() && it->second.holders > 0;
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
