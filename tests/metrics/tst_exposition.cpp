// What aegisd and aegis-sample expose on /metrics, scraped from outside as Prometheus would:
// both pass the real `promtool check metrics`; counters match the traffic sent exactly, with the
// error series present at zero before the first error; stream series move while a watch is open
// and streams stay out of the unary latency histogram; the modules' series move with a
// registration, a probe, a publish and a rollout; the sample's buckets fit its latency.

#include "aegis/v1/config.grpc.pb.h"
#include "aegis/v1/health.grpc.pb.h"
#include "aegis/v1/registry.grpc.pb.h"
#include "aegis/v1/rollout.grpc.pb.h"
#include "aegis/v1/system.grpc.pb.h"
#include "api_test_helpers.h"
#include "client/connection.h"
#include "daemon_process.h"
#include "poll_until.h"
#include "required_tool.h"
#include "sample/keep_alive_http_client.h"
#include "sample/sample_http_server.h"

#include <QtTest>

#include <grpcpp/client_context.h>

#include <cmath>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

using namespace aegis;
using namespace std::chrono_literals;

namespace {

// One scrape: every sample by its series exactly as exposed ("name{a=\"x\",b=\"y\"}"; labels in
// the exposition's order, which is by name for both binaries).
class Scrape {
public:
    explicit Scrape(std::string text)
        : m_text(std::move(text)) {
        std::istringstream lines(m_text);
        for (std::string line; std::getline(lines, line);) {
            if (line.empty() || line.front() == '#') {
                continue;
            }
            const auto space = line.rfind(' ');
            m_samples[line.substr(0, space)] = std::stod(line.substr(space + 1));
        }
    }

    const std::string &text() const { return m_text; }
    bool has(const std::string &series) const { return m_samples.contains(series); }
    // The sample's value; NaN when the series is absent, so a comparison with a number fails.
    double value(const std::string &series) const {
        const auto found = m_samples.find(series);
        return found == m_samples.end() ? std::nan("") : found->second;
    }
    // Whether any series of metric `name` carries `labelText` (e.g. `method="/x/Y"`).
    bool anyWith(const std::string &name, const std::string &labelText) const {
        for (const auto &[series, value] : m_samples) {
            if (series.starts_with(name + "{") && series.find(labelText) != std::string::npos) {
                return true;
            }
        }
        return false;
    }

private:
    std::string m_text;
    std::map<std::string, double> m_samples;
};

std::optional<Scrape> scrape(const std::string &address) {
    sample::KeepAliveHttpClient http(5s);
    const auto result = http.get(address, "/metrics");
    if (result.status != 200) {
        return std::nullopt;
    }
    return Scrape(result.body);
}

// `promtool check metrics` on `text`: "" when it passes, its complaint otherwise.
std::string promtoolProblems(const std::string &text, const std::filesystem::path &dir) {
    const auto file = dir / "scrape.prom";
    std::ofstream(file) << text;
    const auto result = testing::runCommand(
        {"/bin/sh", "-c", "exec promtool check metrics < '" + file.string() + "'"}, 30s);
    if (result.exitCode == 0 && result.out.empty() && result.err.empty()) {
        return {};
    }
    return "promtool exit " + std::to_string(result.exitCode) + ": " + result.out + result.err;
}

std::string grpcSeries(const std::string &metric, const std::string &method,
                       const std::string &code = {}) {
    return metric + "{" + (code.empty() ? "" : "code=\"" + code + "\",") + "method=\"" + method +
           "\"}";
}

constexpr const char *kGetStatus = "/aegis.v1.SystemService/GetStatus";
constexpr const char *kWatchInstances = "/aegis.v1.RegistryService/WatchInstances";

// An estimate of a histogram's quantile the way histogram_quantile() makes it: linear
// interpolation inside the bucket that holds the rank.
double quantileOf(const Scrape &scrape, const std::string &histogram, const std::string &labels,
                  double q) {
    std::vector<std::pair<double, double>> buckets; // (le, cumulative count)
    std::istringstream lines(scrape.text());
    const std::string prefix = histogram + "_bucket{" + labels + ",le=\"";
    for (std::string line; std::getline(lines, line);) {
        if (line.starts_with(prefix)) {
            const auto end = line.find('"', prefix.size());
            const std::string le = line.substr(prefix.size(), end - prefix.size());
            buckets.emplace_back(le == "+Inf" ? INFINITY : std::stod(le),
                                 std::stod(line.substr(line.rfind(' ') + 1)));
        }
    }
    if (buckets.empty() || buckets.back().second == 0) {
        return std::nan("");
    }
    const double rank = q * buckets.back().second;
    double lower = 0;
    double below = 0;
    for (const auto &[le, count] : buckets) {
        if (count >= rank) {
            return std::isinf(le) ? lower : lower + (le - lower) * (rank - below) / (count - below);
        }
        lower = le;
        below = count;
    }
    return std::nan("");
}

} // namespace

