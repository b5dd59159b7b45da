// Rollouts through the real aegisd: the process driver starts real aegis-sample instances that
// register themselves, the registry router moves their traffic weights, and aegisd killed with
// SIGKILL while a rollout waits resumes it (or rolls it back) after a restart, with the fleet
// serving throughout.

#include "aegis/v1/auth.grpc.pb.h"
#include "aegis/v1/health.grpc.pb.h"
#include "aegis/v1/registry.grpc.pb.h"
#include "aegis/v1/rollout.grpc.pb.h"
#include "api_test_helpers.h"
#include "client/connection.h"
#include "client/discovery.h"
#include "daemon_process.h"
#include "poll_until.h"
#include "server_process.h"

#include <grpcpp/grpcpp.h>

#include <QtTest>

#include <cmath>
#include <fstream>
#include <map>

using namespace aegis;
using namespace std::chrono_literals;
using aegis::v1::RolloutPhase;

namespace {

std::string describe(const grpc::Status &status) {
    return std::to_string(static_cast<int>(status.error_code())) + ": " + status.error_message();
}

} // namespace

class RolloutApiTest : public QObject {
    Q_OBJECT

private slots:
    void init();
    void cleanup();
    void processDriverReleasesRealInstances();
    void canaryShareHoldsThroughEveryPicker();
    void firstRolloutNeverRoutesTheUnverifiedColour();
    void sigkillWhileWaitingResumes_data();
    void sigkillWhileWaitingResumes();
    void sigkillDuringProvisioningStartsNoDuplicates();
    void watchStreamsEveryTransition();
    void badRequestsAreRefused();

private:
    void startDaemon();
    aegis::v1::RolloutService::Stub &rollouts();
    aegis::v1::RolloutSpec specFor(const std::string &version) const;
    grpc::Status start(const aegis::v1::RolloutSpec &spec, aegis::v1::Rollout *out);
    grpc::Status act(const std::string &rpc, const std::string &id,
                     aegis::v1::Rollout *out = nullptr);
    aegis::v1::Rollout get(const std::string &id);
    bool reaches(const std::string &id, RolloutPhase phase,
                 std::chrono::milliseconds timeout = 30s);
    // The registered instances of "shop" by id, with their traffic weights.
    std::map<std::string, aegis::v1::Instance> instances();
    std::map<std::string, int> weightsByColor();
    void releaseBlue();

    std::unique_ptr<testing::TempDir> m_dir;
    std::string m_address;
    std::unique_ptr<testing::DaemonProcess> m_daemon;
    std::shared_ptr<grpc::Channel> m_channel;
    std::unique_ptr<aegis::v1::RolloutService::Stub> m_rollouts;
    std::filesystem::path m_tokenFile;
};

void RolloutApiTest::startDaemon() {
    testing::DaemonOptions options;
    options.dataDir = m_dir->path() / "data";
    options.grpcListen = m_address;
    options.logFile = m_dir->path() / "aegisd.log";
    auto daemon = testing::DaemonProcess::start(options);
    QVERIFY2(daemon, daemon.status().toString().c_str());
    m_daemon = std::move(*daemon);
    // A restart comes back at the address the first start got (port 0 the first time).
    m_address = m_daemon->grpcAddress();
    m_channel = *client::makeChannel(m_daemon->adminConnection());
    m_rollouts = aegis::v1::RolloutService::NewStub(m_channel);
}

void RolloutApiTest::init() {
    m_dir = std::make_unique<testing::TempDir>();
    m_address.clear();
    startDaemon();
    std::string secret;
    const grpc::Status created =
        testing::createToken(m_channel, "fleet", aegis::v1::ROLE_SERVICE, &secret, {"shop"});
    QVERIFY2(created.ok(), describe(created).c_str());
    m_tokenFile = m_dir->path() / "fleet.token";
    std::ofstream(m_tokenFile) << secret << "\n";

    // Checked every 200 ms: a sample passes on its first answer.
    auto health = aegis::v1::HealthService::NewStub(m_channel);
    aegis::v1::UpdateHealthCheckRequest request;
    request.set_service("shop");
    request.mutable_check()->set_kind("http");
    (*request.mutable_check()->mutable_options())["path"] = "/health";
    request.mutable_check()->set_interval_ms(200);
    request.mutable_check()->set_timeout_ms(150);
    request.mutable_check()->set_rise(1);
    request.mutable_check()->set_fall(2);
    aegis::v1::UpdateHealthCheckResponse response;
    grpc::ClientContext context;
    client::setTimeout(context, 5s);
    const grpc::Status set = health->UpdateHealthCheck(&context, request, &response);
    QVERIFY2(set.ok(), describe(set).c_str());
}

