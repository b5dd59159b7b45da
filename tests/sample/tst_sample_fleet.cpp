// aegis-sample and aegis-loadgen against the real aegisd: samples register with their labels and
// count their requests; the load generator sends traffic without failures, even when an instance
// is killed mid-run; a terminated sample deregisters at once and exits 0; a sample reads its
// behaviour live from the config center.

#include "aegis/v1/auth.grpc.pb.h"
#include "aegis/v1/config.grpc.pb.h"
#include "aegis/v1/health.grpc.pb.h"
#include "aegis/v1/registry.grpc.pb.h"
#include "child_process.h"
#include "client/connection.h"
#include "daemon_process.h"
#include "poll_until.h"
#include "sample/keep_alive_http_client.h"

#include <grpcpp/grpcpp.h>
#include <nlohmann/json.hpp>

#include <QtTest>

#include <csignal>
#include <fstream>
#include <map>
#include <optional>
#include <regex>
#include <sstream>

using namespace aegis;
using namespace std::chrono_literals;

namespace {

constexpr int kTimeout = 15000; // ms, for QTRY_*

// The counters of aegis-loadgen's final summary line.
struct Summary {
    long ok = -1;
    long failed = -1;
    long retried = -1;
};

std::optional<Summary> finalSummary(const std::string &output) {
    static const std::regex line(R"(final: ok=(\d+) failed=(\d+) retried=(\d+))");
    std::smatch match;
    if (!std::regex_search(output, match, line)) {
        return std::nullopt;
    }
    return Summary{std::stol(match[1]), std::stol(match[2]), std::stol(match[3])};
}

// Whether some interval line of aegis-loadgen reports requests that succeeded.
bool reportedTraffic(const std::string &output) {
    static const std::regex line(R"(\] ok=[1-9])");
    return std::regex_search(output, line);
}

} // namespace

class SampleFleetTest : public QObject {
    Q_OBJECT

private slots:
    void initTestCase();
    void cleanupTestCase();
    void registersWithVersionAndColor();
    void metricsCountRequestsByRouteAndStatus();
    void loadgenSendsTrafficWithoutFailures();
    void loadgenRetriesWhenAnInstanceIsKilled();
    void terminatedSampleDeregistersAtOnce();
    void healthCheckTakesAKilledInstanceOutOfRotation();
    void behaviourFollowsTheConfigCenter();
    void registrationFailuresAreErrors();

private:
    std::shared_ptr<grpc::Channel> adminChannel() const;
    std::unique_ptr<testing::ChildProcess>
    startSample(const std::string &id, const std::string &color, const std::string &ttl,
                const std::vector<std::string> &extraArgs = {});
    // Publishes demo/shop/behaviour.json over its current version; returns the new version.
    std::int64_t publishBehaviour(const std::string &content);
    // The instances of "shop" by id, and the revision they were listed at.
    std::map<std::string, aegis::v1::Instance> listShop(std::int64_t *revision = nullptr) const;
    std::vector<std::string> loadgenArgs(const std::string &duration) const;

    testing::TempDir m_dir;
    std::unique_ptr<testing::DaemonProcess> m_daemon;
    std::filesystem::path m_serviceTokenFile;
    std::map<std::string, std::unique_ptr<testing::ChildProcess>> m_samples;
};

std::shared_ptr<grpc::Channel> SampleFleetTest::adminChannel() const {
    return *client::makeChannel(m_daemon->adminConnection());
}

