#pragma once

#include "etcd_cluster.h"
#include "target.h"

#include <mutex>

namespace aegis::bench::discovery {

// etcd 3.4 through its v3 gRPC API: a registration is LeaseGrant(30 s) then Put of the instance
// under /services/<service>/<id> with that lease; watchers watch the prefix of one service, one
// Watch stream each (as separate client processes would).
class EtcdTarget final : public DiscoveryTarget {
public:
    // One member of `binary`; throws std::runtime_error if it does not start.
    explicit EtcdTarget(const std::string &binary);
    ~EtcdTarget() override;

    std::string name() const override { return "etcd"; }
    int pid() const override { return m_etcd->pid(0); }
    std::string address() const override { return m_etcd->clientAddress(0); }

    CallStarter registrations(int concurrency,
                              std::vector<std::shared_ptr<grpc::Channel>> channels) override;
    std::vector<std::int64_t> createLeases(int count,
                                           const std::shared_ptr<grpc::Channel> &channel) override;
    std::unique_ptr<RenewalStream> openRenewalStream(const std::shared_ptr<grpc::Channel> &channel,
                                                     std::vector<std::int64_t> leases, int depth,
                                                     RenewalCounters &counters) override;
    std::unique_ptr<Watcher> openWatcher(int index, const std::shared_ptr<grpc::Channel> &channel,
                                         WatchSink &sink) override;
    void registerForWatch(int sequence, const std::shared_ptr<grpc::Channel> &channel,
                          std::function<void(const grpc::Status &)> done) override;

private:
    std::unique_ptr<testing::EtcdCluster> m_etcd;
    std::int64_t m_watchLease = 0;
    std::mutex m_callsMutex;
    std::vector<std::shared_ptr<void>> m_calls;
};

} // namespace aegis::bench::discovery
