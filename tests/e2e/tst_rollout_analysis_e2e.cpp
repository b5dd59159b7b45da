// Rollout analysis against real numbers: a real Prometheus scrapes real aegis-sample instances of
// both colours while the test sends them traffic; the rollout controller (SystemClock, real
// ticks) measures its analysis through PrometheusClient. A new version with an injected error
// rate fails its check and rolls back on its own; a healthy one passes and goes live.

#include "audit/audit_log.h"
#include "child_process.h"
#include "daemon_process.h"
#include "fake_extensions.h"
#include "loopback_ports.h"
#include "metrics/prometheus_client.h"
#include "poll_until.h"
#include "prometheus_process.h"
#include "registry/registry.h"
#include "required_tool.h"
#include "rollout/audit_log_sink.h"
#include "rollout/registry_instance_source.h"
#include "rollout/rollout_controller.h"
#include "store/sqlite_store.h"

#include <QtTest>

#include <boost/asio/executor_work_guard.hpp>

#include <atomic>
#include <csignal>
#include <fstream>
#include <future>
#include <thread>
#include <tuple>

using namespace aegis;
using namespace aegis::rollout;
using namespace std::chrono_literals;

using fakes::RecordingRouter;
using fakes::RegisteringDriver;

namespace {

// The new colour's error ratio over the last 10 s, as the spec's check asks it.
const char *kErrorRatio =
    "sum(rate(http_requests_total{service=\"{service}\",color=\"{new_color}\",code=~\"5..\"}[10s]))"
    " / sum(rate(http_requests_total{service=\"{service}\",color=\"{new_color}\"}[10s]))";

// Answers (a non-empty vector) once both colours serve requests, as Prometheus has scraped them:
// count(sum by (color) (rate(http_requests_total{route="/"}[10s])) > 0) >= 2, URL-encoded.
const std::string kBothColoursServing =
    "count%28sum%20by%20%28color%29%20%28rate%28http_requests_total%7Broute%3D%22%2F%22%7D%5B10s%"
    "5D%29%29%20%3E%200%29%20%3E%3D%202";

// Sends GET / to every port until stopped, a request per port every 20 ms (bounded: at most two
// minutes).
class Traffic {
public:
    explicit Traffic(std::vector<std::uint16_t> ports)
        : m_thread([this, ports] {
            const auto end = std::chrono::steady_clock::now() + 120s;
            while (!m_stop && std::chrono::steady_clock::now() < end) {
                for (std::uint16_t port : ports) {
                    testing::loopbackHttpGet(port, "/", 1s);
                }
                std::this_thread::sleep_for(20ms);
            }
        }) {}
    ~Traffic() {
        m_stop = true;
        m_thread.join();
    }

private:
    std::atomic<bool> m_stop{false};
    std::thread m_thread;
};

} // namespace

class RolloutAnalysisE2eTest : public QObject {
    Q_OBJECT

private slots:
    void initTestCase();
    void init();
    void cleanup();
    void injectedErrorRateFailsTheGateAndRollsBack();
    void healthyVersionPassesTheGate();
    void aegisdGatesReleasesStartedByAegisctl();

private:
    // Runs blue 1.0 (no errors) and green 2.0 with `errorRate`, scraped by Prometheus every second.
    void startFleet(double errorRate);
    std::string runRollout();

    std::unique_ptr<testing::TempDir> m_dir;
    std::unique_ptr<testing::DaemonProcess> m_daemon;
    std::vector<std::unique_ptr<testing::ChildProcess>> m_samples;
    std::unique_ptr<testing::PrometheusProcess> m_prometheus;
    std::unique_ptr<Traffic> m_traffic;