std::unique_ptr<testing::ChildProcess>
SampleFleetTest::startSample(const std::string &id, const std::string &color,
                             const std::string &ttl, const std::vector<std::string> &extraArgs) {
    const auto log = m_dir.path() / (id + ".log");
    std::vector<std::string> args = {AEGIS_SAMPLE_PATH,
                                     "--service",
                                     "shop",
                                     "--id",
                                     id,
                                     "--listen",
                                     "127.0.0.1:0",
                                     "--version",
                                     "1.4.2",
                                     "--color",
                                     color,
                                     "--zone",
                                     "a",
                                     "--aegis",
                                     m_daemon->grpcAddress(),
                                     "--token-file",
                                     m_serviceTokenFile.string(),
                                     "--latency",
                                     "1ms",
                                     "--error-rate",
                                     "0",
                                     "--ttl",
                                     ttl};
    args.insert(args.end(), extraArgs.begin(), extraArgs.end());
    return testing::ChildProcess::start(args, log, log);
}

std::int64_t SampleFleetTest::publishBehaviour(const std::string &content) {
    auto stub = aegis::v1::ConfigService::NewStub(adminChannel());
    aegis::v1::ConfigItemRef ref;
    ref.set_namespace_("demo");
    ref.set_group("shop");
    ref.set_key("behaviour.json");
    std::int64_t current = 0;
    {
        aegis::v1::GetConfigItemRequest request;
        *request.mutable_ref() = ref;
        aegis::v1::GetConfigItemResponse response;
        grpc::ClientContext context;
        client::setTimeout(context, 5s);
        if (stub->GetConfigItem(&context, request, &response).ok()) {
            current = response.item().version();
        }
    }
    aegis::v1::PublishConfigRequest request;
    *request.mutable_change()->mutable_ref() = ref;
    request.mutable_change()->set_format(aegis::v1::CONFIG_FORMAT_JSON);
    request.mutable_change()->set_content(content);
    request.mutable_change()->set_base_version(current);
    request.set_comment("tst_sample_fleet");
    aegis::v1::PublishConfigResponse response;
    grpc::ClientContext context;
    client::setTimeout(context, 5s);
    const grpc::Status status = stub->PublishConfig(&context, request, &response);
    if (!status.ok()) {
        qWarning("PublishConfig: %s", status.error_message().c_str());
        return 0;
    }
    return response.item().version();
}

std::map<std::string, aegis::v1::Instance> SampleFleetTest::listShop(std::int64_t *revision) const {
    auto stub = aegis::v1::RegistryService::NewStub(adminChannel());
    grpc::ClientContext context;
    client::setTimeout(context, 5s);
    aegis::v1::ListInstancesRequest request;
    request.set_service("shop");
    aegis::v1::ListInstancesResponse response;
    std::map<std::string, aegis::v1::Instance> instances;
    if (!stub->ListInstances(&context, request, &response).ok()) {
        return instances;
    }
    if (revision) {
        *revision = response.header().revision();
    }
    for (const auto &instance : response.instances()) {
        instances.emplace(instance.id(), instance);
    }
    return instances;
}

std::vector<std::string> SampleFleetTest::loadgenArgs(const std::string &duration) const {
    return {AEGIS_LOADGEN_PATH,
            "--aegis",
            m_daemon->grpcAddress(),
            "--token-file",
            m_serviceTokenFile.string(),
            "--services",
            "shop",
            "--rate",
            "150",
            "--concurrency",
            "4",
            "--interval",
            "500ms",
            "--for",
            duration};
}

void SampleFleetTest::initTestCase() {
    auto daemon = testing::DaemonProcess::start();
    QVERIFY2(daemon, daemon.status().toString().c_str());
    m_daemon = std::move(*daemon);

    auto auth = aegis::v1::AuthService::NewStub(adminChannel());
    grpc::ClientContext context;
    client::setTimeout(context, 10s);
    aegis::v1::CreateTokenRequest request;
    request.set_name("shop-fleet");
    request.set_role(aegis::v1::ROLE_SERVICE);
    request.add_services("shop");
    // The demo's configuration lives in the shared namespace "demo" (demo/<service>/...).
    request.add_namespaces("demo");
    aegis::v1::CreateTokenResponse response;
    const grpc::Status status = auth->CreateToken(&context, request, &response);
    QVERIFY2(status.ok(), status.error_message().c_str());
    m_serviceTokenFile = m_dir.path() / "service.token";
    std::ofstream(m_serviceTokenFile) << response.secret() << "\n";

    for (const auto &[id, color] :
         {std::pair{"shop-1", "blue"}, {"shop-2", "blue"}, {"shop-3", "green"}}) {
        m_samples[id] = startSample(id, color, "2s");
        QVERIFY(m_samples[id]);
    }
}

