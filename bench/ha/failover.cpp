#include "failover.h"

#include "http_get.h"

#include "aegis/v1/registry.grpc.pb.h"
#include "aegis/v1/rollout.grpc.pb.h"
#include "client/connection.h"

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <iostream>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <tuple>

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

bool finished(v1::RolloutPhase phase) {
    return phase == v1::ROLLOUT_PHASE_SUCCEEDED || phase == v1::ROLLOUT_PHASE_ROLLED_BACK ||
           phase == v1::ROLLOUT_PHASE_FAILED;
}

// One replica's view of one rollout, read as often as it answers; remembers when what it shows
// (phase, step, whether the step's weight is applied) last changed.
class RolloutObserver {
public:
    RolloutObserver(const std::shared_ptr<grpc::Channel> &channel, std::string id)
        : m_stub(v1::RolloutService::NewStub(channel))
        , m_id(std::move(id)) {}

    // Reads once; false when the replica did not answer.
    bool poll() {
        v1::GetRolloutRequest request;
        request.set_id(m_id);
        v1::GetRolloutResponse response;
        grpc::ClientContext context;
        context.set_deadline(std::chrono::system_clock::now() + 1s);
        if (!m_stub->GetRollout(&context, request, &response).ok()) {
            return false;
        }
        const v1::Rollout &rollout = response.rollout();
        const auto seen =
            std::make_tuple(rollout.phase(), rollout.current_step(), rollout.step_applied());
        if (seen != m_state) {
            m_state = seen;
            m_changedAt = Clock::now();
        }
        return true;
    }
    v1::RolloutPhase phase() const { return std::get<0>(m_state); }
    int step() const { return std::get<1>(m_state); }
    bool stepApplied() const { return std::get<2>(m_state); }
    Clock::time_point changedAt() const { return m_changedAt; }

private:
    std::unique_ptr<v1::RolloutService::Stub> m_stub;
    std::string m_id;
    std::tuple<v1::RolloutPhase, int, bool> m_state{v1::ROLLOUT_PHASE_UNSPECIFIED, -1, false};
    Clock::time_point m_changedAt;
};

// Polls `observer` every 2 ms until `done` holds or `timeout` passes; false on timeout.
template <typename Done>
bool observeUntil(RolloutObserver &observer, std::chrono::milliseconds timeout, Done done) {
    const auto deadline = Clock::now() + timeout;
    while (Clock::now() < deadline) {
        if (observer.poll() && done()) {
            return true;
        }
        std::this_thread::sleep_for(2ms);
    }
    return false;
}

// Registers one instance of `service` on `color` at `version` through `registry`, as an external
// deployer does; the registry router only weights them, so nothing listens at the address.
void registerInstance(v1::RegistryService::Stub &registry, const std::string &service,
                      const std::string &color, const std::string &version) {
    v1::RegisterInstanceRequest request;
    auto *instance = request.mutable_instance();
    instance->set_service(service);
    instance->set_id(service + "-" + color);
    instance->set_address(color == "blue" ? "127.0.0.1:9001" : "127.0.0.1:9002");
    (*instance->mutable_labels())["color"] = color;
    (*instance->mutable_labels())["version"] = version;
    request.set_ttl_seconds(3600);
    v1::RegisterInstanceResponse response;
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + 5s);
    const auto status = registry.RegisterInstance(&context, request, &response);
    if (!status.ok()) {
        throw std::runtime_error("RegisterInstance " + service + ": " + status.error_message());
    }
}

// Starts the stepping canary of `service` through `channel`; returns its id.
std::string startSteppingCanary(const std::shared_ptr<grpc::Channel> &channel,
                                const std::string &service, std::chrono::milliseconds stepPause) {
    v1::StartRolloutRequest request;
    v1::RolloutSpec *spec = request.mutable_spec();
    spec->set_service(service);
    spec->set_version("2.0");
    spec->set_replicas(1);
    spec->set_strategy(v1::ROLLOUT_STRATEGY_CANARY);
    for (int weight = 5; weight < 100; weight += 5) {
        v1::CanaryStep *step = spec->add_steps();
        step->set_weight(weight);
        step->set_pause_ms(stepPause.count());
    }
    spec->set_driver("external");
    spec->set_router("registry");
    spec->set_healthy_for_ms(0);
    spec->set_scale_down_delay_ms(0);
    v1::StartRolloutResponse response;
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + 5s);
    const auto status =
        v1::RolloutService::NewStub(channel)->StartRollout(&context, request, &response);
    if (!status.ok()) {
        throw std::runtime_error("StartRollout " + service + ": " + status.error_message());
    }
    return response.rollout().id();
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

std::vector<RolloutFailoverTrial>
measureLeaderFailoverToRollout(testing::HaCluster &cluster, int trials,
                               std::chrono::milliseconds stepPause) {
    std::vector<RolloutFailoverTrial> out;
    for (int trial = 0; trial < trials; ++trial) {
        const auto leader = cluster.waitForLeader(30s);
        if (!leader) {
            progress("no leader: " + leader.status().message());
            break;
        }
        // Everything goes through a replica that survives the SIGKILL.
        const int survivor = (*leader + 1) % cluster.size();
        auto channel = client::makeChannel(cluster.replicaConnection(survivor));
        if (!channel) {
            throw std::runtime_error(channel.status().toString());
        }
        const std::string service = "bench-ha-rollout-" + std::to_string(trial);
        auto registry = v1::RegistryService::NewStub(*channel);
        registerInstance(*registry, service, "blue", "1.0");
        registerInstance(*registry, service, "green", "2.0");
        RolloutObserver observer(*channel, startSteppingCanary(*channel, service, stepPause));
        RolloutFailoverTrial result;
        result.killed = "replica " + std::to_string(*leader) + " (leader)";
        // A few steps in, just as a step's weight is applied: the leader has nothing left to
        // write but the next step, due one pause later, so the next transition a survivor shows
        // is the new leader's.
        if (!observeUntil(observer, 30s, [&] {
                return observer.phase() == v1::ROLLOUT_PHASE_SWITCHING && observer.step() >= 3 &&
                       observer.stepApplied();
            })) {
            progress("the canary of " + service + " did not reach its fourth step");
            break;
        }
        const Clock::time_point lastBefore = observer.changedAt();
        const auto killedAt = Clock::now();
        cluster.kill(*leader);
        if (observeUntil(observer, 30s, [&] { return observer.changedAt() > killedAt; })) {
            result.nextTransitionMs =
                std::chrono::duration<double, std::milli>(observer.changedAt() - killedAt).count();
            result.lateMs = std::chrono::duration<double, std::milli>(observer.changedAt() -
                                                                      (lastBefore + stepPause))
                                .count();
        }
        observeUntil(observer, 60s, [&] { return finished(observer.phase()); });
        result.finalPhase = v1::RolloutPhase_Name(observer.phase());
        progress("leader failover to the next rollout transition " + std::to_string(trial + 1) +
                 ": " + std::to_string(result.nextTransitionMs) + " ms, " + result.finalPhase);
        out.push_back(result);
        if (const Status restarted = cluster.restart(*leader); !restarted.isOk()) {
            progress("replica " + std::to_string(*leader) +
                     " did not restart: " + restarted.message());
            break;
        }
    }
    return out;
}

} // namespace aegis::bench::ha
