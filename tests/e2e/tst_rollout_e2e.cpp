// Rollouts end to end, judged from the traffic's side: the real aegisd deploys real aegis-sample
// instances with the process driver and moves live load between them.
//   - HAProxy: a real HAProxy 2.6 whose slots the haproxy router points at the instances
//     (bind_addresses); wrk drives load through it while rollouts are promoted, undone and aborted,
//     and must see no failed request.
//   - Registry: libaegis-client's Discovery carries the split; aegis-loadgen sends traffic through
//     a switch and an abort without a failed request, and a version that answers every request
//     with 500 is ejected by the callers' reports during its bake and rolled back on its own.

#include "../sample/child_process.h"
#include "aegis/v1/health.grpc.pb.h"
#include "aegis/v1/registry.grpc.pb.h"
#include "aegis/v1/rollout.grpc.pb.h"
#include "api_test_helpers.h"
#include "client/connection.h"
#include "daemon_process.h"
#include "haproxy_admin.h"
#include "haproxy_process.h"
#include "poll_until.h"
#include "required_tool.h"
#include "rollout/haproxy_runtime.h"
#include "sample/keep_alive_http_client.h"
#include "wrk_summary.h"

#include <grpcpp/grpcpp.h>

#include <QtTest>

#include <csignal>
#include <fstream>
#include <map>
#include <optional>
#include <regex>

using namespace aegis;
using namespace std::chrono_literals;
using aegis::v1::RolloutPhase;

namespace {

constexpr const char *kWrk = "/usr/bin/wrk";

std::string describe(const grpc::Status &status) {
    return std::to_string(static_cast<int>(status.error_code())) + ": " + status.error_message();
}

// The counters of aegis-loadgen's final summary line.
struct LoadgenSummary {
    long ok = -1;
    long failed = -1;
};

std::optional<LoadgenSummary> loadgenSummary(const std::string &output) {
    static const std::regex line(R"(final: ok=(\d+) failed=(\d+))");
    std::smatch match;
    if (!std::regex_search(output, match, line)) {
        return std::nullopt;
    }
    return LoadgenSummary{std::stol(match[1]), std::stol(match[2])};
}

// Whether some interval line of aegis-loadgen reports requests that succeeded.
bool loadgenReportedTraffic(const std::string &output) {
    static const std::regex line(R"(\] ok=[1-9])");
    return std::regex_search(output, line);
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

const rollout::ServerState *findServer(const std::vector<rollout::ServerState> &states,
                                       const std::string &name) {
    for (const auto &state : states) {
        if (state.name == name) {
            return &state;
        }
    }
    return nullptr;
}

} // namespace

class RolloutE2eTest : public QObject {
    Q_OBJECT

private slots:
    void init();
    void cleanup();
    void haproxySwitchUndoAndAbortUnderLoad();
    void registrySwitchAndAbortUnderDiscoveryLoad();
    void failingVersionIsEjectedAndRolledBack();

private:
    aegis::v1::RolloutSpec specFor(const std::string &version, const std::string &router) const;
    grpc::Status start(const aegis::v1::RolloutSpec &spec, aegis::v1::Rollout *out);
    grpc::Status act(const std::string &rpc, const std::string &id);
    aegis::v1::Rollout get(const std::string &id);
    bool reaches(const std::string &id, RolloutPhase phase,
                 std::chrono::milliseconds timeout = 30s);
    // The instances of "shop" by id, unroutable ones included.
    std::map<std::string, aegis::v1::Instance> instances();
    std::map<std::string, int> weightsByColor();
    // The addresses of the registered instances of one colour, sorted.
    std::vector<std::string> addressesOf(const std::string &color);
    // Requests to "/" an instance answered 200, from its /metrics; -1 when unreachable.
    long servedRequests(const std::string &address);
    long servedByColor(const std::string &color);
    // Releases 1.0 on blue (two instances) with `router`: the service's first rollout.
    void releaseBlue(const std::string &router);
    std::unique_ptr<testing::ChildProcess> startLoadgen(const std::string &name);

