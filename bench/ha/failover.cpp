#include "failover.h"

#include "http_get.h"

#include "aegis/v1/registry.grpc.pb.h"

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <iostream>
#include <mutex>
#include <thread>

namespace aegis::bench::ha {
namespace {

namespace v1 = aegis::v1;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// Registers a new instance after another, each with a 1 s deadline, and remembers when each
// write was acknowledged or failed.
class Writer {
public:
    Writer(const std::string &addresses, const std::string &adminToken)
        : m_bearer("Bearer " + adminToken) {
        // pick_first over the list: the first replica that answers, the next when it goes away,
        // as a client given every replica's address.
        m_stub = v1::RegistryService::NewStub(
            grpc::CreateChannel("ipv4:" + addresses, grpc::InsecureChannelCredentials()));
        m_thread = std::thread([this] { run(); });
    }
    ~Writer() {
        m_stop = true;
        m_thread.join();
    }
    // The first write acknowledged after `since`, and how many failed before it; waits up to
    // `timeout`.
    std::pair<double, int> nextAcknowledged(Clock::time_point since,
                                            std::chrono::milliseconds timeout) {
        const auto deadline = Clock::now() + timeout;
        while (Clock::now() < deadline) {
            {
                std::lock_guard lock(m_mutex);
                int failed = 0;
                for (const auto &[at, ok] : m_results) {
                    if (at <= since) {
                        continue;
                    }
                    if (!ok) {
                        ++failed;
                        continue;
                    }
                    return {std::chrono::duration<double, std::milli>(at - since).count(), failed};
                }
            }
            std::this_thread::sleep_for(5ms);
        }
        return {-1, 0};
    }
    bool acknowledgedAny() {
        std::lock_guard lock(m_mutex);
        return std::any_of(m_results.begin(), m_results.end(),
                           [](const auto &result) { return result.second; });
    }

private:
    void run() {
        for (std::uint64_t n = 0; !m_stop; ++n) {
            v1::RegisterInstanceRequest request;
            request.mutable_instance()->set_service("bench-failover");
            request.mutable_instance()->set_id("w-" + std::to_string(n));
            request.mutable_instance()->set_address("10.0.0.1:8080");
            request.set_ttl_seconds(30);
            v1::RegisterInstanceResponse response;
            grpc::ClientContext context;
            context.AddMetadata("authorization", m_bearer);
            context.set_deadline(std::chrono::system_clock::now() + 1s);
            const bool ok = m_stub->RegisterInstance(&context, request, &response).ok();
            {
                std::lock_guard lock(m_mutex);
                m_results.emplace_back(Clock::now(), ok);
            }
            if (!ok) {
                std::this_thread::sleep_for(5ms);
            }
        }
    }

    std::string m_bearer;
    std::unique_ptr<v1::RegistryService::Stub> m_stub;
    std::atomic<bool> m_stop{false};
    std::mutex m_mutex;
    std::vector<std::pair<Clock::time_point, bool>> m_results;
    std::thread m_thread;
};

std::string joined(const std::vector<std::string> &addresses) {
    std::string out;
    for (const auto &address : addresses) {
        out += (out.empty() ? "" : ",") + address;
    }
    return out;
}

// The quoted value of `"field":"..."` in etcd's JSON gateway answer (uint64s come as strings).
std::string jsonField(const std::string &body, const std::string &field) {
    const std::string marker = "\"" + field + "\":\"";
    const auto at = body.find(marker);
    if (at == std::string::npos) {
        return {};
    }
    const auto start = at + marker.size();
    return body.substr(start, body.find('"', start) - start);
}

// The index of the etcd member that is the Raft leader, or -1.
int etcdLeader(testing::EtcdCluster &etcd) {
    for (int i = 0; i < etcd.size(); ++i) {
        if (!etcd.running(i)) {
            continue;
        }
        const auto answer = testing::httpPost(etcd.clientAddress(i), "/v3/maintenance/status", "{}",
                                              {"Content-Type: application/json"});
        if (answer.status == 200 &&
            jsonField(answer.body, "leader") == jsonField(answer.body, "member_id")) {
            return i;
        }
    }
    return -1;
}

void progress(const std::string &line) {
    std::cerr << "[ha] " << line << std::endl;
}

} // namespace

std::vector<FailoverTrial> measureReplicaFailover(testing::HaCluster &cluster, int trials) {
    std::vector<FailoverTrial> out;
    for (int trial = 0; trial < trials; ++trial) {
        // The writer's first endpoint is the replica to kill.
        const int victim = trial % cluster.size();
        std::vector<std::string> order;
        for (int i = 0; i < cluster.size(); ++i) {
            order.push_back(
                cluster.grpcAddresses()[static_cast<std::size_t>((victim + i) % cluster.size())]);
        }
        Writer writer(joined(order), cluster.adminToken());
        const auto warm = Clock::now() + 10s;
        while (!writer.acknowledgedAny() && Clock::now() < warm) {
            std::this_thread::sleep_for(10ms);
        }
        std::this_thread::sleep_for(500ms);
        FailoverTrial result;
        result.killed = "replica " + std::to_string(victim);
        const auto killedAt = Clock::now();
        cluster.kill(victim);
        std::tie(result.nextWriteMs, result.failedWrites) = writer.nextAcknowledged(killedAt, 30s);
        progress("replica failover " + std::to_string(trial + 1) + ": " +
                 std::to_string(result.nextWriteMs) + " ms");
        out.push_back(result);
        if (const Status restarted = cluster.restart(victim); !restarted.isOk()) {
            progress("replica " + std::to_string(victim) +
                     " did not restart: " + restarted.message());
            break;
        }
    }
    return out;
}

std::vector<FailoverTrial> measureEtcdLeaderFailover(testing::HaCluster &cluster, int trials) {
    std::vector<FailoverTrial> out;
    Writer writer(joined(cluster.grpcAddresses()), cluster.adminToken());
    for (int trial = 0; trial < trials; ++trial) {
        std::this_thread::sleep_for(1s);
        const int leader = etcdLeader(cluster.etcd());
        if (leader < 0) {
            progress("no etcd leader found");
            break;
        }
        FailoverTrial result;
        result.killed = "etcd member " + std::to_string(leader) + " (Raft leader)";
        const auto killedAt = Clock::now();
        cluster.etcd().kill(leader);
        std::tie(result.nextWriteMs, result.failedWrites) = writer.nextAcknowledged(killedAt, 30s);
        progress("etcd leader failover " + std::to_string(trial + 1) + ": " +
                 std::to_string(result.nextWriteMs) + " ms");
        out.push_back(result);
        if (const Status restarted = cluster.etcd().restart(leader); !restarted.isOk()) {
            progress("etcd member did not restart: " + restarted.message());
            break;
        }
    }
    return out;
}

} // namespace aegis::bench::ha
