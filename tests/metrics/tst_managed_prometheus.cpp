// metrics.backend: managed, end to end with the real aegisd and Debian's prometheus: the child
// becomes ready, scrapes aegisd and a registered aegis-sample found through HTTP service
// discovery, is restarted when killed, never outlives aegisd, and a missing binary leaves aegisd
// serving with the backend down. The discovery endpoint answers only to a bearer token.

#include "aegis/v1/registry.grpc.pb.h"
#include "aegis/v1/rollout.grpc.pb.h"
#include "aegis/v1/system.grpc.pb.h"
#include "child_process.h"
#include "client/connection.h"
#include "daemon_process.h"
#include "http_get.h"
#include "poll_until.h"
#include "process_children.h"
#include "required_tool.h"

#include <nlohmann/json.hpp>

#include <QtTest>

#include <arpa/inet.h>
#include <csignal>
#include <cstdlib>
#include <dirent.h>
#include <fstream>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

using namespace aegis;
using aegis::testing::DaemonProcess;
using aegis::testing::httpGet;
using aegis::testing::pollUntil;
using namespace std::chrono_literals;

namespace {

std::string readText(const std::filesystem::path &path) {
    std::ifstream in(path);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) {
        text.pop_back();
    }
    return text;
}

// Runs and not a zombie.
bool processAlive(int pid) {
    const std::string stat = readText("/proc/" + std::to_string(pid) + "/stat");
    const auto nameEnd = stat.rfind(')');
    return nameEnd != std::string::npos && nameEnd + 2 < stat.size() && stat[nameEnd + 2] != 'Z';
}

std::optional<v1::GetStatusResponse> getStatus(const DaemonProcess &daemon) {
    auto channel = client::makeChannel(daemon.adminConnection());
    if (!channel) {
        return std::nullopt;
    }
    auto stub = v1::SystemService::NewStub(*channel);
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + 5s);
    v1::GetStatusResponse response;
    if (!stub->GetStatus(&context, {}, &response).ok()) {
        return std::nullopt;
    }
    return response;
}

v1::MetricsBackendStatus backendStatus(const DaemonProcess &daemon) {
    const auto status = getStatus(daemon);
    return status ? status->metrics_backend() : v1::MetricsBackendStatus{};
}

// "host:port" of a base URL "http://host:port".
std::string hostPortOf(const std::string &url) {
    return url.substr(url.find("//") + 2);
}

// The managed child's active targets (its /api/v1/targets), empty when it does not answer.
nlohmann::json activeTargets(const std::string &url) {
    const auto answer = httpGet(hostPortOf(url), "/api/v1/targets?state=active");
    const auto json = nlohmann::json::parse(answer.body, nullptr, false);
    if (answer.status != 200 || json.is_discarded()) {
        return nlohmann::json::array();
    }
    return json.at("data").at("activeTargets");
}

// The target whose labels have `name`=`value` and that is up; null otherwise.
nlohmann::json upTarget(const nlohmann::json &targets, const std::string &name,
                        const std::string &value) {
    for (const auto &target : targets) {
        if (target.at("labels").value(name, "") == value && target.value("health", "") == "up") {
            return target;
        }
    }
    return nullptr;
}

} // namespace

class ManagedPrometheusTest : public QObject {
    Q_OBJECT

private slots:
    void initTestCase();
    void readyAndScrapesAegisdAndARegisteredSample();
    void restartedWhenKilled();
    void noPrometheusOutlivesAegisd();
    void missingBinaryLeavesAegisdServing();
    void discoveryAnswersOnlyToABearerToken();
    void rolloutAnalysisQueriesTheChild();

private:
    StatusOr<std::unique_ptr<DaemonProcess>> startManaged(std::vector<std::string> extra = {}) {
        testing::DaemonOptions options;
        options.extraArgs = {"--metrics-backend", "managed"};
        options.extraArgs.insert(options.extraArgs.end(), extra.begin(), extra.end());
        return DaemonProcess::start(options);
    }
    // Waits until GetStatus says the child is ready; fails the test otherwise.
    bool waitReady(const DaemonProcess &daemon) {
        return pollUntil(
            [&] { return backendStatus(daemon).state() == v1::METRICS_BACKEND_STATE_READY; }, 30s);
    }
};