    std::shared_ptr<SystemClock> m_clock = std::make_shared<SystemClock>();
    std::unique_ptr<store::SqliteStore> m_store;
    std::unique_ptr<registry::Registry> m_registry;
    std::unique_ptr<audit::AuditLog> m_audit;
    std::unique_ptr<RegistryInstanceSource> m_instances;
    std::unique_ptr<AuditLogSink> m_auditSink;
    std::unique_ptr<boost::asio::io_context> m_io;
    std::unique_ptr<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>>
        m_work;
    std::vector<std::thread> m_threads;
    std::shared_ptr<RegisteringDriver> m_driver;
    std::shared_ptr<RecordingRouter> m_router;
    std::unique_ptr<metrics::PrometheusClient> m_queries;
    std::unique_ptr<ExtensionRegistry> m_extensions;
    std::unique_ptr<RolloutController> m_controller;
};

void RolloutAnalysisE2eTest::initTestCase() {
    AEGIS_REQUIRE_TOOL(testing::PrometheusProcess::kBinary, testing::PrometheusProcess::kPackage);
}

void RolloutAnalysisE2eTest::init() {
    m_dir = std::make_unique<testing::TempDir>();
    auto daemon = testing::DaemonProcess::start();
    QVERIFY2(daemon.isOk(), daemon.status().toString().c_str());
    m_daemon = std::move(*daemon);

    auto store = store::SqliteStore::open({m_dir->path() / "aegis.db"});
    QVERIFY2(store.isOk(), store.status().message().c_str());
    m_store = std::move(*store);
    m_registry = std::make_unique<registry::Registry>(*m_store, m_clock);
    QVERIFY(m_registry->load().isOk());
    m_audit = std::make_unique<audit::AuditLog>(*m_store, m_clock);
    QVERIFY(m_audit->load().isOk());
    m_io = std::make_unique<boost::asio::io_context>();
    m_work =
        std::make_unique<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>>(
            m_io->get_executor());
    for (int i = 0; i < 2; ++i) {
        m_threads.emplace_back([this] { m_io->run(); });
    }
    m_driver = std::make_shared<RegisteringDriver>(*m_registry, *m_io);
    m_router = std::make_shared<RecordingRouter>(*m_io);
    m_extensions = std::make_unique<ExtensionRegistry>();
    QVERIFY(m_extensions->addDriver(m_driver).isOk());
    QVERIFY(m_extensions->addRouter(m_router).isOk());
    m_instances = std::make_unique<RegistryInstanceSource>(*m_registry);
    m_auditSink = std::make_unique<AuditLogSink>(*m_audit);
}

void RolloutAnalysisE2eTest::cleanup() {
    if (m_controller) {
        m_controller->stop();
    }
    m_traffic.reset();
    m_work.reset();
    m_io->stop();
    for (auto &thread : m_threads) {
        thread.join();
    }
    m_threads.clear();
    m_store->close();
    m_controller.reset();
    m_queries.reset();
    m_extensions.reset();
    m_auditSink.reset();
    m_instances.reset();
    m_audit.reset();
    m_registry.reset();
    m_store.reset();
    m_io.reset();
    m_prometheus.reset();
    for (auto &sample : m_samples) {
        sample->signal(SIGTERM);
        sample->wait(10s);
    }
    m_samples.clear();
    m_daemon.reset();
    m_dir.reset();
}