void SampleFleetTest::cleanupTestCase() {
    for (auto &[id, sample] : m_samples) {
        sample->signal(SIGTERM);
        sample->wait(10s);
    }
    if (m_daemon) {
        QCOMPARE(m_daemon->terminate(), 0);
    }
}

void SampleFleetTest::registersWithVersionAndColor() {
    QTRY_COMPARE_WITH_TIMEOUT(listShop().size(), std::size_t(3), kTimeout);
    const auto instances = listShop();
    for (const auto &[id, color] :
         {std::pair{"shop-1", "blue"}, {"shop-2", "blue"}, {"shop-3", "green"}}) {
        QVERIFY2(instances.count(id), id);
        const auto &instance = instances.at(id);
        QCOMPARE(instance.labels().at("version"), std::string("1.4.2"));
        QCOMPARE(instance.labels().at("color"), std::string(color));
        QCOMPARE(instance.labels().at("zone"), std::string("a"));
        QCOMPARE(instance.metadata().at("metrics_path"), std::string("/metrics"));
        QCOMPARE(instance.lease_ttl_seconds(), std::int64_t(2));
        QVERIFY(instance.address().rfind("127.0.0.1:", 0) == 0);
        QCOMPARE(instance.state(), aegis::v1::INSTANCE_STATE_SERVING);
    }
}

void SampleFleetTest::metricsCountRequestsByRouteAndStatus() {
    const std::string address = listShop().at("shop-1").address();
    sample::KeepAliveHttpClient http(5s);

    const auto greeting = http.get(address, "/");
    QCOMPARE(greeting.status, 200);
    QVERIFY2(greeting.body.find(R"("id":"shop-1")") != std::string::npos, greeting.body.c_str());
    QVERIFY(greeting.body.find(R"("version":"1.4.2")") != std::string::npos);
    QVERIFY(greeting.body.find(R"("color":"blue")") != std::string::npos);
    QCOMPARE(http.get(address, "/").status, 200);
    QCOMPARE(http.get(address, "/").status, 200);
    QCOMPARE(http.get(address, "/health").status, 200);
    QCOMPARE(http.get(address, "/nowhere").status, 404);
    QCOMPARE(http.connections(), std::size_t(1)); // one keep-alive connection throughout

    const auto metrics = http.get(address, "/metrics");
    QCOMPARE(metrics.status, 200);
    for (const char *expected : {
             R"(http_requests_total{code="200",method="GET",route="/"} 3)",
             R"(http_requests_total{code="200",method="GET",route="/health"} 1)",
             R"(http_requests_total{code="404",method="GET",route="other"} 1)",
             R"(http_request_duration_seconds_count{method="GET",route="/"} 3)",
         }) {
        QVERIFY2(metrics.body.find(expected) != std::string::npos, expected);
    }
}

void SampleFleetTest::loadgenSendsTrafficWithoutFailures() {
    const auto result = testing::runCommand(loadgenArgs("2s"), 30s);
    QVERIFY2(result.exitCode == 0, (result.out + result.err).c_str());
    const auto summary = finalSummary(result.out);
    QVERIFY2(summary, result.out.c_str());
    QVERIFY2(summary->ok > 0, result.out.c_str());
    QVERIFY2(summary->failed == 0, result.out.c_str());
    QVERIFY2(result.out.find(" shop=") != std::string::npos, result.out.c_str());
}