void ManagedPrometheusTest::initTestCase() {
    AEGIS_REQUIRE_TOOL("prometheus", "prometheus");
}

void ManagedPrometheusTest::readyAndScrapesAegisdAndARegisteredSample() {
    auto daemon = startManaged();
    QVERIFY2(daemon.isOk(), daemon.status().toString().c_str());
    QVERIFY2(waitReady(**daemon), backendStatus(**daemon).DebugString().c_str());
    const auto backend = backendStatus(**daemon);
    QCOMPARE(backend.mode(), v1::METRICS_BACKEND_MODE_MANAGED);
    QVERIFY(backend.url().rfind("http://127.0.0.1:", 0) == 0);
    QCOMPARE(backend.scrape_interval_ms(), std::int64_t(5000));
    QCOMPARE(backend.restarts(), std::int64_t(0));
    QVERIFY(backend.has_since());
    const auto directory = (*daemon)->dataDir() / "prometheus";
    QVERIFY(std::filesystem::exists(directory / "prometheus.yml"));
    QVERIFY(std::filesystem::exists(directory / "data"));
    QVERIFY(std::filesystem::file_size(directory / "prometheus.log") > 0);

    // An aegis-sample registers itself with metrics_path=/metrics.
    testing::TempDir logs;
    auto sample =
        testing::ChildProcess::start({AEGIS_SAMPLE_PATH,
                                      "--service",
                                      "shop",
                                      "--id",
                                      "shop-1",
                                      "--listen",
                                      "127.0.0.1:0",
                                      "--version",
                                      "2.0.1",
                                      "--color",
                                      "green",
                                      "--zone",
                                      "b",
                                      "--aegis",
                                      (*daemon)->grpcAddress(),
                                      "--token-file",
                                      (*daemon)->adminTokenFile().string(),
                                      "--latency",
                                      "1ms",
                                      "--error-rate",
                                      "0",
                                      "--ttl",
                                      "10s"},
                                     logs.path() / "sample.log", logs.path() / "sample.log");
    QVERIFY(sample);

    // Within SD refresh (2 s) + Prometheus' discovery update pause (5 s) + a scrape interval.
    nlohmann::json targets;
    const bool bothUp = pollUntil(
        [&] {
            targets = activeTargets(backend.url());
            return !upTarget(targets, "job", "aegisd").is_null() &&
                   !upTarget(targets, "instance", "shop-1").is_null();
        },
        30s);
    QVERIFY2(bothUp, targets.dump(1).c_str());
    const auto shop = upTarget(targets, "instance", "shop-1").at("labels");
    QCOMPARE(shop.value("service", ""), std::string("shop"));
    QCOMPARE(shop.value("job", ""), std::string("shop"));
    QCOMPARE(shop.value("version", ""), std::string("2.0.1"));
    QCOMPARE(shop.value("color", ""), std::string("green"));
    QCOMPARE(shop.value("zone", ""), std::string("b"));
    const auto aegisd = upTarget(targets, "job", "aegisd");
    QCOMPARE(aegisd.value("scrapeUrl", ""), "http://" + (*daemon)->httpAddress() + "/metrics");

    // aegisctl status shows the backend.
    const auto status =
        testing::runCommand({AEGISCTL_PATH, "--server", (*daemon)->grpcAddress(), "--token-file",
                             (*daemon)->adminTokenFile().string(), "status"});
    QCOMPARE(status.exitCode, 0);
    QVERIFY2(status.out.find("metrics backend") != std::string::npos &&
                 status.out.find("managed") != std::string::npos &&
                 status.out.find("ready") != std::string::npos &&
                 status.out.find(backend.url()) != std::string::npos &&
                 status.out.find("metrics restarts") != std::string::npos,
             status.out.c_str());
    sample->signal(SIGTERM);
    sample->wait(10s);
}

