#pragma once

#include "cluster/lease_api.h"
#include "etcd/etcd_client.h"

#include <condition_variable>
#include <map>
#include <mutex>

namespace aegis::cluster {

// LeaseApi over etcd: grants, revocations and the member list through the EtcdClient; renewals
// over one LeaseKeepAlive stream of this replica (renew() waits for its answer). Attached keys
// carry the lease in store::Operation::lease, which the etcd store passes to etcd's Put.
class EtcdLeases final : public LeaseApi {
public:
    explicit EtcdLeases(etcd::EtcdClient &client);
    ~EtcdLeases() override;

    StatusOr<Grant> grant(std::chrono::milliseconds ttl,
                          std::chrono::steady_clock::time_point deadline) override;
    StatusOr<std::chrono::milliseconds>
    renew(std::int64_t lease, std::chrono::steady_clock::time_point deadline) override;
    Status revoke(std::int64_t lease, std::chrono::steady_clock::time_point deadline) override;
    void attach(store::Operation &operation, std::int64_t lease) override {
        operation.lease = lease;
    }
    std::vector<StoreMember> members(std::chrono::steady_clock::time_point deadline) override;

private:
    etcd::EtcdClient &m_client; // Not owned.
    std::mutex m_mutex;
    std::condition_variable m_answered;
    // The last answer per lease (TTL in seconds, <= 0: gone) and how many answers came.
    std::map<std::int64_t, std::int64_t> m_ttls;
    std::uint64_t m_answers = 0;
    Status m_streamError = Status::ok();
    // Declared last: destroyed first, while the state its handlers use still exists.
    etcd::LeaseKeeperPtr m_keeper;
};

} // namespace aegis::cluster