void SampleFleetTest::loadgenRetriesWhenAnInstanceIsKilled() {
    const auto out = m_dir.path() / "loadgen-kill.out";
    auto loadgen =
        testing::ChildProcess::start(loadgenArgs("5s"), out, m_dir.path() / "loadgen-kill.err");
    QVERIFY(loadgen);
    QTRY_VERIFY_WITH_TIMEOUT(reportedTraffic(testing::readFile(out)), kTimeout);

    m_samples.at("shop-2")->signal(SIGKILL);
    QCOMPARE(m_samples.at("shop-2")->wait(10s), std::optional<int>(-SIGKILL));
    // Its lease (2 s) expires without renewals and the instance leaves discovery.
    QTRY_VERIFY_WITH_TIMEOUT(!listShop().count("shop-2"), kTimeout);

    QCOMPARE(loadgen->wait(30s), std::optional<int>(0));
    const std::string output = testing::readFile(out);
    const auto summary = finalSummary(output);
    QVERIFY2(summary, output.c_str());
    QVERIFY2(summary->ok > 0, output.c_str());
    QVERIFY2(summary->failed == 0, output.c_str());
    // Requests that met the dead instance went to another one.
    QVERIFY2(summary->retried > 0, output.c_str());
}

void SampleFleetTest::terminatedSampleDeregistersAtOnce() {
    // A long TTL: only a deregistration removes it during this test.
    auto sample = startSample("shop-4", "blue", "60s");
    QVERIFY(sample);
    QTRY_VERIFY_WITH_TIMEOUT(listShop().count("shop-4"), kTimeout);
    std::int64_t listed = 0;
    QVERIFY(listShop(&listed).count("shop-4"));

    sample->signal(SIGTERM);
    QCOMPARE(sample->wait(10s), std::optional<int>(0));
    QVERIFY(!listShop().count("shop-4"));

    // The registry's history says why it left.
    auto stub = aegis::v1::RegistryService::NewStub(adminChannel());
    grpc::ClientContext context;
    client::setTimeout(context, 5s);
    aegis::v1::WatchInstancesRequest request;
    request.set_service("shop");
    request.set_start_revision(listed + 1);
    auto stream = stub->WatchInstances(&context, request);
    std::string reason;
    aegis::v1::WatchInstancesResponse response;
    while (reason.empty() && stream->Read(&response)) {
        for (const auto &event : response.events()) {
            if (event.type() == aegis::v1::INSTANCE_EVENT_TYPE_REMOVED &&
                event.instance().id() == "shop-4") {
                reason = event.reason();
            }
        }
    }
    context.TryCancel();
    QCOMPARE(reason, std::string("deregistered"));
}