void ManagedPrometheusTest::restartedWhenKilled() {
    auto daemon = startManaged();
    QVERIFY2(daemon.isOk(), daemon.status().toString().c_str());
    QVERIFY2(waitReady(**daemon), backendStatus(**daemon).DebugString().c_str());
    const auto first = testing::childProcesses((*daemon)->pid(), "prometheus");
    QCOMPARE(first.size(), std::size_t(1));
    QCOMPARE(::kill(first[0], SIGKILL), 0);

    QVERIFY2(pollUntil([&] { return backendStatus(**daemon).restarts() == 1; }, 20s),
             backendStatus(**daemon).DebugString().c_str());
    QVERIFY2(waitReady(**daemon), backendStatus(**daemon).DebugString().c_str());
    const auto second = testing::childProcesses((*daemon)->pid(), "prometheus");
    QCOMPARE(second.size(), std::size_t(1));
    QVERIFY(second[0] != first[0]);
    // The URL stays the same across restarts.
    QCOMPARE(httpGet(hostPortOf(backendStatus(**daemon).url()), "/-/ready").status, 200);
}

void ManagedPrometheusTest::noPrometheusOutlivesAegisd() {
    // SIGTERM: aegisd stops its child before it exits.
    {
        auto daemon = startManaged();
        QVERIFY2(daemon.isOk(), daemon.status().toString().c_str());
        QVERIFY(waitReady(**daemon));
        const auto child = testing::childProcesses((*daemon)->pid(), "prometheus");
        QCOMPARE(child.size(), std::size_t(1));
        QCOMPARE((*daemon)->terminate(), 0);
        QVERIFY(pollUntil([&] { return !processAlive(child[0]); }, 5s));
    }
    // SIGKILL: the child gets the parent-death signal.
    {
        auto daemon = startManaged();
        QVERIFY2(daemon.isOk(), daemon.status().toString().c_str());
        QVERIFY(waitReady(**daemon));
        const auto child = testing::childProcesses((*daemon)->pid(), "prometheus");
        QCOMPARE(child.size(), std::size_t(1));
        (*daemon)->kill();
        QVERIFY(pollUntil([&] { return !processAlive(child[0]); }, 5s));
    }
}

void ManagedPrometheusTest::missingBinaryLeavesAegisdServing() {
    // A PATH without prometheus on it, as on a machine where it is not installed.
    testing::TempDir emptyDir;
    const std::string savedPath = std::getenv("PATH");
    ::setenv("PATH", emptyDir.path().c_str(), 1);
    auto daemon = startManaged();
    ::setenv("PATH", savedPath.c_str(), 1);
    QVERIFY2(daemon.isOk(), daemon.status().toString().c_str());

    QVERIFY(pollUntil(
        [&] { return backendStatus(**daemon).state() == v1::METRICS_BACKEND_STATE_DOWN; }, 10s));
    const auto backend = backendStatus(**daemon);
    QVERIFY2(backend.detail().find("prometheus not found on PATH; install Debian's prometheus or "
                                   "set metrics.backend") != std::string::npos,
             backend.detail().c_str());
    QCOMPARE(backend.mode(), v1::METRICS_BACKEND_MODE_MANAGED);

    // The rest of aegisd serves.
    auto channel = client::makeChannel((*daemon)->adminConnection());
    QVERIFY(channel.isOk());
    auto registry = v1::RegistryService::NewStub(*channel);
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + 5s);
    v1::ListServicesResponse services;
    const auto listed = registry->ListServices(&context, {}, &services);
    QVERIFY2(listed.ok(), listed.error_message().c_str());
    QCOMPARE(httpGet((*daemon)->httpAddress(), "/readyz").status, 200);
    QCOMPARE((*daemon)->terminate(), 0);
}