class ExpositionTest : public QObject {
    Q_OBJECT

private slots:
    void init();
    void cleanup();

    void aegisdPassesPromtool();
    void grpcCountsMatchTrafficExactly();
    void streamsHaveTheirOwnSeries();
    void moduleMetricsMove();
    void instanceHealthAndLatencyThresholdGauges();
    void sampleCountsMatchTrafficExactly();
    void sampleBucketsFitItsLatency();

private:
    Scrape scrapeDaemon();
    std::shared_ptr<grpc::Channel> adminChannel();
    void registerInstance(const std::string &service, const std::string &id,
                          const std::string &address,
                          const std::map<std::string, std::string> &metadata);
    void registerInstance(const std::string &service, const std::string &id,
                          const std::string &address);

    std::unique_ptr<testing::TempDir> m_dir;
    std::unique_ptr<testing::DaemonProcess> m_daemon;
};

void ExpositionTest::init() {
    m_dir = std::make_unique<testing::TempDir>();
    testing::DaemonOptions options;
    options.dataDir = m_dir->path() / "data";
    auto daemon = testing::DaemonProcess::start(options);
    QVERIFY2(daemon, daemon.status().toString().c_str());
    m_daemon = std::move(*daemon);
}

void ExpositionTest::cleanup() {
    if (m_daemon) {
        m_daemon->terminate();
    }
    m_daemon.reset();
    m_dir.reset();
}

// Empty when /metrics does not answer: every value is then NaN and fails its comparison.
Scrape ExpositionTest::scrapeDaemon() {
    return scrape(m_daemon->httpAddress()).value_or(Scrape(""));
}

std::shared_ptr<grpc::Channel> ExpositionTest::adminChannel() {
    return testing::channelFor(m_daemon->grpcAddress(), m_daemon->adminToken());
}

void ExpositionTest::registerInstance(const std::string &service, const std::string &id,
                                      const std::string &address) {
    registerInstance(service, id, address, {});
}

void ExpositionTest::registerInstance(const std::string &service, const std::string &id,
                                      const std::string &address,
                                      const std::map<std::string, std::string> &metadata) {
    auto stub = aegis::v1::RegistryService::NewStub(adminChannel());
    aegis::v1::RegisterInstanceRequest request;
    request.mutable_instance()->set_service(service);
    request.mutable_instance()->set_id(id);
    request.mutable_instance()->set_address(address);
    request.mutable_instance()->mutable_metadata()->insert(metadata.begin(), metadata.end());
    request.set_ttl_seconds(60);
    aegis::v1::RegisterInstanceResponse response;
    grpc::ClientContext context;
    client::setTimeout(context, 5s);
    const auto status = stub->RegisterInstance(&context, request, &response);
    QVERIFY2(status.ok(), status.error_message().c_str());
}

