#include "registry/memory_lease_keeper.h"

namespace aegis::registry {

MemoryLeaseKeeper::MemoryLeaseKeeper(ClockPtr clock)
    : m_table(std::move(clock)) {}

void MemoryLeaseKeeper::grant(std::chrono::seconds ttl,
                              std::function<void(StatusOr<LeaseId>)> done) {
    done(m_table.grant(ttl));
}

void MemoryLeaseKeeper::restore(LeaseId id, std::chrono::seconds ttl) {
    m_table.restore(id, ttl);
}

std::optional<std::chrono::seconds> MemoryLeaseKeeper::renew(LeaseId id) {
    return m_table.renew(id);
}

std::optional<std::chrono::seconds> MemoryLeaseKeeper::ttl(LeaseId id) const {
    return m_table.ttl(id);
}

void MemoryLeaseKeeper::revoke(LeaseId id) {
    m_table.revoke(id);
}

void MemoryLeaseKeeper::startClocks(std::chrono::seconds grace) {
    m_table.extendAll(grace);
}

bool MemoryLeaseKeeper::hold(LeaseId id) {
    return m_table.hold(id);
}

void MemoryLeaseKeeper::release(LeaseId id) {
    m_table.release(id);
}

bool MemoryLeaseKeeper::isHeld(LeaseId id) const {
    return m_table.isHeld(id);
}

std::vector<LeaseId> MemoryLeaseKeeper::takeExpired() {
    return m_table.takeExpired();
}

std::size_t MemoryLeaseKeeper::size() const {
    return m_table.size();
}

} // namespace aegis::registry