    // HAProxy.
    Status startHaproxy();
    std::map<std::string, std::string> haproxyParams() const;
    StatusOr<std::vector<rollout::ServerState>> serversState();
    // Whether `count` more requests pass through HAProxy (wrk's load is flowing).
    bool loadFlows(long count = 2000);
    // version/color of `count` answers through HAProxy, by how often each came.
    std::map<std::string, int> answersThroughHaproxy(int count);

    std::unique_ptr<testing::TempDir> m_dir;
    std::unique_ptr<testing::DaemonProcess> m_daemon;
    std::shared_ptr<grpc::Channel> m_channel;
    std::unique_ptr<aegis::v1::RolloutService::Stub> m_rollouts;
    std::filesystem::path m_tokenFile;
    std::unique_ptr<testing::HaproxyProcess> m_haproxy;
    std::string m_adminSocket;
    std::uint16_t m_frontendPort = 0;
};

void RolloutE2eTest::init() {
    m_dir = std::make_unique<testing::TempDir>();
    // Callers' reports may eject up to half of the service: the two new instances of four.
    const auto config = m_dir->path() / "aegisd.yaml";
    std::ofstream(config) << "health:\n  outlier:\n    consecutive_failures: 5\n"
                             "    max_ejected_percent: 50\n";
    testing::DaemonOptions options;
    options.dataDir = m_dir->path() / "data";
    options.logFile = m_dir->path() / "aegisd.log";
    options.extraArgs = {"--config", config.string()};
    auto daemon = testing::DaemonProcess::start(options);
    QVERIFY2(daemon, daemon.status().toString().c_str());
    m_daemon = std::move(*daemon);
    m_channel = *client::makeChannel(m_daemon->adminConnection());
    m_rollouts = aegis::v1::RolloutService::NewStub(m_channel);

    std::string secret;
    const grpc::Status created =
        testing::createToken(m_channel, "fleet", aegis::v1::ROLE_SERVICE, &secret, {"shop"});
    QVERIFY2(created.ok(), describe(created).c_str());
    m_tokenFile = m_dir->path() / "fleet.token";
    std::ofstream(m_tokenFile) << secret << "\n";

    // Checked every 200 ms: a sample passes on its first answer, so verification is quick.
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

void RolloutE2eTest::cleanup() {
    if (m_daemon) {
        m_daemon->terminate();
    }
    // Deployments outlive aegisd by design; the test's own go with it (their command lines name
    // the token file in this test's temporary directory).
    if (!m_tokenFile.empty()) {
        testing::runCommand({"/usr/bin/pkill", "-KILL", "-f", m_tokenFile.string()});
    }
    m_haproxy.reset();
    m_rollouts.reset();
    m_channel.reset();
    m_daemon.reset();
    m_tokenFile.clear();
    m_dir.reset();
}

aegis::v1::RolloutSpec RolloutE2eTest::specFor(const std::string &version,
                                               const std::string &router) const {
    aegis::v1::RolloutSpec spec;
    spec.set_service("shop");
    spec.set_version(version);
    spec.set_driver("process");
    (*spec.mutable_driver_params())["command"] =
        std::string(AEGIS_SAMPLE_PATH) +
        " --service {service} --id {instance_id} --version {version} --color {color}"
        " --listen 127.0.0.1:{port} --aegis " +
        m_daemon->grpcAddress() + " --token-file " + m_tokenFile.string() + " --ttl 10s";
    (*spec.mutable_driver_params())["grace_period"] = "3s";
    spec.set_router(router);
    if (router == "haproxy") {
        for (const auto &[name, value] : haproxyParams()) {
            (*spec.mutable_router_params())[name] = value;
        }
    }
    spec.set_healthy_for_ms(300);
    // The replaced colour stays up for the whole test, so an undo can return to it.
    spec.set_scale_down_delay_ms(300'000);
    return spec;
}

grpc::Status RolloutE2eTest::start(const aegis::v1::RolloutSpec &spec, aegis::v1::Rollout *out) {
    aegis::v1::StartRolloutRequest request;
    *request.mutable_spec() = spec;
    aegis::v1::StartRolloutResponse response;
    grpc::ClientContext context;
    client::setTimeout(context, 10s);
    const grpc::Status status = m_rollouts->StartRollout(&context, request, &response);
    if (out != nullptr) {
        *out = response.rollout();
    }
    return status;
}

grpc::Status RolloutE2eTest::act(const std::string &rpc, const std::string &id) {
    aegis::v1::RolloutActionRequest request;
    request.set_id(id);
    request.set_reason("tst_rollout_e2e");
    aegis::v1::RolloutActionResponse response;
    grpc::ClientContext context;
    client::setTimeout(context, 10s);
    if (rpc == "promote") {
        return m_rollouts->PromoteRollout(&context, request, &response);
    }
    if (rpc == "abort") {
        return m_rollouts->AbortRollout(&context, request, &response);
    }
    if (rpc == "undo") {
        return m_rollouts->UndoRollout(&context, request, &response);
    }
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "unknown action " + rpc);
}

aegis::v1::Rollout RolloutE2eTest::get(const std::string &id) {
    aegis::v1::GetRolloutRequest request;
    request.set_id(id);
    aegis::v1::GetRolloutResponse response;
    grpc::ClientContext context;
    client::setTimeout(context, 5s);
    m_rollouts->GetRollout(&context, request, &response);
    return response.rollout();
}

bool RolloutE2eTest::reaches(const std::string &id, RolloutPhase phase,
                             std::chrono::milliseconds timeout) {
    const bool reached = testing::pollUntil([&] { return get(id).phase() == phase; }, timeout);
    if (!reached) {
        const auto rollout = get(id);
        qWarning("%s is %s, not %s: %s", id.c_str(),
                 aegis::v1::RolloutPhase_Name(rollout.phase()).c_str(),
                 aegis::v1::RolloutPhase_Name(phase).c_str(), rollout.message().c_str());
    }
    return reached;
}

std::map<std::string, aegis::v1::Instance> RolloutE2eTest::instances() {
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

std::map<std::string, int> RolloutE2eTest::weightsByColor() {
    std::map<std::string, int> weights;
    for (const auto &[id, instance] : instances()) {
        weights[instance.labels().at("color")] += instance.traffic_weight();
    }
    return weights;
}

std::vector<std::string> RolloutE2eTest::addressesOf(const std::string &color) {
    std::vector<std::string> addresses;
    for (const auto &[id, instance] : instances()) {
        if (instance.labels().at("color") == color) {
            addresses.push_back(instance.address());
        }
    }
    std::sort(addresses.begin(), addresses.end());
    return addresses;
}

long RolloutE2eTest::servedRequests(const std::string &address) {
    sample::KeepAliveHttpClient http(2s);
    const auto metrics = http.get(address, "/metrics");
    if (metrics.status != 200) {
        return -1;
    }
    static const std::regex served(
        R"re(http_requests_total\{code="200",method="GET",route="/"\} (\d+))re");
    std::smatch match;
    return std::regex_search(metrics.body, match, served) ? std::stol(match[1]) : 0;
}

long RolloutE2eTest::servedByColor(const std::string &color) {
    long total = 0;
    for (const std::string &address : addressesOf(color)) {
        total += std::max(0L, servedRequests(address));
    }
    return total;
}

void RolloutE2eTest::releaseBlue(const std::string &router) {
    aegis::v1::RolloutSpec spec = specFor("1.0", router);
    spec.set_replicas(2);
    aegis::v1::Rollout first;
    const grpc::Status started = start(spec, &first);
    QVERIFY2(started.ok(), describe(started).c_str());
    QCOMPARE(first.id(), std::string("shop-1"));
    QCOMPARE(first.new_color(), std::string("blue"));
    QVERIFY(reaches(first.id(), aegis::v1::ROLLOUT_PHASE_SUCCEEDED));
    QCOMPARE(addressesOf("blue").size(), std::size_t{2});
}

std::unique_ptr<testing::ChildProcess> RolloutE2eTest::startLoadgen(const std::string &name) {
    const auto out = m_dir->path() / (name + ".out");
    return testing::ChildProcess::start({AEGIS_LOADGEN_PATH, "--aegis", m_daemon->grpcAddress(),
                                         "--token-file", m_tokenFile.string(), "--services", "shop",
                                         "--rate", "200", "--concurrency", "4", "--interval",
                                         "500ms", "--for", "120s"},
                                        out, m_dir->path() / (name + ".err"));
}

// ---- HAProxy --------------------------------------------------------------------------------

Status RolloutE2eTest::startHaproxy() {
    m_adminSocket = (m_dir->path() / "admin.sock").string();
    auto process = testing::HaproxyProcess::start(
        m_dir->path(), m_adminSocket, 1,
        testing::HaproxyProcess::slottedRouterConfig(m_adminSocket, {"shop"},
                                                     {"blue-1", "blue-2", "green-1", "green-2"}));
    if (!process) {
        return process.status();
    }
    m_haproxy = std::move(*process);
    m_frontendPort = m_haproxy->ports()[0];
    return Status::ok();
}

std::map<std::string, std::string> RolloutE2eTest::haproxyParams() const {
    return {{"socket", m_adminSocket},
            {"backend", "shop"},
            {"blue_servers", "blue-1,blue-2"},
            {"green_servers", "green-1,green-2"},
            {"bind_addresses", "true"}};
}

StatusOr<std::vector<rollout::ServerState>> RolloutE2eTest::serversState() {
    return testing::haproxyServersState(m_adminSocket, "shop");
}

bool RolloutE2eTest::loadFlows(long count) {
    return testing::haproxyPassesRequests(m_adminSocket, count);
}

std::map<std::string, int> RolloutE2eTest::answersThroughHaproxy(int count) {
    sample::KeepAliveHttpClient http(2s);
    std::map<std::string, int> answers;
    for (int i = 0; i < count; ++i) {
        const auto result = http.get("127.0.0.1:" + std::to_string(m_frontendPort), "/");
        ++answers[result.status == 200
                      ? servedBy(result.body)
                      : "HTTP " + std::to_string(result.status) + " " + result.error];
    }
    return answers;
}

// Blue 1.0 released through HAProxy; then, while wrk keeps 32 connections busy: 2.0 promoted to
// green and undone, 3.0 promoted to green and aborted during its bake. wrk must see no failed
// request, and HAProxy must end with blue's slots ready at blue's instances and green's drained.
void RolloutE2eTest::haproxySwitchUndoAndAbortUnderLoad() {
    AEGIS_REQUIRE_TOOL(testing::HaproxyProcess::kBinary, "haproxy");
    AEGIS_REQUIRE_TOOL(kWrk, "wrk");
    const Status started = startHaproxy();
    QVERIFY2(started.isOk(), started.toString().c_str());
    releaseBlue("haproxy");
    QCOMPARE(answersThroughHaproxy(6), (std::map<std::string, int>{{"1.0/blue", 6}}));

    aegis::v1::RolloutSpec v2 = specFor("2.0", "haproxy");
    v2.set_require_approval(true);
    aegis::v1::Rollout second;
    QVERIFY(start(v2, &second).ok());
    QCOMPARE(second.new_color(), std::string("green"));
    QVERIFY(reaches(second.id(), aegis::v1::ROLLOUT_PHASE_AWAITING_APPROVAL));
    // Verified, not yet switched: HAProxy still sends everything to blue.
    QCOMPARE(answersThroughHaproxy(4), (std::map<std::string, int>{{"1.0/blue", 4}}));

    const auto wrkOut = m_dir->path() / "wrk.out";
    auto wrk = testing::ChildProcess::start(
        {kWrk, "-t2", "-c32", "-d60s", "http://127.0.0.1:" + std::to_string(m_frontendPort) + "/"},
        wrkOut, m_dir->path() / "wrk.err");
    QVERIFY(wrk);
    QVERIFY(loadFlows());

    // Switch to green, all the way to success; then undo back to blue.
    QVERIFY(act("promote", second.id()).ok());
    QVERIFY(reaches(second.id(), aegis::v1::ROLLOUT_PHASE_SUCCEEDED));
    QCOMPARE(answersThroughHaproxy(4), (std::map<std::string, int>{{"2.0/green", 4}}));
    QVERIFY(loadFlows());
    const grpc::Status undone = act("undo", second.id());
    QVERIFY2(undone.ok(), describe(undone).c_str());
    QVERIFY(reaches(second.id(), aegis::v1::ROLLOUT_PHASE_ROLLED_BACK));
    QCOMPARE(answersThroughHaproxy(4), (std::map<std::string, int>{{"1.0/blue", 4}}));
    QVERIFY(loadFlows());

    // A third rollout replaces 2.0 on green, is promoted, and aborted while it bakes.
    aegis::v1::RolloutSpec v3 = specFor("3.0", "haproxy");
    v3.set_require_approval(true);
    v3.set_bake_time_ms(3'600'000);
    aegis::v1::Rollout third;
    QVERIFY(start(v3, &third).ok());
    QCOMPARE(third.new_color(), std::string("green"));
    QVERIFY(reaches(third.id(), aegis::v1::ROLLOUT_PHASE_AWAITING_APPROVAL));
    QVERIFY(act("promote", third.id()).ok());
    QVERIFY(reaches(third.id(), aegis::v1::ROLLOUT_PHASE_BAKING));
    QCOMPARE(answersThroughHaproxy(4), (std::map<std::string, int>{{"3.0/green", 4}}));
    QVERIFY(loadFlows());
    const grpc::Status aborted = act("abort", third.id());
    QVERIFY2(aborted.ok(), describe(aborted).c_str());
    QVERIFY(reaches(third.id(), aegis::v1::ROLLOUT_PHASE_ROLLED_BACK));
    QCOMPARE(answersThroughHaproxy(4), (std::map<std::string, int>{{"1.0/blue", 4}}));
    // Load still flows after the abort; then wrk stops (SIGINT: it prints its summary).
    QVERIFY(loadFlows());
    wrk->signal(SIGINT);
    QCOMPARE(wrk->wait(10s), std::optional<int>(0));

    const std::string output = testing::readFile(wrkOut);
    qInfo("%s", output.c_str());
    const auto summary = testing::parseWrkSummary(output);
    QVERIFY2(summary, output.c_str());
    QVERIFY2(summary->requests > 10000, output.c_str());
    QVERIFY2(!summary->socketErrorsReported, output.c_str());
    QVERIFY2(!summary->non2xxReported, output.c_str());

    // HAProxy's own view: blue's slots ready at blue's instances with the whole share, green's
    // drained.
    const auto states = serversState();
    QVERIFY2(states.isOk(), states.status().toString().c_str());
    std::vector<std::string> blueSlots;
    for (const char *name : {"blue-1", "blue-2"}) {
        const rollout::ServerState *slot = findServer(*states, name);
        QVERIFY(slot);
        QVERIFY2(slot->takesTraffic(), name);
        QCOMPARE(slot->userWeight, 128);
        blueSlots.push_back(slot->address + ":" + std::to_string(slot->port));
    }
    std::sort(blueSlots.begin(), blueSlots.end());
    QCOMPARE(blueSlots, addressesOf("blue"));
    for (const char *name : {"green-1", "green-2"}) {
        const rollout::ServerState *slot = findServer(*states, name);
        QVERIFY(slot);
        QVERIFY2(slot->draining(), name);
        QVERIFY2(!slot->takesTraffic(), name);
    }
}

// ---- registry --------------------------------------------------------------------------------

// Blue 1.0 released through the registry router; aegis-loadgen sends traffic throughout while 2.0
// is promoted to green (green serves it) and aborted during its bake (blue serves it again). No
// request may fail.
void RolloutE2eTest::registrySwitchAndAbortUnderDiscoveryLoad() {
    releaseBlue("registry");
    auto loadgen = startLoadgen("loadgen");
    QVERIFY(loadgen);
    const auto out = m_dir->path() / "loadgen.out";
    QVERIFY(testing::pollUntil([&] { return loadgenReportedTraffic(testing::readFile(out)); }));

    aegis::v1::RolloutSpec v2 = specFor("2.0", "registry");
    v2.set_require_approval(true);
    v2.set_bake_time_ms(3'600'000);
    aegis::v1::Rollout second;
    QVERIFY(start(v2, &second).ok());
    QVERIFY(reaches(second.id(), aegis::v1::ROLLOUT_PHASE_AWAITING_APPROVAL));
    QCOMPARE(servedByColor("green"), 0L);

    QVERIFY(act("promote", second.id()).ok());
    QVERIFY(reaches(second.id(), aegis::v1::ROLLOUT_PHASE_BAKING));
    QCOMPARE(weightsByColor(), (std::map<std::string, int>{{"blue", 0}, {"green", 10000}}));
    QVERIFY(testing::pollUntil([&] { return servedByColor("green") > 50; }));

    const long blueBefore = servedByColor("blue");
    const grpc::Status aborted = act("abort", second.id());
    QVERIFY2(aborted.ok(), describe(aborted).c_str());
    QVERIFY(reaches(second.id(), aegis::v1::ROLLOUT_PHASE_ROLLED_BACK));
    QCOMPARE(weightsByColor(), (std::map<std::string, int>{{"blue", 10000}, {"green", 0}}));
    QVERIFY(testing::pollUntil([&] { return servedByColor("blue") > blueBefore + 50; }));

    loadgen->signal(SIGTERM);
    QCOMPARE(loadgen->wait(10s), std::optional<int>(0));
    const std::string output = testing::readFile(out);
    const auto summary = loadgenSummary(output);
    QVERIFY2(summary, output.c_str());
    qInfo("aegis-loadgen %s", output.substr(output.rfind("final:")).c_str());
    QVERIFY2(summary->ok > 0, output.c_str());
    QVERIFY2(summary->failed == 0, output.c_str());
}

// 2.0 answers every "/" with 500 (its /health passes, so it verifies). Once traffic is on green,
// aegis-loadgen's failure reports eject a green instance, which fails the bake: the rollout rolls
// back on its own, naming the instance, and the traffic weights return to blue.
void RolloutE2eTest::failingVersionIsEjectedAndRolledBack() {
    releaseBlue("registry");
    auto loadgen = startLoadgen("loadgen-failing");
    QVERIFY(loadgen);
    const auto out = m_dir->path() / "loadgen-failing.out";
    QVERIFY(testing::pollUntil([&] { return loadgenReportedTraffic(testing::readFile(out)); }));

    aegis::v1::RolloutSpec v2 = specFor("2.0", "registry");
    (*v2.mutable_driver_params())["command"] += " --error-rate 1";
    v2.set_bake_time_ms(20'000);
    aegis::v1::Rollout second;
    QVERIFY(start(v2, &second).ok());
    QVERIFY(reaches(second.id(), aegis::v1::ROLLOUT_PHASE_ROLLED_BACK));

    const aegis::v1::Rollout rolledBack = get(second.id());
    const std::string &message = rolledBack.message();
    qInfo("%s: %s", second.id().c_str(), message.c_str());
    static const std::regex named(
        R"(new instance (shop-green-\d) is ejected by callers' failures)");
    std::smatch match;
    QVERIFY2(std::regex_search(message, match, named), message.c_str());
    const std::string ejected = match[1];
    QVERIFY2(message.find("during the bake") != std::string::npos, message.c_str());
    QVERIFY(std::any_of(rolledBack.transitions().begin(), rolledBack.transitions().end(),
                        [](const auto &transition) {
                            return transition.phase() == aegis::v1::ROLLOUT_PHASE_BAKING;
                        }));
    QCOMPARE(weightsByColor(), (std::map<std::string, int>{{"blue", 10000}, {"green", 0}}));
    const auto now = instances();
    QVERIFY(now.count(ejected) == 1);
    QVERIFY(now.at(ejected).health().ejected());

    loadgen->signal(SIGTERM);
    QCOMPARE(loadgen->wait(10s), std::optional<int>(0));
    const std::string output = testing::readFile(out);
    const auto summary = loadgenSummary(output);
    QVERIFY2(summary, output.c_str());
    qInfo("aegis-loadgen %s", output.substr(output.rfind("final:")).c_str());
    QVERIFY2(summary->ok > 0, output.c_str());
    // The 500s the ejection came from.
    QVERIFY2(summary->failed > 0, output.c_str());
}

QTEST_GUILESS_MAIN(RolloutE2eTest)
#include "tst_rollout_e2e.moc"