void RolloutAnalysisE2eTest::startFleet(double errorRate) {
    const auto ports = testing::unusedLoopbackPorts(2);
    const std::pair<const char *, const char *> colours[] = {{"blue", "1.0"}, {"green", "2.0"}};
    std::vector<std::string> jobs;
    for (int i = 0; i < 2; ++i) {
        const auto [colour, version] = colours[i];
        const std::string address = "127.0.0.1:" + std::to_string(ports[i]);
        auto sample = testing::ChildProcess::start(
            {AEGIS_SAMPLE_PATH, "--service", "shop", "--id", std::string("shop-") + colour,
             "--listen", address, "--version", version, "--color", colour, "--aegis",
             m_daemon->grpcAddress(), "--token-file", m_daemon->adminTokenFile().string(),
             "--latency", "1ms", "--error-rate", i == 1 ? std::to_string(errorRate) : "0"},
            m_dir->path() / (std::string(colour) + ".log"),
            m_dir->path() / (std::string(colour) + ".log"));
        QVERIFY(sample);
        m_samples.push_back(std::move(sample));
        jobs.push_back(testing::PrometheusProcess::staticJob(
            std::string("shop-") + colour, {address},
            {{"service", "shop"}, {"color", colour}, {"version", version}}));
    }
    QVERIFY2(testing::pollUntil(
                 [&] {
                     return testing::loopbackHttpGet(ports[0], "/health", 1s).status == 200 &&
                            testing::loopbackHttpGet(ports[1], "/health", 1s).status == 200;
                 },
                 20s),
             testing::readFile(m_dir->path() / "green.log").c_str());
    testing::PrometheusProcess::Options options;
    options.scrapeInterval = 1s;
    options.scrapeConfigs = [jobs](std::uint16_t) {
        std::string text;
        for (const auto &job : jobs) {
            text += job;
        }
        return text;
    };
    auto prometheus = testing::PrometheusProcess::start(m_dir->path() / "prometheus", options);
    QVERIFY2(prometheus.isOk(), prometheus.status().toString().c_str());
    m_prometheus = std::move(*prometheus);
    m_traffic = std::make_unique<Traffic>(std::vector<std::uint16_t>{ports[0], ports[1]});
    // Both colours' request rates are in Prometheus before any rollout measures them.
    QVERIFY2(testing::pollUntil(
                 [&] {
                     const auto answer = testing::loopbackHttpGet(
                         m_prometheus->port(), "/api/v1/query?query=" + kBothColoursServing, 1s);
                     return answer.body.find("\"value\"") != std::string::npos;
                 },
                 30s),
             m_prometheus->logText().c_str());

    auto client = metrics::PrometheusClient::create(m_io->get_executor(), m_prometheus->url());
    QVERIFY2(client.isOk(), client.status().toString().c_str());
    m_queries = std::move(*client);
    m_controller =
        std::make_unique<RolloutController>(*m_store, *m_instances, m_queries.get(), nullptr,
                                            *m_auditSink, *m_extensions, *m_io, m_clock);
    QVERIFY(m_controller->start().isOk());
}

// Starts shop 2.0 gated by the error ratio during verification, lets its stand-in instances pass,
// and returns the rollout's id.
std::string RolloutAnalysisE2eTest::runRollout() {
    // Blue runs 1.0 (the registry's stand-ins of the real samples, for the controller).
    registry::Registration blue;
    blue.instance.service = "shop";
    blue.instance.id = "shop-blue-1";
    blue.instance.address = "127.0.0.1:1";
    blue.instance.labels = {{"version", "1.0"}, {"color", "blue"}};
    blue.ttl = 3600s;
    std::promise<StatusOr<registry::Registered>> registered;
    m_registry->registerInstance(
        blue, [&](StatusOr<registry::Registered> result) { registered.set_value(result); });
    if (!registered.get_future().get().isOk()) {
        return {};
    }
    RolloutSpec spec;
    spec.service = "shop";
    spec.version = "2.0";
    spec.replicas = 1;
    spec.driver = "fake";
    spec.router = "recording";
    spec.healthyFor = 1s;
    spec.progressDeadline = 2min;
    AnalysisCheck check;
    check.name = "error-ratio";
    check.query = kErrorRatio;
    check.successCondition = "result < 0.05";
    check.initialDelay = 5s; // a few scrapes of traffic first
    check.interval = 2s;
    check.count = 3;
    check.inconclusiveLimit = 3;
    check.stages = kVerification;
    spec.analysis.checks = {check};
    std::promise<StatusOr<Rollout>> started;
    m_controller->startRollout(spec, Actor{"alice", {}},
                               [&](StatusOr<Rollout> r) { started.set_value(std::move(r)); });
    auto rollout = started.get_future().get();
    if (!rollout) {
        qWarning("%s", rollout.status().toString().c_str());
        return {};
    }
    testing::pollUntil(
        [&] {
            auto current = m_controller->get(rollout->id);
            return current && current->phase == Phase::Verifying;
        },
        20s);
    registry::InstanceHealth health;
    health.status = registry::HealthStatus::Passing;
    health.checked = true;
    std::promise<Status> updated;
    m_registry->updateHealth("shop", RegisteringDriver::instanceId("shop", Color::Green, 1), health,
                             {}, [&](Status s) { updated.set_value(s); });
    updated.get_future().get();
    return rollout->id;
}