void ManagedPrometheusTest::discoveryAnswersOnlyToABearerToken() {
    auto daemon = startManaged();
    QVERIFY2(daemon.isOk(), daemon.status().toString().c_str());
    const std::string http = (*daemon)->httpAddress();

    const auto anonymous = httpGet(http, "/sd/prometheus");
    QCOMPARE(anonymous.status, 401);
    QVERIFY(anonymous.headers.find("WWW-Authenticate: Bearer") != std::string::npos);
    QCOMPARE(httpGet(http, "/sd/prometheus", "Bearer aegis_not-a-token").status, 401);
    QCOMPARE(httpGet(http, "/sd/prometheus", "Basic YWRtaW46YWRtaW4=").status, 401);

    // Any valid aegis token.
    const auto admin = httpGet(http, "/sd/prometheus", "Bearer " + (*daemon)->adminToken());
    QCOMPARE(admin.status, 200);
    QVERIFY2(admin.headers.find("Content-Type: application/json") != std::string::npos,
             admin.headers.c_str());
    const auto groups = nlohmann::json::parse(admin.body);
    QVERIFY(groups.is_array());
    QCOMPARE(groups.back().at("targets")[0].get<std::string>(), http);
    QCOMPARE(groups.back().at("labels").at("job").get<std::string>(), std::string("aegisd"));

    // The managed child's own secret, readable only by aegisd's user.
    const auto tokenFile = (*daemon)->dataDir() / "prometheus" / "sd.token";
    struct stat info {};
    QCOMPARE(::stat(tokenFile.c_str(), &info), 0);
    QCOMPARE(info.st_mode & 0777, 0600u);
    QCOMPARE(httpGet(http, "/sd/prometheus", "Bearer " + readText(tokenFile)).status, 200);
}

void ManagedPrometheusTest::rolloutAnalysisQueriesTheChild() {
    auto daemon = startManaged();
    QVERIFY2(daemon.isOk(), daemon.status().toString().c_str());
    QVERIFY(waitReady(**daemon));
    auto channel = client::makeChannel((*daemon)->adminConnection());
    QVERIFY(channel.isOk());
    auto rollouts = v1::RolloutService::NewStub(*channel);

    // A release whose verification asks the managed Prometheus whether it scrapes aegisd.
    v1::StartRolloutRequest request;
    v1::RolloutSpec &spec = *request.mutable_spec();
    spec.set_service("shop");
    spec.set_version("1.0");
    spec.set_driver("process");
    (*spec.mutable_driver_params())["command"] =
        std::string(AEGIS_SAMPLE_PATH) +
        " --service {service} --id {instance_id} --version {version} --color {color}"
        " --listen 127.0.0.1:{port} --aegis " +
        (*daemon)->grpcAddress() + " --token-file " + (*daemon)->adminTokenFile().string() +
        " --ttl 10s";
    (*spec.mutable_driver_params())["grace_period"] = "3s";
    spec.set_router("registry");
    spec.set_healthy_for_ms(300);
    v1::AnalysisCheck &check = *spec.mutable_analysis()->add_checks();
    check.set_name("aegisd-scraped");
    check.set_query("max(up{job=\"aegisd\"})");
    check.set_success_condition("result == 1");
    check.set_interval_ms(1000);
    check.set_count(1);
    check.set_inconclusive_limit(30);
    check.add_run_during(v1::ANALYSIS_STAGE_VERIFICATION);
    v1::StartRolloutResponse started;
    {
        grpc::ClientContext context;
        context.set_deadline(std::chrono::system_clock::now() + 10s);
        const auto status = rollouts->StartRollout(&context, request, &started);
        QVERIFY2(status.ok(), status.error_message().c_str());
    }

    v1::Rollout rollout;
    const bool passed = pollUntil(
        [&] {
            grpc::ClientContext context;
            context.set_deadline(std::chrono::system_clock::now() + 5s);
            v1::GetRolloutRequest get;
            get.set_id(started.rollout().id());
            v1::GetRolloutResponse response;
            if (!rollouts->GetRollout(&context, get, &response).ok()) {
                return false;
            }
            rollout = response.rollout();
            for (const auto &run : rollout.analysis().runs()) {
                if (run.check() == "aegisd-scraped" &&
                    run.state() == v1::ANALYSIS_RUN_STATE_PASSED) {
                    return true;
                }
            }
            return false;
        },
        60s);
    // The release's processes are aegisd's deployments, which outlive it by design.
    for (const int pid :
         testing::childProcesses((*daemon)->pid(), (*daemon)->adminTokenFile().string())) {
        ::kill(pid, SIGKILL);
    }
    QVERIFY2(passed, rollout.DebugString().c_str());
}

QTEST_GUILESS_MAIN(ManagedPrometheusTest)
#include "tst_managed_prometheus.moc"