// The issue's end-to-end case: under load, an instance dies by SIGKILL with a lease far from
// expiring; its HTTP check marks it critical within fall × interval + timeout, it leaves
// discovery, and the load generator (retrying on connection failures) sees no failed request.
void SampleFleetTest::healthCheckTakesAKilledInstanceOutOfRotation() {
    auto victim = startSample("shop-5", "green", "60s");
    QVERIFY(victim);
    QTRY_VERIFY_WITH_TIMEOUT(listShop().count("shop-5"), kTimeout);

    constexpr auto kInterval = 500ms;
    constexpr auto kTimeoutPerProbe = 250ms;
    constexpr int kFall = 2;
    auto health = aegis::v1::HealthService::NewStub(adminChannel());
    {
        aegis::v1::UpdateHealthCheckRequest request;
        request.set_service("shop");
        auto *check = request.mutable_check();
        check->set_kind("http");
        (*check->mutable_options())["path"] = "/health";
        check->set_interval_ms(kInterval.count());
        check->set_timeout_ms(kTimeoutPerProbe.count());
        check->set_rise(1);
        check->set_fall(kFall);
        aegis::v1::UpdateHealthCheckResponse response;
        grpc::ClientContext context;
        client::setTimeout(context, 5s);
        const auto status = health->UpdateHealthCheck(&context, request, &response);
        QVERIFY2(status.ok(), status.error_message().c_str());
    }
    QTRY_VERIFY_WITH_TIMEOUT(
        listShop().at("shop-5").health().status() == aegis::v1::HEALTH_STATUS_PASSING, kTimeout);

    const auto out = m_dir.path() / "loadgen-health.out";
    auto loadgen =
        testing::ChildProcess::start(loadgenArgs("5s"), out, m_dir.path() / "loadgen-health.err");
    QVERIFY(loadgen);
    QTRY_VERIFY_WITH_TIMEOUT(reportedTraffic(testing::readFile(out)), kTimeout);

    victim->signal(SIGKILL);
    const auto killedAt = std::chrono::steady_clock::now();
    QCOMPARE(victim->wait(10s), std::optional<int>(-SIGKILL));
    QTRY_VERIFY_WITH_TIMEOUT(!listShop().count("shop-5"), kTimeout);
    const auto detection = std::chrono::steady_clock::now() - killedAt;
    // The bound, plus what a poll of the list and a commit add.
    const auto bound = kFall * kInterval + kTimeoutPerProbe;
    QVERIFY2(
        detection < bound + 750ms,
        (std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(detection).count()) +
         " ms")
            .c_str());

    // Still registered (its lease has most of a minute left), but critical and out of rotation
    // (callers' reports may have ejected it even sooner).
    auto criticalButRegistered = [this] {
        auto stub = aegis::v1::RegistryService::NewStub(adminChannel());
        grpc::ClientContext context;
        client::setTimeout(context, 5s);
        aegis::v1::ListInstancesRequest request;
        request.set_service("shop");
        request.set_include_unroutable(true);
        aegis::v1::ListInstancesResponse response;
        if (!stub->ListInstances(&context, request, &response).ok()) {
            return false;
        }
        return std::any_of(response.instances().begin(), response.instances().end(),
                           [](const aegis::v1::Instance &instance) {
                               return instance.id() == "shop-5" && !instance.routable() &&
                                      instance.health().status() ==
                                          aegis::v1::HEALTH_STATUS_CRITICAL;
                           });
    };
    QTRY_VERIFY_WITH_TIMEOUT(criticalButRegistered(), kTimeout);

    QCOMPARE(loadgen->wait(30s), std::optional<int>(0));
    const std::string output = testing::readFile(out);
    const auto summary = finalSummary(output);
    QVERIFY2(summary, output.c_str());
    QVERIFY2(summary->ok > 0, output.c_str());
    QVERIFY2(summary->failed == 0, output.c_str());
}