void RolloutAnalysisE2eTest::injectedErrorRateFailsTheGateAndRollsBack() {
    startFleet(0.5);
    const std::string id = runRollout();
    QVERIFY(!id.empty());
    Rollout done;
    QVERIFY2(testing::pollUntil(
                 [&] {
                     auto current = m_controller->get(id);
                     done = current ? *current : Rollout{};
                     return isFinished(done.phase);
                 },
                 60s),
             done.message.c_str());
    QCOMPARE(done.phase, Phase::RolledBack);
    QCOMPARE(*m_router->last(), TrafficSplit::allOn(Color::Blue));
    QVERIFY2(done.message.find("analysis check 'error-ratio' (verification) failed: ") == 0 &&
                 done.message.find("does not satisfy result < 0.05") != std::string::npos &&
                 done.message.find("color=\"green\"") != std::string::npos,
             done.message.c_str());
    const CheckRun &run = done.analysis.runs.front();
    QCOMPARE(run.state, RunState::Failed);
    // Half the requests fail: the measured ratio is far from 0.
    QVERIFY2(run.measurements.back().value > 0.2,
             std::to_string(run.measurements.back().value).c_str());
}

void RolloutAnalysisE2eTest::healthyVersionPassesTheGate() {
    startFleet(0);
    const std::string id = runRollout();
    QVERIFY(!id.empty());
    Rollout done;
    QVERIFY2(testing::pollUntil(
                 [&] {
                     auto current = m_controller->get(id);
                     done = current ? *current : Rollout{};
                     return isFinished(done.phase);
                 },
                 60s),
             done.message.c_str());
    QVERIFY2(done.phase == Phase::Succeeded, done.message.c_str());
    const CheckRun &run = done.analysis.runs.front();
    std::string measured;
    for (const Measurement &m : run.measurements) {
        measured += std::to_string(m.value) + " " + m.detail + "; ";
    }
    QVERIFY2(run.state == RunState::Passed, measured.c_str());
    QVERIFY2(run.successes == 3, measured.c_str());
    QCOMPARE(run.measurements.back().value, 0.0);
}