void ExpositionTest::aegisdPassesPromtool() {
    AEGIS_REQUIRE_TOOL("promtool", "prometheus");
    // With some traffic first, so histograms and streams have samples too.
    auto stub = aegis::v1::SystemService::NewStub(adminChannel());
    for (int i = 0; i < 3; ++i) {
        aegis::v1::GetStatusRequest request;
        aegis::v1::GetStatusResponse response;
        grpc::ClientContext context;
        client::setTimeout(context, 5s);
        QVERIFY(stub->GetStatus(&context, request, &response).ok());
    }
    registerInstance("web", "web-1", "127.0.0.1:1");
    const Scrape scraped = scrapeDaemon();
    const std::string problems = promtoolProblems(scraped.text(), m_dir->path());
    QVERIFY2(problems.empty(), problems.c_str());
    QCOMPARE(
        scraped.value(R"(aegis_build_info{store="sqlite",version=")" AEGIS_VERSION_TEXT R"("})"),
        1.0);
    for (const char *series : {"process_cpu_seconds_total", "process_resident_memory_bytes",
                               "process_open_fds", "process_start_time_seconds"}) {
        QVERIFY2(scraped.has(series), series);
    }
}

void ExpositionTest::grpcCountsMatchTrafficExactly() {
    const Scrape before = scrapeDaemon();
    // Every method starts with its OK and error series at zero, so the first error is an
    // increase, not a series appearing.
    for (const char *code : {"OK", "INVALID_ARGUMENT", "UNAUTHENTICATED", "PERMISSION_DENIED",
                             "INTERNAL", "UNAVAILABLE"}) {
        QCOMPARE(before.value(grpcSeries("aegis_grpc_requests_total", kGetStatus, code)), 0.0);
        QCOMPARE(before.value(grpcSeries("aegis_grpc_requests_total", kWatchInstances, code)), 0.0);
    }
    QCOMPARE(before.value(grpcSeries("aegis_grpc_request_duration_seconds_count", kGetStatus)),
             0.0);
    // Reads take tens of microseconds: the lowest bucket is 25 µs.
    QVERIFY(before.has("aegis_grpc_request_duration_seconds_bucket{method=\"" +
                       std::string(kGetStatus) + "\",le=\"2.5e-05\"}"));

    constexpr int kServed = 7;
    constexpr int kRefused = 3;
    const auto call = [](const std::shared_ptr<grpc::Channel> &channel) {
        auto stub = aegis::v1::SystemService::NewStub(channel);
        aegis::v1::GetStatusRequest request;
        aegis::v1::GetStatusResponse response;
        grpc::ClientContext context;
        client::setTimeout(context, 5s);
        return stub->GetStatus(&context, request, &response).error_code();
    };
    const auto admin = adminChannel();
    for (int i = 0; i < kServed; ++i) {
        QCOMPARE(call(admin), grpc::StatusCode::OK);
    }
    const auto stranger = testing::channelFor(m_daemon->grpcAddress(), "not-a-token");
    for (int i = 0; i < kRefused; ++i) {
        QCOMPARE(call(stranger), grpc::StatusCode::UNAUTHENTICATED);
    }

    const Scrape after = scrapeDaemon();
    QCOMPARE(after.value(grpcSeries("aegis_grpc_requests_total", kGetStatus, "OK")),
             double(kServed));
    QCOMPARE(after.value(grpcSeries("aegis_grpc_requests_total", kGetStatus, "UNAUTHENTICATED")),
             double(kRefused));
    QCOMPARE(after.value(grpcSeries("aegis_grpc_requests_total", kGetStatus, "INTERNAL")), 0.0);
    QCOMPARE(after.value(grpcSeries("aegis_grpc_request_duration_seconds_count", kGetStatus)),
             double(kServed + kRefused));
}