void RolloutApiTest::cleanup() {
    if (m_daemon) {
        m_daemon->terminate();
    }
    // Deployments outlive aegisd by design; the test's own go with it.
    testing::runCommand({"/usr/bin/pkill", "-KILL", "-f", m_tokenFile.string()});
    m_rollouts.reset();
    m_channel.reset();
    m_daemon.reset();
    m_dir.reset();
}

aegis::v1::RolloutService::Stub &RolloutApiTest::rollouts() {
    return *m_rollouts;
}

aegis::v1::RolloutSpec RolloutApiTest::specFor(const std::string &version) const {
    aegis::v1::RolloutSpec spec;
    spec.set_service("shop");
    spec.set_version(version);
    spec.set_driver("process");
    (*spec.mutable_driver_params())["command"] =
        std::string(AEGIS_SAMPLE_PATH) +
        " --service {service} --id {instance_id} --version {version} --color {color}"
        " --listen 127.0.0.1:{port} --aegis " +
        m_address + " --token-file " + m_tokenFile.string() + " --ttl 10s";
    (*spec.mutable_driver_params())["grace_period"] = "3s";
    spec.set_router("registry");
    spec.set_healthy_for_ms(300);
    spec.set_scale_down_delay_ms(60'000);
    return spec;
}

grpc::Status RolloutApiTest::start(const aegis::v1::RolloutSpec &spec, aegis::v1::Rollout *out) {
    aegis::v1::StartRolloutRequest request;
    *request.mutable_spec() = spec;
    aegis::v1::StartRolloutResponse response;
    grpc::ClientContext context;
    client::setTimeout(context, 10s);
    const grpc::Status status = rollouts().StartRollout(&context, request, &response);
    if (out != nullptr) {
        *out = response.rollout();
    }
    return status;
}

grpc::Status RolloutApiTest::act(const std::string &rpc, const std::string &id,
                                 aegis::v1::Rollout *out) {
    aegis::v1::RolloutActionRequest request;
    request.set_id(id);
    request.set_reason("tst_rollout_api");
    aegis::v1::RolloutActionResponse response;
    grpc::ClientContext context;
    client::setTimeout(context, 10s);
    grpc::Status status;
    if (rpc == "promote") {
        status = rollouts().PromoteRollout(&context, request, &response);
    } else if (rpc == "abort") {
        status = rollouts().AbortRollout(&context, request, &response);
    } else if (rpc == "undo") {
        status = rollouts().UndoRollout(&context, request, &response);
    } else {
        status = grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "unknown action " + rpc);
    }
    if (out != nullptr) {
        *out = response.rollout();
    }
    return status;
}

aegis::v1::Rollout RolloutApiTest::get(const std::string &id) {
    aegis::v1::GetRolloutRequest request;
    request.set_id(id);
    aegis::v1::GetRolloutResponse response;
    grpc::ClientContext context;
    client::setTimeout(context, 5s);
    rollouts().GetRollout(&context, request, &response);
    return response.rollout();
}

bool RolloutApiTest::reaches(const std::string &id, RolloutPhase phase,
                             std::chrono::milliseconds timeout) {
    const bool reached = testing::pollUntil([&] { return get(id).phase() == phase; }, timeout);
    if (!reached) {
        const auto rollout = get(id);
        qWarning("%s is %s: %s", id.c_str(), aegis::v1::RolloutPhase_Name(rollout.phase()).c_str(),
                 rollout.message().c_str());
    }
    return reached;
}

std::map<std::string, aegis::v1::Instance> RolloutApiTest::instances() {
    auto registry = aegis::v1::RegistryService::NewStub(m_channel);
    aegis::v1::ListInstancesRequest request;
    request.set_service("shop");
    request.set_include_unroutable(true);
    aegis::v1::ListInstancesResponse response;
    grpc::ClientContext context;
    client::setTimeout(context, 5s);
    std::map<std::string, aegis::v1::Instance> result;
    if (registry->ListInstances(&context, request, &response).ok()) {
        for (const auto &instance : response.instances()) {
            result[instance.id()] = instance;
        }
    }
    return result;
}