// The demo's live configuration: a sample started with --config demo/shop answers with its flags
// until config arrives, then with what is published to demo/shop/behaviour.json, at once; a
// document it cannot use is acknowledged as failed and changes nothing.
void SampleFleetTest::behaviourFollowsTheConfigCenter() {
    auto sample = startSample("shop-6", "blue", "60s",
                              {"--config", "demo/shop", "--greeting", "hello from the flags",
                               "--feature", "fast_path", "--config-snapshot",
                               (m_dir.path() / "shop-6-config.json").string()});
    QVERIFY(sample);
    QTRY_VERIFY_WITH_TIMEOUT(listShop().count("shop-6"), kTimeout);
    const std::string address = listShop().at("shop-6").address();
    sample::KeepAliveHttpClient http(5s);
    const auto answered = [&](const std::string &expected) {
        return testing::pollUntil([&] {
            const auto response = http.get(address, "/");
            return response.status == 200 && response.body.find(expected) != std::string::npos;
        });
    };
    QVERIFY(answered(R"("greeting":"hello from the flags")"));
    QVERIFY(answered(R"("features":{"fast_path":true})"));

    const std::int64_t version = publishBehaviour(
        R"({"greeting": "hello from the config center", "latency": "2ms",
            "features": {"new_checkout": true, "fast_path": false}})");
    QVERIFY(version > 0);
    QVERIFY2(answered(R"("greeting":"hello from the config center")"),
             http.get(address, "/").body.c_str());
    const auto greeting = http.get(address, "/");
    QVERIFY2(greeting.body.find(R"("features":{"fast_path":false,"new_checkout":true})") !=
                 std::string::npos,
             greeting.body.c_str());
    QVERIFY2(greeting.body.find(R"("version":)" + std::to_string(version) + "}") !=
                 std::string::npos,
             greeting.body.c_str());
    const auto metrics = http.get(address, "/metrics");
    for (const std::string &expected : std::vector<std::string>{
             R"(aegis_sample_feature_enabled{feature="new_checkout"} 1)",
             R"(aegis_sample_feature_enabled{feature="fast_path"} 0)",
             "aegis_sample_latency_seconds 0.002",
             "aegis_sample_config_version " + std::to_string(version),
         }) {
        QVERIFY2(metrics.body.find(expected) != std::string::npos, expected.c_str());
    }

    // An error rate out of range is refused: the greeting stays, and the refusal is acknowledged.
    const std::int64_t refused = publishBehaviour(R"({"error_rate": 7})");
    QVERIFY(refused > version);
    auto stub = aegis::v1::ConfigService::NewStub(adminChannel());
    const auto failedAck = [&] {
        aegis::v1::GetAppliedStatusRequest request;
        request.mutable_ref()->set_namespace_("demo");
        request.mutable_ref()->set_group("shop");
        request.mutable_ref()->set_key("behaviour.json");
        aegis::v1::GetAppliedStatusResponse response;
        grpc::ClientContext context;
        client::setTimeout(context, 5s);
        if (!stub->GetAppliedStatus(&context, request, &response).ok()) {
            return false;
        }
        return std::any_of(response.instances().begin(), response.instances().end(),
                           [&](const aegis::v1::AppliedInstance &instance) {
                               return instance.instance_id() == "shop-6" &&
                                      instance.version() == refused &&
                                      instance.error().find("error_rate") != std::string::npos;
                           });
    };
    QVERIFY(testing::pollUntil(failedAck));
    QVERIFY(http.get(address, "/").body.find("hello from the config center") != std::string::npos);

    sample->signal(SIGTERM);
    QCOMPARE(sample->wait(10s), std::optional<int>(0));
}

// A registration that aegisd refuses is logged at error level (with the reason), not as
// information.
void SampleFleetTest::registrationFailuresAreErrors() {
    const auto badToken = m_dir.path() / "bad.token";
    std::ofstream(badToken) << "aegis_not_a_token\n";
    const auto log = m_dir.path() / "shop-refused.log";
    auto sample = testing::ChildProcess::start({AEGIS_SAMPLE_PATH, "--service", "shop", "--id",
                                                "shop-refused", "--listen", "127.0.0.1:0",
                                                "--aegis", m_daemon->grpcAddress(), "--token-file",
                                                badToken.string(), "--otlp-endpoint", ""},
                                               log, log);
    QVERIFY(sample);
    std::vector<nlohmann::json> registrations;
    QVERIFY(testing::pollUntil([&] {
        registrations.clear();
        std::istringstream lines(testing::readFile(log));
        for (std::string line; std::getline(lines, line);) {
            const auto parsed = nlohmann::json::parse(line, nullptr, false);
            if (parsed.is_object() && parsed.value("msg", "") == "registration") {
                registrations.push_back(parsed);
            }
        }
        return !registrations.empty();
    }));
    for (const auto &line : registrations) {
        QCOMPARE(line.value("level", ""), std::string("error"));
        QVERIFY2(!line.value("error", "").empty(), line.dump().c_str());
    }
    sample->signal(SIGTERM);
    QVERIFY(sample->wait(30s).has_value());
}

QTEST_GUILESS_MAIN(SampleFleetTest)
#include "tst_sample_fleet.moc"
