#pragma once

#include "registry/lease_keeper.h"
#include "registry/lease_table.h"

namespace aegis::registry {

// Leases in memory (LeaseTable): for a store with a single writer daemon. Records other writers
// put are not followed, so each daemon expires only the leases it granted or loaded.
class MemoryLeaseKeeper final : public LeaseKeeper {
public:
    explicit MemoryLeaseKeeper(ClockPtr clock);

    void grant(std::chrono::seconds ttl, std::function<void(StatusOr<LeaseId>)> done) override;
    void restore(LeaseId id, std::chrono::seconds ttl) override;
    void recordChanged(LeaseId, std::optional<std::chrono::seconds>) override {}
    std::optional<std::chrono::seconds> renew(LeaseId id) override;
    std::optional<std::chrono::seconds> ttl(LeaseId id) const override;
    void revoke(LeaseId id) override;
    void startClocks(std::chrono::seconds grace) override;
    bool hold(LeaseId id) override;
    void release(LeaseId id) override;
    bool isHeld(LeaseId id) const override;
    std::vector<LeaseId> takeExpired() override;
    std::int64_t storeLease(LeaseId) const override { return 0; }
    bool storeExpires() const override { return false; }
    std::size_t size() const override;

private:
    LeaseTable m_table;
};

} // namespace aegis::registry