std::map<std::string, int> RolloutApiTest::weightsByColor() {
    std::map<std::string, int> weights;
    for (const auto &[id, instance] : instances()) {
        weights[instance.labels().at("color")] += instance.traffic_weight();
    }
    return weights;
}

// The first release: two blue instances of 1.0, live.
void RolloutApiTest::releaseBlue() {
    aegis::v1::RolloutSpec spec = specFor("1.0");
    spec.set_replicas(2);
    aegis::v1::Rollout first;
    const grpc::Status started = start(spec, &first);
    QVERIFY2(started.ok(), describe(started).c_str());
    QCOMPARE(first.id(), std::string("shop-1"));
    QVERIFY(reaches(first.id(), aegis::v1::ROLLOUT_PHASE_SUCCEEDED));
    QCOMPARE(instances().size(), std::size_t{2});
}

void RolloutApiTest::processDriverReleasesRealInstances() {
    releaseBlue();
    QCOMPARE(weightsByColor(), (std::map<std::string, int>{{"blue", 10000}}));

    aegis::v1::RolloutSpec spec = specFor("2.0");
    spec.set_scale_down_delay_ms(1000);
    aegis::v1::Rollout second;
    QVERIFY(start(spec, &second).ok());
    QCOMPARE(second.id(), std::string("shop-2"));
    QCOMPARE(second.new_color(), std::string("green"));
    QCOMPARE(second.spec().replicas(), 2); // as many as blue runs
    QVERIFY(reaches(second.id(), aegis::v1::ROLLOUT_PHASE_SUCCEEDED));
    QCOMPARE(weightsByColor(), (std::map<std::string, int>{{"blue", 0}, {"green", 10000}}));

    // Blue is scaled down once the delay has passed: its processes stop and deregister.
    QVERIFY(testing::pollUntil(
        [&] {
            const auto now = instances();
            return now.size() == 2 && now.count("shop-green-1") == 1 &&
                   now.count("shop-green-2") == 1;
        },
        20s));

    // ... and once its processes have exited, the release forgets it.
    aegis::v1::ListReleasesResponse releases;
    QVERIFY(testing::pollUntil([&] {
        grpc::ClientContext context;
        client::setTimeout(context, 5s);
        releases.Clear();
        return rollouts().ListReleases(&context, {}, &releases).ok() &&
               releases.releases_size() == 1 && releases.releases(0).deployments_size() == 1;
    }));
    QCOMPARE(releases.releases(0).live_color(), std::string("green"));
    QCOMPARE(releases.releases(0).live_version(), std::string("2.0"));

    // The log tells what happened; the audit log has every transition.
    aegis::v1::ListRolloutLogRequest logRequest;
    logRequest.set_rollout_id("shop-2");
    aegis::v1::ListRolloutLogResponse log;
    {
        grpc::ClientContext context;
        client::setTimeout(context, 5s);
        QVERIFY(rollouts().ListRolloutLog(&context, logRequest, &log).ok());
    }
    QVERIFY(log.lines_size() >= 2);
    QCOMPARE(log.lines(0).line(), std::string("rollout created"));
    const auto phases = get("shop-2").transitions();
    QCOMPARE(phases.rbegin()->phase(), aegis::v1::ROLLOUT_PHASE_SUCCEEDED);
}

