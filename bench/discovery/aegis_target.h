#pragma once

#include "target.h"

#include "daemon_process.h"
#include "mux_watchers.h"

#include <mutex>

namespace aegis::bench::discovery {

// aegisd, started fresh on free loopback ports through the test support library. Registrations
// use a ROLE_SERVICE token created with the admin token; watchers use the admin token.
class AegisTarget final : public DiscoveryTarget {
public:
    // Throws std::runtime_error if the daemon does not start. With `muxStreams` > 0 the watchers
    // are watches on that many WatchService streams instead of a WatchInstances stream each.
    explicit AegisTarget(const std::vector<std::string> &daemonArgs, int muxStreams = 0);
    // Attaches to daemons already running (several replicas: `address` as makeChannels() takes a
    // list) under `name`, with their admin token; `pid` is the process whose CPU the measures
    // sample. Throws std::runtime_error if the service token cannot be created.
    AegisTarget(std::string name, std::string address, const std::string &adminToken, int pid);
    ~AegisTarget() override;

    std::string name() const override { return m_name; }
    int pid() const override { return m_pid; }
    std::string address() const override { return m_address; }
    std::string metricsPage() const override;

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

    // The admin token the measures' watchers use.
    std::string adminToken() const {
        return m_adminBearer.substr(std::string_view("Bearer ").size());
    }

    // Stops the daemon (SIGTERM, then waits); returns its exit code.
    int stop();

private:
    void createServiceToken();
    // Waits (bounded) until every endpoint of m_address accepts m_serviceBearer.
    void awaitServiceTokenEverywhere();

    std::string m_name = "Aegis";
    std::unique_ptr<testing::DaemonProcess> m_daemon; // Null when attached.
    std::string m_address;
    int m_pid = -1;
    std::string m_adminBearer;
    std::string m_serviceBearer;
    std::mutex m_callsMutex;
    std::vector<std::shared_ptr<void>> m_calls;
    std::unique_ptr<MuxWatchers> m_mux; // null: a stream per watcher
};

} // namespace aegis::bench::discovery