void ExpositionTest::streamsHaveTheirOwnSeries() {
    const Scrape before = scrapeDaemon();
    QCOMPARE(before.value(grpcSeries("aegis_grpc_streams_open", kWatchInstances)), 0.0);
    QCOMPARE(before.value(grpcSeries("aegis_grpc_stream_messages_sent_total", kWatchInstances)),
             0.0);
    QCOMPARE(before.value(grpcSeries("aegis_grpc_stream_messages_received_total", kWatchInstances)),
             0.0);

    auto stub = aegis::v1::RegistryService::NewStub(adminChannel());
    grpc::ClientContext context;
    aegis::v1::WatchInstancesRequest request;
    request.set_service("web");
    auto reader = stub->WatchInstances(&context, request);
    aegis::v1::WatchInstancesResponse message;
    QVERIFY(reader->Read(&message)); // the first message: where the watch starts

    const auto streamValue = [this](const char *metric) {
        return scrapeDaemon().value(grpcSeries(metric, kWatchInstances));
    };
    QVERIFY(testing::pollUntil([&] { return streamValue("aegis_grpc_streams_open") == 1.0; }));
    QCOMPARE(streamValue("aegis_grpc_stream_messages_received_total"), 1.0);
    QVERIFY(testing::pollUntil(
        [&] { return streamValue("aegis_grpc_stream_messages_sent_total") == 1.0; }));

    registerInstance("web", "web-1", "127.0.0.1:1");
    QVERIFY(reader->Read(&message));
    QCOMPARE(message.events_size(), 1);
    QVERIFY(testing::pollUntil(
        [&] { return streamValue("aegis_grpc_stream_messages_sent_total") == 2.0; }));
    const Scrape open = scrapeDaemon();
    QCOMPARE(open.value("aegis_watch_watchers"), 1.0);
    QVERIFY(open.value("aegis_watch_events_sent_total") >= 1.0);
    QCOMPARE(open.value(grpcSeries("aegis_grpc_requests_total", kWatchInstances, "OK")), 0.0);

    context.TryCancel();
    while (reader->Read(&message)) {
    }
    QCOMPARE(reader->Finish().error_code(), grpc::StatusCode::CANCELLED);
    QVERIFY(testing::pollUntil([&] { return streamValue("aegis_grpc_streams_open") == 0.0; }));
    const Scrape closed = scrapeDaemon();
    QCOMPARE(closed.value(grpcSeries("aegis_grpc_requests_total", kWatchInstances, "CANCELLED")),
             1.0);
    QCOMPARE(closed.value("aegis_watch_watchers"), 0.0);
    // A stream's lifetime is not a request latency.
    QVERIFY(!closed.anyWith("aegis_grpc_request_duration_seconds_count",
                            std::string("method=\"") + kWatchInstances + "\""));
}