// A 10 % canary step as a service owner's callers see it: Discovery follows the registry's
// traffic weights, and every picker sends the canary 10 % of the requests.
void RolloutApiTest::canaryShareHoldsThroughEveryPicker() {
    releaseBlue();
    aegis::v1::RolloutSpec spec = specFor("2.0");
    spec.set_replicas(1);
    spec.set_strategy(aegis::v1::ROLLOUT_STRATEGY_CANARY);
    auto *step = spec.add_steps();
    step->set_weight(10);
    step->set_until_promoted(true);
    aegis::v1::Rollout rollout;
    QVERIFY(start(spec, &rollout).ok());
    QVERIFY(reaches(rollout.id(), aegis::v1::ROLLOUT_PHASE_SWITCHING));
    QVERIFY(testing::pollUntil([&] {
        return weightsByColor() == std::map<std::string, int>{{"blue", 9000}, {"green", 1000}};
    }));

    constexpr int kPicks = 100000;
    for (const auto strategy : {client::Strategy::RoundRobin, client::Strategy::WeightedRoundRobin,
                                client::Strategy::Random, client::Strategy::LeastRequest,
                                client::Strategy::ConsistentHash}) {
        client::DiscoveryOptions options;
        options.service = "shop";
        options.strategy = strategy;
        options.outcomeReportInterval = 0ms;
        auto discovery = client::Discovery::start(m_channel, options);
        QVERIFY(discovery.isOk());
        QVERIFY(testing::pollUntil([&] { return (*discovery)->pickable().size() == 3; }));
        int green = 0;
        for (int i = 0; i < kPicks; ++i) {
            const auto pick = (*discovery)->pick("user-" + std::to_string(i));
            green += pick->endpoint.labels.at("color") == "green" ? 1 : 0;
        }
        // Four standard deviations of the sampling error; the ring's points are a sample too.
        double variance = 0.09 / kPicks;
        if (strategy == client::Strategy::ConsistentHash) {
            variance += 0.09 / (3 * client::PickerOptions{}.virtualNodes + 1);
        }
        const double share = double(green) / kPicks;
        QVERIFY2(std::abs(share - 0.1) <= 4 * std::sqrt(variance) + 1.0 / kPicks,
                 ("strategy " + std::to_string(static_cast<int>(strategy)) + ": green share " +
                  std::to_string(share))
                     .c_str());
    }
}

// A service whose live colour was started outside any rollout: its first rollout keeps the new
// colour at weight 0, and Discovery's picker sends it nothing, from its first registration
// through verification until the rollout moves traffic.
void RolloutApiTest::firstRolloutNeverRoutesTheUnverifiedColour() {
    std::vector<std::unique_ptr<testing::ServerProcess>> live;
    for (const std::string id : {"shop-live-1", "shop-live-2"}) {
        live.push_back(std::make_unique<testing::ServerProcess>(id, m_dir->path() / (id + ".log")));
        const Status launched = live.back()->launch(
            {AEGIS_SAMPLE_PATH, "--service", "shop", "--id", id, "--version", "1.0", "--color",
             "blue", "--aegis", m_address, "--token-file", m_tokenFile.string(), "--ttl", "10s",
             "--otlp-endpoint", ""},
            [&] {
                const auto now = instances();
                const auto it = now.find(id);
                return it != now.end() && it->second.routable();
            },
            20s);
        QVERIFY2(launched.isOk(), launched.toString().c_str());
    }
    QCOMPARE(weightsByColor(), (std::map<std::string, int>{{"blue", 200}}));

    client::DiscoveryOptions options;
    options.service = "shop";
    options.outcomeReportInterval = 0ms;
    auto discovery = client::Discovery::start(m_channel, options);
    QVERIFY(discovery.isOk());
    QVERIFY(testing::pollUntil([&] { return (*discovery)->pickable().size() == 2; }));

    aegis::v1::RolloutSpec spec = specFor("2.0");
    spec.set_replicas(1);
    spec.set_require_approval(true);
    aegis::v1::Rollout rollout;
    const grpc::Status started = start(spec, &rollout);
    QVERIFY2(started.ok(), describe(started).c_str());
    QCOMPARE(rollout.new_color(), std::string("green"));

    // Until it waits for approval, every look at the registry and every pick sees green at 0.
    bool greenSeen = false;
    int greenPicks = 0;
    const auto look = [&] {
        for (const auto &[id, instance] : instances()) {
            if (instance.labels().at("color") == "green") {
                greenSeen = true;
                if (instance.traffic_weight() != 0) {
                    qWarning("%s has traffic_weight %d", id.c_str(), instance.traffic_weight());
                    return false;
                }
            }
        }
        for (int i = 0; i < 100; ++i) {
            const auto pick = (*discovery)->pick();
            greenPicks += pick && pick->endpoint.labels.at("color") == "green" ? 1 : 0;
        }
        return greenPicks == 0;
    };
    bool violated = false;
    QVERIFY(testing::pollUntil(
        [&] {
            violated = !look();
            return violated ||
                   get(rollout.id()).phase() == aegis::v1::ROLLOUT_PHASE_AWAITING_APPROVAL;
        },
        60s));
    QVERIFY(!violated);
    QVERIFY(look());
    QVERIFY(greenSeen);
    QCOMPARE(greenPicks, 0);
    const auto waiting = get(rollout.id());
    QCOMPARE(waiting.phase(), aegis::v1::ROLLOUT_PHASE_AWAITING_APPROVAL);
    QCOMPARE(waiting.traffic().green(), 0);
    QCOMPARE(weightsByColor(), (std::map<std::string, int>{{"blue", 10000}, {"green", 0}}));

    // Approved, the rollout moves traffic, and then the picker follows it.
    QVERIFY(act("promote", rollout.id()).ok());
    QVERIFY(reaches(rollout.id(), aegis::v1::ROLLOUT_PHASE_SUCCEEDED));
    QCOMPARE(weightsByColor(), (std::map<std::string, int>{{"blue", 0}, {"green", 10000}}));
    QVERIFY(testing::pollUntil([&] {
        const auto pick = (*discovery)->pick();
        return pick && pick->endpoint.labels.at("color") == "green";
    }));
}