// The whole product: aegisd with its managed Prometheus (scraping every second what its HTTP
// service discovery finds), aegis-sample colours registering themselves, and `aegisctl rollout
// start --analysis FILE --wait`: the release whose new version fails half its requests is rolled
// back, the healthy one goes live, and `rollout status` shows the measurements.
void RolloutAnalysisE2eTest::aegisdGatesReleasesStartedByAegisctl() {
    m_daemon.reset();
    std::ofstream(m_dir->path() / "aegisd.yaml") << "metrics:\n  scrape_interval: 1s\n";
    testing::DaemonOptions options;
    options.extraArgs = {"--metrics-backend", "managed", "--config",
                         (m_dir->path() / "aegisd.yaml").string()};
    auto daemon = testing::DaemonProcess::start(options);
    QVERIFY2(daemon.isOk(), daemon.status().toString().c_str());
    m_daemon = std::move(*daemon);
    const auto ctl = [&](std::vector<std::string> args) {
        args.insert(args.begin(), {AEGISCTL_PATH, "--server", m_daemon->grpcAddress(),
                                   "--token-file", m_daemon->adminTokenFile().string()});
        return testing::runCommand(args, 120s);
    };

    // shop's new version fails half its requests; cart's is as healthy as its live one.
    const auto ports = testing::unusedLoopbackPorts(4);
    const std::tuple<const char *, const char *, const char *, const char *> fleet[] = {
        {"shop", "blue", "1.0", "0"},
        {"shop", "green", "2.0", "0.5"},
        {"cart", "blue", "1.0", "0"},
        {"cart", "green", "2.0", "0"}};
    for (std::size_t i = 0; i < 4; ++i) {
        const auto [service, colour, version, errorRate] = fleet[i];
        const std::string id = std::string(service) + "-" + colour + "-1";
        auto sample = testing::ChildProcess::start(
            {AEGIS_SAMPLE_PATH, "--service", service, "--id", id, "--listen",
             "127.0.0.1:" + std::to_string(ports[i]), "--version", version, "--color", colour,
             "--aegis", m_daemon->grpcAddress(), "--token-file",
             m_daemon->adminTokenFile().string(), "--latency", "1ms", "--error-rate", errorRate},
            m_dir->path() / (id + ".log"), m_dir->path() / (id + ".log"));
        QVERIFY(sample);
        m_samples.push_back(std::move(sample));
    }
    m_traffic = std::make_unique<Traffic>(std::vector<std::uint16_t>(ports.begin(), ports.end()));
    // Both colours of both services registered: blue is live, the rollouts release green.
    for (const char *service : {"shop", "cart"}) {
        QVERIFY(testing::pollUntil(
            [&] {
                const auto listed = ctl({"instances", "list", service});
                return listed.out.find(std::string(service) + "-blue-1") != std::string::npos &&
                       listed.out.find(std::string(service) + "-green-1") != std::string::npos;
            },
            20s));
    }

    // Measured during verification, once Prometheus has found and scraped the new colour.
    const auto analysis = m_dir->path() / "analysis.yaml";
    std::ofstream(analysis) << "checks:\n"
                               "  - name: error-ratio\n"
                               "    query: >-\n"
                               "      sum(rate(http_requests_total{service=\"{service}\","
                               "color=\"{new_color}\",route=\"/\",code=~\"5..\"}[10s]))\n"
                               "      / sum(rate(http_requests_total{service=\"{service}\","
                               "color=\"{new_color}\",route=\"/\"}[10s]))\n"
                               "    success_condition: result < 0.05\n"
                               "    initial_delay: 15s\n"
                               "    interval: 2s\n"
                               "    count: 3\n"
                               "    inconclusive_limit: 5\n"
                               "    run_during: [verification]\n";
    const auto start = [&](const char *service) {
        return ctl({"rollout", "start", service, "--version", "2.0", "--replicas", "1", "--driver",
                    "external", "--router", "registry", "--healthy-for", "1s", "--analysis",
                    analysis.string(), "--wait"});
    };
    const auto shop = start("shop");
    QVERIFY2(shop.exitCode == 3, (shop.out + shop.err).c_str()); // rolled back
    QVERIFY2(shop.out.find("analysis check 'error-ratio' (verification) failed: ") !=
                     std::string::npos &&
                 shop.out.find("does not satisfy result < 0.05") != std::string::npos,
             shop.out.c_str());
    const auto cart = start("cart");
    QVERIFY2(cart.exitCode == 0, (cart.out + cart.err).c_str());

    const auto status = ctl({"rollout", "status", "shop-1"});
    QCOMPARE(status.exitCode, 0);
    QVERIFY2(status.out.find("Analysis of verification") != std::string::npos &&
                 status.out.find("error-ratio") != std::string::npos &&
                 status.out.find("failed") != std::string::npos &&
                 status.out.find("fail, ") != std::string::npos,
             status.out.c_str());
    const auto passed = ctl({"rollout", "status", "cart-1"});
    QVERIFY2(passed.out.find("passed") != std::string::npos &&
                 passed.out.find("3/3") != std::string::npos,
             passed.out.c_str());
}

QTEST_GUILESS_MAIN(RolloutAnalysisE2eTest)
#include "tst_rollout_analysis_e2e.moc"