void ExpositionTest::moduleMetricsMove() {
    const auto channel = adminChannel();
    const Scrape before = scrapeDaemon();
    QCOMPARE(before.value("aegis_registry_registrations_total"), 0.0);
    // aegisd published its default alert rule file at start (alerting.default_rules).
    const double startupPublishes = before.value("aegis_config_publishes_total");
    QCOMPARE(startupPublishes, 1.0);
    QCOMPARE(before.value("aegis_rollout_rollbacks_total"), 0.0);
    QCOMPARE(before.value(R"(aegis_health_probes_total{kind="tcp",result="passing"})"), 0.0);
    QCOMPARE(before.value(R"(aegis_rollouts{phase="provisioning"})"), 0.0);

    // A registration: its instance, probed over TCP at aegisd's own HTTP port.
    registerInstance("web", "web-1", m_daemon->httpAddress());
    Scrape registered = scrapeDaemon();
    QCOMPARE(registered.value("aegis_registry_registrations_total"), 1.0);
    QCOMPARE(registered.value(R"(aegis_registry_instances{service="web",state="serving"})"), 1.0);
    QCOMPARE(registered.value(R"(aegis_registry_instances{service="web",state="draining"})"), 0.0);
    QVERIFY(registered.value("aegis_store_revision") > before.value("aegis_store_revision"));
    QVERIFY(registered.value("aegis_store_commit_duration_seconds_count") >
            before.value("aegis_store_commit_duration_seconds_count"));
    QVERIFY(registered.value("aegis_store_transactions_total") >
            before.value("aegis_store_transactions_total"));

    {
        auto health = aegis::v1::HealthService::NewStub(channel);
        aegis::v1::UpdateHealthCheckRequest request;
        request.set_service("web");
        request.mutable_check()->set_kind("tcp");
        request.mutable_check()->set_interval_ms(200);
        request.mutable_check()->set_timeout_ms(150);
        aegis::v1::UpdateHealthCheckResponse response;
        grpc::ClientContext context;
        client::setTimeout(context, 5s);
        const auto status = health->UpdateHealthCheck(&context, request, &response);
        QVERIFY2(status.ok(), status.error_message().c_str());
    }
    QVERIFY(testing::pollUntil([&] {
        const Scrape probed = scrapeDaemon();
        return probed.value(R"(aegis_health_probes_total{kind="tcp",result="passing"})") >= 1.0 &&
               probed.value(R"(aegis_health_probe_duration_seconds_count{kind="tcp"})") >= 1.0;
    }));

    // A publish, seen by a config watch.
    auto config = aegis::v1::ConfigService::NewStub(channel);
    grpc::ClientContext watchContext;
    aegis::v1::WatchConfigRequest watch;
    watch.set_namespace_("prod");
    auto configReader = config->WatchConfig(&watchContext, watch);
    aegis::v1::WatchConfigResponse configMessage;
    QVERIFY(configReader->Read(&configMessage));
    QCOMPARE(scrapeDaemon().value("aegis_config_watchers"), 1.0);
    {
        aegis::v1::PublishConfigRequest request;
        auto *ref = request.mutable_change()->mutable_ref();
        ref->set_namespace_("prod");
        ref->set_group("web");
        ref->set_key("feature.json");
        request.mutable_change()->set_format(aegis::v1::CONFIG_FORMAT_JSON);
        request.mutable_change()->set_content(R"({"on": true})");
        request.set_comment("tst_exposition");
        aegis::v1::PublishConfigResponse response;
        grpc::ClientContext context;
        client::setTimeout(context, 5s);
        const auto status = config->PublishConfig(&context, request, &response);
        QVERIFY2(status.ok(), status.error_message().c_str());
    }
    QVERIFY(configReader->Read(&configMessage));
    QVERIFY(testing::pollUntil([&] {
        const Scrape published = scrapeDaemon();
        return published.value("aegis_config_publishes_total") == startupPublishes + 1.0 &&
               published.value("aegis_config_events_pushed_total") == 1.0;
    }));
    watchContext.TryCancel();
    while (configReader->Read(&configMessage)) {
    }
    configReader->Finish();
    QVERIFY(testing::pollUntil([&] { return scrapeDaemon().value("aegis_config_watchers") == 0; }));

    // A rollout whose instances never register, aborted while it waits for them.
    auto rollouts = aegis::v1::RolloutService::NewStub(channel);
    std::string id;
    {
        aegis::v1::StartRolloutRequest request;
        auto *spec = request.mutable_spec();
        spec->set_service("web");
        spec->set_version("2.0.0");
        spec->set_driver("process");
        (*spec->mutable_driver_params())["command"] = "/bin/sh -c 'exec sleep 60'";
        (*spec->mutable_driver_params())["grace_period"] = "1s";
        spec->set_router("registry");
        aegis::v1::StartRolloutResponse response;
        grpc::ClientContext context;
        client::setTimeout(context, 10s);
        const auto status = rollouts->StartRollout(&context, request, &response);
        QVERIFY2(status.ok(), status.error_message().c_str());
        id = response.rollout().id();
    }
    // Rollouts in progress, whichever phase they are in.
    const auto inProgress = [](const Scrape &scraped) {
        double sum = 0;
        for (const char *phase : {"pending", "provisioning", "verifying", "awaiting_approval",
                                  "switching", "baking", "finalizing", "aborting"}) {
            sum += scraped.value("aegis_rollouts{phase=\"" + std::string(phase) + "\"}");
        }
        return sum;
    };
    QVERIFY(testing::pollUntil([&] {
        const Scrape started = scrapeDaemon();
        return started.value(R"(aegis_rollout_transitions_total{phase="pending"})") == 1.0 &&
               started.value(R"(aegis_rollout_transitions_total{phase="provisioning"})") == 1.0 &&
               inProgress(started) == 1.0;
    }));
    {
        aegis::v1::RolloutActionRequest request;
        request.set_id(id);
        request.set_reason("tst_exposition");
        aegis::v1::RolloutActionResponse response;
        grpc::ClientContext context;
        client::setTimeout(context, 10s);
        const auto status = rollouts->AbortRollout(&context, request, &response);
        QVERIFY2(status.ok(), status.error_message().c_str());
    }
    QVERIFY(testing::pollUntil(
        [&] {
            const Scrape rolledBack = scrapeDaemon();
            return rolledBack.value("aegis_rollout_rollbacks_total") == 1.0 &&
                   rolledBack.value(R"(aegis_rollout_transitions_total{phase="rolled_back"})") ==
                       1.0 &&
                   rolledBack.value(R"(aegis_rollout_transitions_total{phase="aborting"})") ==
                       1.0 &&
                   inProgress(rolledBack) == 0.0;
        },
        20s));
}