void RolloutApiTest::sigkillWhileWaitingResumes_data() {
    QTest::addColumn<int>("waitingIn");
    QTest::newRow("awaiting approval")
        << static_cast<int>(aegis::v1::ROLLOUT_PHASE_AWAITING_APPROVAL);
    QTest::newRow("switching (canary at 30%)")
        << static_cast<int>(aegis::v1::ROLLOUT_PHASE_SWITCHING);
    QTest::newRow("baking") << static_cast<int>(aegis::v1::ROLLOUT_PHASE_BAKING);
}

void RolloutApiTest::sigkillWhileWaitingResumes() {
    QFETCH(int, waitingIn);
    const auto phase = static_cast<RolloutPhase>(waitingIn);
    releaseBlue();
    aegis::v1::RolloutSpec spec = specFor("2.0");
    spec.set_replicas(1);
    if (phase == aegis::v1::ROLLOUT_PHASE_AWAITING_APPROVAL) {
        spec.set_require_approval(true);
    } else if (phase == aegis::v1::ROLLOUT_PHASE_SWITCHING) {
        spec.set_strategy(aegis::v1::ROLLOUT_STRATEGY_CANARY);
        auto *step = spec.add_steps();
        step->set_weight(30);
        step->set_until_promoted(true);
    } else {
        spec.set_bake_time_ms(3'600'000);
    }
    aegis::v1::Rollout rollout;
    QVERIFY(start(spec, &rollout).ok());
    const std::string id = rollout.id();
    QVERIFY(reaches(id, phase));
    std::map<std::string, int> before;
    QVERIFY(testing::pollUntil([&] {
        before = weightsByColor();
        return phase != aegis::v1::ROLLOUT_PHASE_SWITCHING || before["green"] == 3000;
    }));

    m_daemon->kill();
    startDaemon();
    // Same phase, same split, every instance still there (the processes outlived aegisd).
    QCOMPARE(get(id).phase(), phase);
    QCOMPARE(weightsByColor(), before);
    QVERIFY(testing::pollUntil([&] { return instances().size() == 3; }));

    if (phase == aegis::v1::ROLLOUT_PHASE_AWAITING_APPROVAL) {
        // Resumed: approving finishes it.
        QVERIFY(act("promote", id).ok());
        QVERIFY(reaches(id, aegis::v1::ROLLOUT_PHASE_SUCCEEDED));
        QCOMPARE(weightsByColor()["green"], 10000);
        QCOMPARE(weightsByColor()["blue"], 0);
        return;
    }
    // Rolled back: traffic back on blue at once.
    aegis::v1::Rollout aborted;
    const grpc::Status status = act("abort", id, &aborted);
    QVERIFY2(status.ok(), describe(status).c_str());
    QVERIFY(reaches(id, aegis::v1::ROLLOUT_PHASE_ROLLED_BACK));
    QCOMPARE(weightsByColor(), (std::map<std::string, int>{{"blue", 10000}, {"green", 0}}));
    // Green is kept for inspection.
    QVERIFY(instances().count("shop-green-1") == 1);
}

