// Rollouts on the highly available control plane, with real instances: three aegisd replicas on a
// real three-member etcd cluster (HaCluster) deploy aegis-sample instances with the process driver
// behind a real HAProxy, which wrk loads throughout.
//   - Any replica takes StartRollout and the rollout actions: a follower forwards them to the
//     leader, which carries them out; a forwarded call is never forwarded again; a follower whose
//     leader is gone says so (UNAVAILABLE).
//   - The leader killed with SIGKILL while a blue-green rollout switches traffic and while a canary
//     holds a step: under the new leader the blue-green rollout completes and the canary rolls
//     back when aborted; HAProxy never has a backend without a slot taking traffic, and wrk sees
//     no failed request.

#include "../sample/child_process.h"
#include "aegis/v1/audit.grpc.pb.h"
#include "aegis/v1/health.grpc.pb.h"
#include "aegis/v1/rollout.grpc.pb.h"
#include "aegis/v1/system.grpc.pb.h"
#include "api/forward_proof.h"
#include "api_test_helpers.h"
#include "client/connection.h"
#include "config/secret_box.h"
#include "ha_cluster.h"
#include "haproxy_admin.h"
#include "haproxy_process.h"
#include "poll_until.h"
#include "required_tool.h"
#include "rollout/haproxy_runtime.h"
#include "sample/keep_alive_http_client.h"
#include "wrk_summary.h"

#include <grpcpp/grpcpp.h>

#include <QtTest>

#include <condition_variable>
#include <csignal>
#include <fstream>
#include <map>
#include <mutex>
#include <regex>
#include <thread>

using namespace aegis;
using namespace std::chrono_literals;
using aegis::v1::RolloutPhase;
using testing::HaCluster;
using testing::pollUntil;