// What the default alert rules query: an instance's health and a service's latency threshold.
void ExpositionTest::instanceHealthAndLatencyThresholdGauges() {
    const auto channel = adminChannel();
    registerInstance("web", "web-1", m_daemon->httpAddress(),
                     {{"alert.latency_p99_seconds", "0.25"}});
    registerInstance("web", "web-2", m_daemon->httpAddress(),
                     {{"alert.latency_p99_seconds", "0.5"}});
    // A closed port: its TCP probe fails.
    registerInstance("api", "api-1", "127.0.0.1:1", {{"alert.latency_p99_seconds", "soon"}});
    Scrape registered = scrapeDaemon();
    QCOMPARE(registered.value(R"(aegis_instance_healthy{instance="web-1",service="web"})"), 1.0);
    QCOMPARE(registered.value(R"(aegis_instance_healthy{instance="api-1",service="api"})"), 1.0);
    // The smallest an instance asks for; an unreadable value leaves the default.
    QCOMPARE(registered.value(R"(aegis_service_latency_threshold_seconds{service="web"})"), 0.25);
    QCOMPARE(registered.value(R"(aegis_service_latency_threshold_seconds{service="api"})"), 1.0);

    auto health = aegis::v1::HealthService::NewStub(channel);
    aegis::v1::UpdateHealthCheckRequest check;
    check.set_service("api");
    check.mutable_check()->set_kind("tcp");
    check.mutable_check()->set_interval_ms(200);
    check.mutable_check()->set_timeout_ms(150);
    check.mutable_check()->set_fall(1);
    aegis::v1::UpdateHealthCheckResponse checked;
    grpc::ClientContext checkContext;
    client::setTimeout(checkContext, 5s);
    const auto updated = health->UpdateHealthCheck(&checkContext, check, &checked);
    QVERIFY2(updated.ok(), updated.error_message().c_str());
    QVERIFY(testing::pollUntil(
        [&] {
            return scrapeDaemon().value(
                       R"(aegis_instance_healthy{instance="api-1",service="api"})") == 0.0;
        },
        10s));

    auto registry = aegis::v1::RegistryService::NewStub(channel);
    aegis::v1::DeregisterInstanceRequest gone;
    gone.set_service("web");
    gone.set_instance_id("web-1");
    aegis::v1::DeregisterInstanceResponse deregistered;
    grpc::ClientContext goneContext;
    client::setTimeout(goneContext, 5s);
    QVERIFY(registry->DeregisterInstance(&goneContext, gone, &deregistered).ok());
    const Scrape after = scrapeDaemon();
    QVERIFY(!after.anyWith("aegis_instance_healthy", R"(instance="web-1")"));
    QCOMPARE(after.value(R"(aegis_service_latency_threshold_seconds{service="web"})"), 0.5);
}