void RolloutApiTest::sigkillDuringProvisioningStartsNoDuplicates() {
    releaseBlue();
    aegis::v1::RolloutSpec spec = specFor("2.0");
    aegis::v1::Rollout rollout;
    QVERIFY(start(spec, &rollout).ok());
    // Killed as soon as the rollout is acknowledged: provisioning has begun or is about to.
    m_daemon->kill();
    startDaemon();
    QVERIFY(reaches(rollout.id(), aegis::v1::ROLLOUT_PHASE_SUCCEEDED));
    QCOMPARE(weightsByColor(), (std::map<std::string, int>{{"blue", 0}, {"green", 10000}}));
    // Exactly the two green instances: processes started before the kill were adopted, not
    // doubled.
    const auto pgrep = testing::runCommand({"/usr/bin/pgrep", "-f", "id shop-green-"});
    const auto lines = std::count(pgrep.out.begin(), pgrep.out.end(), '\n');
    QCOMPARE(static_cast<int>(lines), 2);
}

void RolloutApiTest::watchStreamsEveryTransition() {
    grpc::ClientContext context;
    client::setTimeout(context, 60s);
    aegis::v1::WatchRolloutsRequest request;
    request.set_service("shop");
    auto reader = rollouts().WatchRollouts(&context, request);
    aegis::v1::WatchRolloutsResponse first;
    QVERIFY(reader->Read(&first));

    aegis::v1::RolloutSpec spec = specFor("1.0");
    spec.set_replicas(1);
    aegis::v1::Rollout rollout;
    QVERIFY(start(spec, &rollout).ok());
    std::vector<RolloutPhase> phases;
    bool sawRelease = false;
    bool sawLog = false;
    aegis::v1::WatchRolloutsResponse response;
    while (reader->Read(&response)) {
        for (const auto &event : response.events()) {
            if (event.has_rollout() &&
                (phases.empty() || phases.back() != event.rollout().phase())) {
                phases.push_back(event.rollout().phase());
            }
            // Each rollout event says what may be done with it at that point.
            if (event.has_rollout()) {
                QCOMPARE(event.rollout().available_actions_size(), 6);
            }
            sawRelease |= event.has_release();
            sawLog |= event.has_log_line();
        }
        if (!phases.empty() && phases.back() == aegis::v1::ROLLOUT_PHASE_SUCCEEDED) {
            break;
        }
    }
    context.TryCancel();
    QCOMPARE(phases, (std::vector<RolloutPhase>{
                         aegis::v1::ROLLOUT_PHASE_PENDING, aegis::v1::ROLLOUT_PHASE_PROVISIONING,
                         aegis::v1::ROLLOUT_PHASE_VERIFYING, aegis::v1::ROLLOUT_PHASE_SWITCHING,
                         aegis::v1::ROLLOUT_PHASE_BAKING, aegis::v1::ROLLOUT_PHASE_FINALIZING,
                         aegis::v1::ROLLOUT_PHASE_SUCCEEDED}));
    QVERIFY(sawRelease);
    QVERIFY(sawLog);
}