namespace {

constexpr const char *kWrk = "/usr/bin/wrk";
// The services, each behind its own HAProxy frontend and backend.
const std::vector<std::string> kServices = {"shop", "cart"};

std::string describe(const grpc::Status &status) {
    return std::to_string(static_cast<int>(status.error_code())) + ": " + status.error_message();
}

// The "version" and "color" an aegis-sample's "/" answer names, as "version/color".
std::string servedBy(const std::string &body) {
    static const std::regex version(R"re("version":"([^"]*)")re");
    static const std::regex color(R"re("color":"([^"]*)")re");
    std::smatch v;
    std::smatch c;
    if (!std::regex_search(body, v, version) || !std::regex_search(body, c, color)) {
        return "unrecognised answer: " + body;
    }
    return v[1].str() + "/" + c[1].str();
}

// Samples HAProxy's backends from a thread of its own until stopped, and remembers the first
// moment a backend had no slot taking traffic (or could not be read).
class RoutingSampler {
public:
    RoutingSampler(std::string socket, std::vector<std::string> backends)
        : m_socket(std::move(socket))
        , m_backends(std::move(backends))
        , m_thread([this] { run(); }) {}
    ~RoutingSampler() { stop(); }

    void stop() {
        {
            std::lock_guard lock(m_mutex);
            m_stopped = true;
        }
        m_wake.notify_all();
        if (m_thread.joinable()) {
            m_thread.join();
        }
    }
    // After stop(): how many times every backend was read, and the first bad reading ("" if none).
    int samples() const { return m_samples; }
    const std::string &problem() const { return m_problem; }

private:
    void run() {
        std::unique_lock lock(m_mutex);
        while (!m_stopped) {
            lock.unlock();
            for (const std::string &backend : m_backends) {
                const auto states = testing::haproxyServersState(m_socket, backend);
                int taking = 0;
                std::string listing;
                if (states) {
                    for (const rollout::ServerState &slot : *states) {
                        taking += slot.takesTraffic() ? 1 : 0;
                        listing += " " + slot.name + "@" + slot.address + ":" +
                                   std::to_string(slot.port) + " w" +
                                   std::to_string(slot.userWeight) + " a" +
                                   std::to_string(slot.adminState);
                    }
                }
                if (m_problem.empty() && (!states || taking == 0)) {
                    m_problem = "sample " + std::to_string(m_samples) + ": backend " + backend +
                                (states ? " has no slot taking traffic:" + listing
                                        : " unreadable: " + states.status().message());
                }
            }
            ++m_samples;
            lock.lock();
            // The sampling period; stop() wakes it at once.
            m_wake.wait_for(lock, 20ms, [this] { return m_stopped; });
        }
    }

    const std::string m_socket;
    const std::vector<std::string> m_backends;
    std::mutex m_mutex;
    std::condition_variable m_wake;
    bool m_stopped = false;
    int m_samples = 0;
    std::string m_problem;
    std::thread m_thread;
};

} // namespace

class HaRolloutTest : public QObject {
    Q_OBJECT

private slots:
    void init();
    void cleanup();
    void followersForwardRolloutCalls();
    void leaderKilledDuringBlueGreenAndCanary();

private:
    std::shared_ptr<grpc::Channel> replicaChannel(int index) const;
    std::unique_ptr<v1::RolloutService::Stub> rolloutsVia(int index) const;
    // The first replica that is neither `leader` nor `killed`.
    int followerOf(int leader, int killed = -1) const;
    // Whether replica `index`'s GetStatus names replica `leader` as the leader.
    bool seesLeader(int index, int leader) const;
    v1::RolloutSpec specFor(const std::string &service, const std::string &version) const;
    grpc::Status start(int via, const v1::RolloutSpec &spec, v1::Rollout *out = nullptr);
    grpc::Status act(int via, const std::string &rpc, const std::string &id,
                     grpc::ClientContext *context = nullptr);
    v1::Rollout get(const std::string &id);
    bool reaches(const std::string &id, RolloutPhase phase,
                 std::chrono::milliseconds timeout = 30s);
    // Releases 1.0 of every service on blue (two instances), started through replica `via`.
    void releaseBlue(int via);
    Status startHaproxy();
    std::map<std::string, int> answersThroughHaproxy(const std::string &service, int count);
    // Whether `count` more requests pass through HAProxy (wrk's load is flowing).
    bool loadFlows(long count = 2000);
    std::unique_ptr<testing::ChildProcess> startWrk(const std::string &service);

    std::unique_ptr<HaCluster> m_cluster;
    std::shared_ptr<grpc::Channel> m_channel;
    std::filesystem::path m_tokenFile;
    std::unique_ptr<testing::HaproxyProcess> m_haproxy;
    std::string m_adminSocket;
    std::map<std::string, std::uint16_t> m_frontendPorts;
};

void HaRolloutTest::init() {
    AEGIS_REQUIRE_TOOL(testing::EtcdCluster::kBinary, testing::EtcdCluster::kPackage);
    AEGIS_REQUIRE_TOOL(testing::HaproxyProcess::kBinary, "haproxy");
    AEGIS_REQUIRE_TOOL(kWrk, "wrk");
    testing::HaClusterOptions options;
    // A leader that dies is replaced within about this long.
    options.extraConfig = "cluster:\n  leader_lease_ttl: 2s\n";
    auto cluster = HaCluster::start(options);
    QVERIFY2(cluster, cluster.status().message().c_str());
    m_cluster = std::move(*cluster);
    m_channel = *client::makeChannel(m_cluster->adminConnection());

    std::string secret;
    const grpc::Status created =
        testing::createToken(m_channel, "fleet", v1::ROLE_SERVICE, &secret, kServices);
    QVERIFY2(created.ok(), describe(created).c_str());
    m_tokenFile = m_cluster->dir() / "fleet.token";
    std::ofstream(m_tokenFile) << secret << "\n";

    // Checked every 200 ms: a sample passes on its first answer, so verification is quick. Only
    // five failures in a row (a second) make one critical: with wrk, three replicas, etcd and
    // HAProxy on two cores, a probe now and then misses a tight timeout, and a critical green
    // instance would roll the canary back.
    auto health = v1::HealthService::NewStub(m_channel);
    for (const std::string &service : kServices) {
        v1::UpdateHealthCheckRequest request;
        request.set_service(service);
        request.mutable_check()->set_kind("http");
        (*request.mutable_check()->mutable_options())["path"] = "/health";
        request.mutable_check()->set_interval_ms(200);
        request.mutable_check()->set_timeout_ms(200);
        request.mutable_check()->set_rise(1);
        request.mutable_check()->set_fall(5);
        v1::UpdateHealthCheckResponse response;
        grpc::ClientContext context;
        client::setTimeout(context, 5s);
        const grpc::Status set = health->UpdateHealthCheck(&context, request, &response);
        QVERIFY2(set.ok(), describe(set).c_str());
    }
    const Status haproxy = startHaproxy();
    QVERIFY2(haproxy.isOk(), haproxy.toString().c_str());
}

void HaRolloutTest::cleanup() {
    m_haproxy.reset();
    m_channel.reset();
    m_cluster.reset();
    // Deployments outlive aegisd by design; the test's own go with it (their command lines name
    // the token file in this test's temporary directory, removed with the cluster).
    if (!m_tokenFile.empty()) {
        testing::runCommand({"/usr/bin/pkill", "-KILL", "-f", m_tokenFile.string()});
        m_tokenFile.clear();
    }
}

std::shared_ptr<grpc::Channel> HaRolloutTest::replicaChannel(int index) const {
    return *client::makeChannel(m_cluster->replicaConnection(index));
}

std::unique_ptr<v1::RolloutService::Stub> HaRolloutTest::rolloutsVia(int index) const {
    return v1::RolloutService::NewStub(index < 0 ? m_channel : replicaChannel(index));
}

int HaRolloutTest::followerOf(int leader, int killed) const {
    for (int i = 0; i < m_cluster->size(); ++i) {
        if (i != leader && i != killed) {
            return i;
        }
    }
    return -1;
}

bool HaRolloutTest::seesLeader(int index, int leader) const {
    auto stub = v1::SystemService::NewStub(replicaChannel(index));
    grpc::ClientContext context;
    client::setTimeout(context, 5s);
    v1::GetStatusResponse response;
    if (!stub->GetStatus(&context, {}, &response).ok()) {
        return false;
    }
    const std::string port =
        m_cluster->grpcAddresses()[leader].substr(m_cluster->grpcAddresses()[leader].rfind(':'));
    const std::string &id = response.control_plane().leader_id();
    return id.size() > port.size() && id.compare(id.size() - port.size(), port.size(), port) == 0;
}

v1::RolloutSpec HaRolloutTest::specFor(const std::string &service,
                                       const std::string &version) const {
    v1::RolloutSpec spec;
    spec.set_service(service);
    spec.set_version(version);
    spec.set_driver("process");
    // The instances register and renew through every replica, so they outlive the leader.
    (*spec.mutable_driver_params())["command"] =
        std::string(AEGIS_SAMPLE_PATH) +
        " --service {service} --id {instance_id} --version {version} --color {color}"
        " --listen 127.0.0.1:{port} --aegis " +
        m_cluster->endpointList() + " --token-file " + m_tokenFile.string() + " --ttl 10s";
    (*spec.mutable_driver_params())["grace_period"] = "3s";
    spec.set_router("haproxy");
    auto &router = *spec.mutable_router_params();
    router["socket"] = m_adminSocket;
    router["backend"] = service;
    router["blue_servers"] = "blue-1,blue-2";
    router["green_servers"] = "green-1,green-2";
    router["bind_addresses"] = "true";
    spec.set_healthy_for_ms(300);
    // The replaced colour stays up for the whole test.
    spec.set_scale_down_delay_ms(300'000);
    return spec;
}

grpc::Status HaRolloutTest::start(int via, const v1::RolloutSpec &spec, v1::Rollout *out) {
    v1::StartRolloutRequest request;
    *request.mutable_spec() = spec;
    v1::StartRolloutResponse response;
    grpc::ClientContext context;
    client::setTimeout(context, 10s);
    const grpc::Status status = rolloutsVia(via)->StartRollout(&context, request, &response);
    if (out != nullptr) {
        *out = response.rollout();
    }
    return status;
}

grpc::Status HaRolloutTest::act(int via, const std::string &rpc, const std::string &id,
                                grpc::ClientContext *given) {
    v1::RolloutActionRequest request;
    request.set_id(id);
    request.set_reason("tst_ha_rollout");
    v1::RolloutActionResponse response;
    grpc::ClientContext own;
    grpc::ClientContext &context = given != nullptr ? *given : own;
    client::setTimeout(context, 10s);
    const auto stub = rolloutsVia(via);
    if (rpc == "promote") {
        return stub->PromoteRollout(&context, request, &response);
    }
    if (rpc == "abort") {
        return stub->AbortRollout(&context, request, &response);
    }
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "unknown action " + rpc);
}

v1::Rollout HaRolloutTest::get(const std::string &id) {
    auto stub = v1::RolloutService::NewStub(m_channel);
    v1::GetRolloutRequest request;
    request.set_id(id);
    v1::GetRolloutResponse response;
    grpc::ClientContext context;
    client::setTimeout(context, 5s);
    stub->GetRollout(&context, request, &response);
    return response.rollout();
}

bool HaRolloutTest::reaches(const std::string &id, RolloutPhase phase,
                            std::chrono::milliseconds timeout) {
    const bool reached = pollUntil([&] { return get(id).phase() == phase; }, timeout);
    if (!reached) {
        const auto rollout = get(id);
        qWarning("%s is %s, not %s: %s", id.c_str(), v1::RolloutPhase_Name(rollout.phase()).c_str(),
                 v1::RolloutPhase_Name(phase).c_str(), rollout.message().c_str());
    }
    return reached;
}

void HaRolloutTest::releaseBlue(int via) {
    for (const std::string &service : kServices) {
        v1::RolloutSpec spec = specFor(service, "1.0");
        spec.set_replicas(2);
        v1::Rollout first;
        const grpc::Status started = start(via, spec, &first);
        QVERIFY2(started.ok(), describe(started).c_str());
        QCOMPARE(first.id(), service + "-1");
        QCOMPARE(first.new_color(), std::string("blue"));
    }
    for (const std::string &service : kServices) {
        QVERIFY(reaches(service + "-1", v1::ROLLOUT_PHASE_SUCCEEDED));
        QCOMPARE(answersThroughHaproxy(service, 4), (std::map<std::string, int>{{"1.0/blue", 4}}));
    }
}

Status HaRolloutTest::startHaproxy() {
    m_adminSocket = (m_cluster->dir() / "admin.sock").string();
    auto process =
        testing::HaproxyProcess::start(m_cluster->dir(), m_adminSocket, kServices.size(),
                                       testing::HaproxyProcess::slottedRouterConfig(
                                           m_adminSocket, {kServices.begin(), kServices.end()},
                                           {"blue-1", "blue-2", "green-1", "green-2"}));
    if (!process) {
        return process.status();
    }
    m_haproxy = std::move(*process);
    for (std::size_t i = 0; i < kServices.size(); ++i) {
        m_frontendPorts[kServices[i]] = m_haproxy->ports()[i];
    }
    return Status::ok();
}

std::map<std::string, int> HaRolloutTest::answersThroughHaproxy(const std::string &service,
                                                                int count) {
    sample::KeepAliveHttpClient http(2s);
    std::map<std::string, int> answers;
    for (int i = 0; i < count; ++i) {
        const auto result =
            http.get("127.0.0.1:" + std::to_string(m_frontendPorts.at(service)), "/");
        ++answers[result.status == 200
                      ? servedBy(result.body)
                      : "HTTP " + std::to_string(result.status) + " " + result.error];
    }
    return answers;
}

bool HaRolloutTest::loadFlows(long count) {
    return testing::haproxyPassesRequests(m_adminSocket, count);
}

std::unique_ptr<testing::ChildProcess> HaRolloutTest::startWrk(const std::string &service) {
    return testing::ChildProcess::start(
        {kWrk, "-t1", "-c8", "-d120s",
         "http://127.0.0.1:" + std::to_string(m_frontendPorts.at(service)) + "/"},
        m_cluster->dir() / ("wrk-" + service + ".out"),
        m_cluster->dir() / ("wrk-" + service + ".err"));
}

// StartRollout and the actions sent to a follower are carried out by the leader, and answered
// with the leader's answer (its errors too); a call already forwarded once is refused, not
// forwarded again; a follower whose leader was just killed answers UNAVAILABLE naming why.
void HaRolloutTest::followersForwardRolloutCalls() {
    const auto leader = m_cluster->waitForLeader(20s);
    QVERIFY2(leader, leader.status().message().c_str());
    const int follower = followerOf(*leader);
    QVERIFY(pollUntil([&] { return seesLeader(follower, *leader); }));

    // Started through a follower: the leader runs the rollouts to the end.
    releaseBlue(follower);

    v1::RolloutSpec v2 = specFor("shop", "2.0");
    v2.set_require_approval(true);
    v1::Rollout second;
    const grpc::Status started = start(follower, v2, &second);
    QVERIFY2(started.ok(), describe(started).c_str());
    QCOMPARE(second.id(), std::string("shop-2"));
    // The leader's refusal comes back unchanged.
    const grpc::Status again = start(follower, v2);
    QCOMPARE(again.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
    QVERIFY2(again.error_message().find("already has an active rollout (shop-2") !=
                 std::string::npos,
             again.error_message().c_str());
    const grpc::Status unknown = act(follower, "abort", "nosuch-1");
    QCOMPARE(unknown.error_code(), grpc::StatusCode::NOT_FOUND);

    // Forwarding metadata a client sets itself, to pass for a replica and put another address in
    // the audit record, is refused by leader and follower alike: without a proof, or with one
    // made under another key.
    constexpr const char *kAbort = "/aegis.v1.RolloutService/AbortRollout";
    const auto secrets = config::SecretBox::openOrCreate(m_cluster->secretsKeyFile());
    QVERIFY2(secrets, secrets.status().message().c_str());
    const api::ForwardProof replicas((*secrets)->derivedKey(api::ForwardProof::kKeyLabel),
                                     std::make_shared<SystemClock>());
    const api::ForwardProof outsider(std::string(32, 'x'), std::make_shared<SystemClock>());
    for (const int via : {*leader, follower}) {
        for (const bool withProof : {false, true}) {
            grpc::ClientContext spoofed;
            spoofed.AddMetadata("aegis-forwarded-by", "another-replica");
            spoofed.AddMetadata("aegis-forwarded-for", "ipv4:10.9.9.9:1");
            if (withProof) {
                spoofed.AddMetadata("aegis-forwarded-proof",
                                    outsider.sign("another-replica", "ipv4:10.9.9.9:1", kAbort));
            }
            const grpc::Status spoof = act(via, "abort", second.id(), &spoofed);
            QCOMPARE(spoof.error_code(), grpc::StatusCode::UNAUTHENTICATED);
            QVERIFY2(spoof.error_message().find("aegis-forwarded-by") != std::string::npos &&
                         spoof.error_message().find("aegis-forwarded-proof") != std::string::npos,
                     spoof.error_message().c_str());
        }
    }
    QVERIFY(get(second.id()).phase() != v1::ROLLOUT_PHASE_ROLLED_BACK);

    // A call forwarded once, with the replicas' proof, is not forwarded again.
    grpc::ClientContext forwarded;
    forwarded.AddMetadata("aegis-forwarded-by", "another-replica");
    forwarded.AddMetadata("aegis-forwarded-for", "ipv4:10.9.9.9:1");
    forwarded.AddMetadata("aegis-forwarded-proof",
                          replicas.sign("another-replica", "ipv4:10.9.9.9:1", kAbort));
    const grpc::Status loop = act(follower, "abort", second.id(), &forwarded);
    QCOMPARE(loop.error_code(), grpc::StatusCode::UNAVAILABLE);
    QVERIFY2(loop.error_message().find("is not forwarded again") != std::string::npos,
             loop.error_message().c_str());
    QVERIFY(get(second.id()).phase() != v1::ROLLOUT_PHASE_ROLLED_BACK);

    // Aborted through a follower.
    QVERIFY(reaches(second.id(), v1::ROLLOUT_PHASE_AWAITING_APPROVAL));
    const grpc::Status aborted = act(follower, "abort", second.id());
    QVERIFY2(aborted.ok(), describe(aborted).c_str());
    QVERIFY(reaches(second.id(), v1::ROLLOUT_PHASE_ROLLED_BACK));
    // The leader audited the abort as forwarded by the follower; no spoofed call was audited.
    {
        v1::ListAuditRecordsRequest request;
        request.set_page_size(1000);
        v1::ListAuditRecordsResponse response;
        grpc::ClientContext context;
        client::setTimeout(context, 10s);
        const grpc::Status listed =
            v1::AuditService::NewStub(m_channel)->ListAuditRecords(&context, request, &response);
        QVERIFY2(listed.ok(), describe(listed).c_str());
        int forwardedAborts = 0;
        for (const v1::AuditRecord &record : response.records()) {
            QVERIFY2(record.peer().find("10.9.9.9") == std::string::npos, record.peer().c_str());
            if (record.method() == kAbort &&
                record.resource().find(second.id()) != std::string::npos &&
                record.peer().find("(forwarded by replica ") != std::string::npos) {
                ++forwardedAborts;
            }
        }
        QCOMPARE(forwardedAborts, 1);
    }
    QCOMPARE(answersThroughHaproxy("shop", 4), (std::map<std::string, int>{{"1.0/blue", 4}}));

    // The leader killed: until the followers see it gone (a lease TTL), they cannot reach it, and
    // then none leads for a moment. Either way the answer says so.
    m_cluster->kill(*leader);
    const grpc::Status orphaned = act(follower, "abort", "nosuch-1");
    QCOMPARE(orphaned.error_code(), grpc::StatusCode::UNAVAILABLE);
    QVERIFY2(orphaned.error_message().find("cannot be reached") != std::string::npos ||
                 orphaned.error_message().find("no replica leads now") != std::string::npos,
             orphaned.error_message().c_str());
}

// Under load through HAProxy: a blue-green rollout of shop is promoted through a follower and the
// leader is killed at once, while the router switches traffic; a canary of cart holds its first
// step (25 % on green) when the leader dies. The new leader completes shop's rollout and aborts
// cart's when a follower asks; no backend is ever without a slot taking traffic, and no request
// fails.
void HaRolloutTest::leaderKilledDuringBlueGreenAndCanary() {
    const auto leader = m_cluster->waitForLeader(20s);
    QVERIFY2(leader, leader.status().message().c_str());
    releaseBlue(-1);

    v1::RolloutSpec canary = specFor("cart", "2.0");
    canary.set_strategy(v1::ROLLOUT_STRATEGY_CANARY);
    canary.set_replicas(2);
    auto *step = canary.add_steps();
    step->set_weight(25);
    step->set_until_promoted(true);
    QVERIFY(start(-1, canary).ok());
    QVERIFY(pollUntil(
        [&] {
            const v1::Rollout rollout = get("cart-2");
            return rollout.phase() == v1::ROLLOUT_PHASE_SWITCHING && rollout.current_step() == 0 &&
                   rollout.step_applied();
        },
        30s));
    QCOMPARE(get("cart-2").traffic().green(), 25);

    v1::RolloutSpec blueGreen = specFor("shop", "2.0");
    blueGreen.set_require_approval(true);
    blueGreen.set_bake_time_ms(1000);
    QVERIFY(start(-1, blueGreen).ok());
    QVERIFY(reaches("shop-2", v1::ROLLOUT_PHASE_AWAITING_APPROVAL));

    RoutingSampler sampler(m_adminSocket, kServices);
    std::map<std::string, std::unique_ptr<testing::ChildProcess>> wrk;
    for (const std::string &service : kServices) {
        wrk[service] = startWrk(service);
        QVERIFY(wrk[service]);
    }
    QVERIFY(loadFlows());

    // Promoted through a follower; the leader dies as the router starts switching.
    const int follower = followerOf(*leader);
    QVERIFY(pollUntil([&] { return seesLeader(follower, *leader); }));
    const grpc::Status promoted = act(follower, "promote", "shop-2");
    QVERIFY2(promoted.ok(), describe(promoted).c_str());
    m_cluster->kill(*leader);
    const auto next = m_cluster->waitForLeader(20s, *leader);
    QVERIFY2(next, next.status().message().c_str());
    QVERIFY(*next != *leader);

    // The new leader resumes shop's rollout from its persisted state, to the end.
    QVERIFY(reaches("shop-2", v1::ROLLOUT_PHASE_SUCCEEDED, 30s));
    QCOMPARE(answersThroughHaproxy("shop", 4), (std::map<std::string, int>{{"2.0/green", 4}}));

    // cart's canary still holds its step under the new leader: both versions serve.
    const v1::Rollout held = get("cart-2");
    QCOMPARE(held.phase(), v1::ROLLOUT_PHASE_SWITCHING);
    QCOMPARE(held.traffic().green(), 25);
    QVERIFY(pollUntil([&] {
        const auto answers = answersThroughHaproxy("cart", 8);
        return answers.count("2.0/green") == 1 && answers.count("1.0/blue") == 1;
    }));
    // Aborted through the new leader's follower: traffic returns to blue.
    const int nextFollower = followerOf(*next, *leader);
    QVERIFY(pollUntil([&] { return seesLeader(nextFollower, *next); }));
    const grpc::Status aborted = act(nextFollower, "abort", "cart-2");
    QVERIFY2(aborted.ok(), describe(aborted).c_str());
    QVERIFY(reaches("cart-2", v1::ROLLOUT_PHASE_ROLLED_BACK));
    QCOMPARE(answersThroughHaproxy("cart", 4), (std::map<std::string, int>{{"1.0/blue", 4}}));

    sampler.stop();
    qInfo("HAProxy's backends sampled %d times", sampler.samples());
    QVERIFY(sampler.samples() > 10);
    QVERIFY2(sampler.problem().empty(), sampler.problem().c_str());
    for (const auto &[service, process] : wrk) {
        process->signal(SIGINT);
        QCOMPARE(process->wait(10s), std::optional<int>(0));
        const std::string output =
            testing::readFile(m_cluster->dir() / ("wrk-" + service + ".out"));
        qInfo("%s: %s", service.c_str(), output.c_str());
        const auto summary = testing::parseWrkSummary(output);
        QVERIFY2(summary, output.c_str());
        QVERIFY2(summary->requests > 1000, output.c_str());
        QVERIFY2(!summary->socketErrorsReported, output.c_str());
        QVERIFY2(!summary->non2xxReported, output.c_str());
    }
}

QTEST_GUILESS_MAIN(HaRolloutTest)
#include "tst_ha_rollout.moc"