void ExpositionTest::sampleCountsMatchTrafficExactly() {
    AEGIS_REQUIRE_TOOL("promtool", "prometheus");
    sample::SampleServerOptions options;
    options.service = "shop";
    options.instanceId = "shop-1";
    auto server = sample::SampleHttpServer::start(options);
    QVERIFY2(server, server.status().toString().c_str());
    const std::string address = (*server)->address();

    const auto before = scrape(address);
    QVERIFY(before);
    // The routes and codes it serves are there from the start, at zero.
    for (const char *series : {
             R"(http_requests_total{code="200",method="GET",route="/"})",
             R"(http_requests_total{code="500",method="GET",route="/"})",
             R"(http_requests_total{code="200",method="GET",route="/health"})",
             R"(http_requests_total{code="503",method="GET",route="/health"})",
             R"(http_requests_total{code="404",method="GET",route="other"})",
             R"(http_request_duration_seconds_count{method="GET",route="/"})",
         }) {
        QCOMPARE(before->value(series), 0.0);
    }
    QCOMPARE(before->value("aegis_sample_error_ratio"), 0.0);
    QVERIFY(!before->has("aegis_sample_error_rate"));
    QCOMPARE(before->value(R"(aegis_sample_build_info{version=")" AEGIS_VERSION_TEXT R"("})"), 1.0);
    for (const char *series : {"process_cpu_seconds_total", "process_resident_memory_bytes",
                               "process_open_fds", "process_start_time_seconds"}) {
        QVERIFY2(before->has(series), series);
    }

    // A known error share: 4 requests that all fail, then 9 that all succeed.
    sample::KeepAliveHttpClient http(5s);
    sample::Behaviour failing = (*server)->behaviour();
    failing.errorRate = 1;
    QVERIFY((*server)->setBehaviour(failing).isOk());
    for (int i = 0; i < 4; ++i) {
        QCOMPARE(http.get(address, "/").status, 500);
    }
    const auto firstError = scrape(address);
    QVERIFY(firstError);
    QCOMPARE(firstError->value("aegis_sample_error_ratio"), 1.0);
    sample::Behaviour healthy = failing;
    healthy.errorRate = 0;
    QVERIFY((*server)->setBehaviour(healthy).isOk());
    for (int i = 0; i < 9; ++i) {
        QCOMPARE(http.get(address, "/").status, 200);
    }
    QCOMPARE(http.get(address, "/health").status, 200);
    QCOMPARE(http.get(address, "/nowhere").status, 404);

    const auto after = scrape(address);
    QVERIFY(after);
    QCOMPARE(after->value(R"(http_requests_total{code="500",method="GET",route="/"})"), 4.0);
    QCOMPARE(after->value(R"(http_requests_total{code="200",method="GET",route="/"})"), 9.0);
    QCOMPARE(after->value(R"(http_requests_total{code="200",method="GET",route="/health"})"), 1.0);
    QCOMPARE(after->value(R"(http_requests_total{code="404",method="GET",route="other"})"), 1.0);
    QCOMPARE(after->value(R"(http_request_duration_seconds_count{method="GET",route="/"})"), 13.0);
    // The earlier /metrics scrapes count as they are answered.
    QCOMPARE(after->value(R"(http_requests_total{code="200",method="GET",route="/metrics"})"), 2.0);
    QVERIFY(after->text().find("status=\"") == std::string::npos);
    const std::string problems = promtoolProblems(after->text(), m_dir->path());
    QVERIFY2(problems.empty(), problems.c_str());
}

void ExpositionTest::sampleBucketsFitItsLatency() {
    // A 20 ms service reads 20 ms at p50 (the 10–25 ms bucket made it 17.5 ms).
    sample::SampleServerOptions options;
    options.service = "shop";
    options.instanceId = "shop-1";
    options.behaviour.latency = 20ms;
    auto server = sample::SampleHttpServer::start(options);
    QVERIFY2(server, server.status().toString().c_str());
    const std::string address = (*server)->address();
    sample::KeepAliveHttpClient http(5s);
    for (int i = 0; i < 20; ++i) {
        QCOMPARE(http.get(address, "/").status, 200);
    }
    const auto scraped = scrape(address);
    QVERIFY(scraped);
    const double p50 =
        quantileOf(*scraped, "http_request_duration_seconds", R"(method="GET",route="/")", 0.5);
    QVERIFY2(p50 >= 0.020 && p50 < 0.0215, std::to_string(p50).c_str());

    const auto buckets = sample::requestDurationBuckets(20ms);
    QVERIFY(std::is_sorted(buckets.begin(), buckets.end()));
    QVERIFY(std::find(buckets.begin(), buckets.end(), 0.02) != buckets.end());
    QVERIFY(std::find(buckets.begin(), buckets.end(), 0.0001) != buckets.end());
}

QTEST_GUILESS_MAIN(ExpositionTest)
#include "tst_exposition.moc"