void RolloutApiTest::badRequestsAreRefused() {
    struct Case {
        const char *name;
        std::function<void(aegis::v1::RolloutSpec &)> edit;
        grpc::StatusCode code;
        const char *mentions;
    };
    const std::vector<Case> cases = {
        {"bad service", [](auto &s) { s.set_service("Shop!"); }, grpc::INVALID_ARGUMENT,
         "spec.service"},
        {"no version", [](auto &s) { s.clear_version(); }, grpc::INVALID_ARGUMENT, "spec.version"},
        {"unknown driver", [](auto &s) { s.set_driver("helm"); }, grpc::INVALID_ARGUMENT,
         "spec.driver"},
        {"no command", [](auto &s) { s.mutable_driver_params()->erase("command"); },
         grpc::INVALID_ARGUMENT, "command"},
        {"haproxy without socket",
         [](auto &s) {
             s.set_router("haproxy");
             s.clear_router_params();
         },
         grpc::INVALID_ARGUMENT, "socket"},
        {"strategy", [](auto &s) { s.set_strategy(static_cast<aegis::v1::RolloutStrategy>(7)); },
         grpc::INVALID_ARGUMENT, "spec.strategy"},
        {"step weight",
         [](auto &s) {
             s.set_strategy(aegis::v1::ROLLOUT_STRATEGY_CANARY);
             s.add_steps()->set_weight(101);
         },
         grpc::INVALID_ARGUMENT, "spec.steps[0].weight"},
        {"analysis condition",
         [](auto &s) {
             auto *check = s.mutable_analysis()->add_checks();
             check->set_name("errors");
             check->set_query("vector(0)");
             check->set_success_condition("result ~ 1");
         },
         grpc::INVALID_ARGUMENT, "spec.analysis.checks[0].success_condition"},
        {"analysis stage",
         [](auto &s) {
             auto *check = s.mutable_analysis()->add_checks();
             check->set_name("errors");
             check->set_query("vector(0)");
             check->set_success_condition("result < 1");
             check->add_run_during(static_cast<aegis::v1::AnalysisStage>(9));
         },
         grpc::INVALID_ARGUMENT, "spec.analysis.checks[0].run_during[0]"},
        {"comparison window",
         [](auto &s) {
             auto *comparison = s.mutable_analysis()->mutable_canary_comparison();
             comparison->set_enabled(true);
             comparison->set_window_ms(10'000);
         },
         grpc::INVALID_ARGUMENT, "spec.analysis.canary_comparison.window_ms"},
        // Test daemons run with metrics.backend none.
        {"analysis without metrics",
         [](auto &s) {
             auto *check = s.mutable_analysis()->add_checks();
             check->set_name("errors");
             check->set_query("vector(0)");
             check->set_success_condition("result < 1");
         },
         grpc::FAILED_PRECONDITION, "metrics.backend: none"},
    };
    for (const Case &c : cases) {
        aegis::v1::RolloutSpec spec = specFor("9.9");
        c.edit(spec);
        const grpc::Status status = start(spec, nullptr);
        QVERIFY2(status.error_code() == c.code,
                 (std::string(c.name) + ": " + describe(status)).c_str());
        QVERIFY2(status.error_message().find(c.mentions) != std::string::npos,
                 (std::string(c.name) + ": " + status.error_message()).c_str());
    }
    // Unknown ids and actions that do not apply.
    QCOMPARE(act("abort", "shop-42").error_code(), grpc::NOT_FOUND);
    QCOMPARE(act("abort", "nonsense").error_code(), grpc::INVALID_ARGUMENT);
    releaseBlue();
    const grpc::Status finished = act("promote", "shop-1");
    QCOMPARE(finished.error_code(), grpc::FAILED_PRECONDITION);
    QVERIFY(finished.error_message().find("succeeded") != std::string::npos);
    // The rollout's available actions said so, with the same reason; ListRollouts says it too.
    const aegis::v1::Rollout done = get("shop-1");
    QCOMPARE(done.available_actions_size(), 6);
    const aegis::v1::AvailableAction &promote = done.available_actions(0);
    QCOMPARE(promote.action(), aegis::v1::ROLLOUT_ACTION_KIND_PROMOTE);
    QVERIFY(!promote.enabled());
    QVERIFY2(!promote.disabled_reason().empty() &&
                 finished.error_message().find(promote.disabled_reason()) != std::string::npos,
             finished.error_message().c_str());
    {
        grpc::ClientContext context;
        client::setTimeout(context, 10s);
        aegis::v1::ListRolloutsRequest request;
        request.set_service("shop");
        aegis::v1::ListRolloutsResponse listed;
        QVERIFY(rollouts().ListRollouts(&context, request, &listed).ok());
        QCOMPARE(listed.rollouts_size(), 1);
        QCOMPARE(listed.rollouts(0).available_actions_size(), 6);
        QCOMPARE(listed.rollouts(0).available_actions(0).disabled_reason(),
                 promote.disabled_reason());
    }
    // One active rollout per service.
    aegis::v1::RolloutSpec waiting = specFor("2.0");
    waiting.set_require_approval(true);
    aegis::v1::Rollout active;
    QVERIFY(start(waiting, &active).ok());
    const grpc::Status second = start(specFor("3.0"), nullptr);
    QCOMPARE(second.error_code(), grpc::FAILED_PRECONDITION);
    QVERIFY(second.error_message().find(active.id()) != std::string::npos);
    // The daemon is still fine.
    QVERIFY(act("abort", active.id()).ok());
    QVERIFY(reaches(active.id(), aegis::v1::ROLLOUT_PHASE_ROLLED_BACK));
}

QTEST_GUILESS_MAIN(RolloutApiTest)
#include "tst_rollout_api.moc"
