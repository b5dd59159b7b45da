// Graceful shutdown as a caller without retries sees it: real aegis-sample processes registered
// with a real aegisd serve callers that pick through libaegis-client's Discovery and send each
// request once. Instances are stopped with SIGTERM one after another under that load, each
// replaced by a new one; not one request fails.

#include "aegis/v1/auth.grpc.pb.h"
#include "api_test_helpers.h"
#include "child_process.h"
#include "client/connection.h"
#include "client/discovery.h"
#include "daemon_process.h"
#include "http_get.h"
#include "poll_until.h"

#include <grpcpp/grpcpp.h>

#include <QtTest>

#include <atomic>
#include <csignal>
#include <fstream>
#include <map>
#include <mutex>
#include <thread>

using namespace aegis;
using namespace std::chrono_literals;

class GracefulShutdownTest : public QObject {
    Q_OBJECT

private slots:
    void initTestCase();
    void cleanupTestCase();
    void sigtermUnderLoadFailsNoRequest();

private:
    std::unique_ptr<testing::ChildProcess> startSample(const std::string &id);

    testing::TempDir m_dir;
    std::unique_ptr<testing::DaemonProcess> m_daemon;
    std::shared_ptr<grpc::Channel> m_admin;
    std::filesystem::path m_tokenFile;
};

// Requests sent by callers that pick once per request and never retry.
class Callers {
public:
    Callers(client::Discovery &discovery, int threads)
        : m_discovery(discovery) {
        for (int i = 0; i < threads; ++i) {
            m_threads.emplace_back([this] { run(); });
        }
    }
    ~Callers() { stop(); }

    void stop() {
        m_stop = true;
        for (auto &thread : m_threads) {
            thread.join();
        }
        m_threads.clear();
    }
    long answered(const std::string &instanceId) const {
        std::lock_guard lock(m_mutex);
        const auto found = m_answered.find(instanceId);
        return found == m_answered.end() ? 0 : found->second;
    }
    long total() const {
        std::lock_guard lock(m_mutex);
        long sum = 0;
        for (const auto &[id, count] : m_answered) {
            sum += count;
        }
        return sum;
    }
    std::vector<std::string> failures() const {
        std::lock_guard lock(m_mutex);
        return m_failures;
    }

private:
    void run() {
        while (!m_stop) {
            const auto pick = m_discovery.pick();
            if (!pick) {
                std::lock_guard lock(m_mutex);
                m_failures.push_back("no instance to pick");
                continue;
            }
            const std::string id = pick->endpoint.id;
            const auto answer = testing::httpGet(pick->endpoint.address, "/", {}, 5s);
            std::lock_guard lock(m_mutex);
            if (answer.status == 200) {
                ++m_answered[id];
            } else {
                m_failures.push_back(id + " answered " + std::to_string(answer.status));
            }
        }
    }

    client::Discovery &m_discovery;
    std::atomic<bool> m_stop{false};
    mutable std::mutex m_mutex;
    std::map<std::string, long> m_answered;
    std::vector<std::string> m_failures;
    std::vector<std::thread> m_threads;
};

// The first failed request, or "" when none failed.
std::string firstFailure(const Callers &callers) {
    const auto failures = callers.failures();
    return failures.empty() ? std::string()
                            : std::to_string(failures.size()) + " failed, first: " + failures[0];
}

std::unique_ptr<testing::ChildProcess> GracefulShutdownTest::startSample(const std::string &id) {
    // The default --drain-delay and --shutdown-grace: what a service gets without tuning.
    return testing::ChildProcess::start(
        {AEGIS_SAMPLE_PATH, "--service", "shop", "--id", id, "--listen", "127.0.0.1:0", "--aegis",
         m_daemon->grpcAddress(), "--token-file", m_tokenFile.string(), "--latency", "2ms", "--ttl",
         "10s", "--otlp-endpoint", "", "--request-log", "none"},
        m_dir.path() / (id + ".out"), m_dir.path() / (id + ".log"));
}

void GracefulShutdownTest::initTestCase() {
    auto daemon = testing::DaemonProcess::start();
    QVERIFY2(daemon, daemon.status().toString().c_str());
    m_daemon = std::move(*daemon);
    m_admin = *client::makeChannel(m_daemon->adminConnection());

    std::string secret;
    const grpc::Status status =
        testing::createToken(m_admin, "shop-fleet", aegis::v1::ROLE_SERVICE, &secret, {"shop"});
    QVERIFY2(status.ok(), status.error_message().c_str());
    m_tokenFile = m_dir.path() / "service.token";
    std::ofstream(m_tokenFile) << secret << "\n";
}

void GracefulShutdownTest::cleanupTestCase() {
    m_admin.reset();
    m_daemon.reset();
}

void GracefulShutdownTest::sigtermUnderLoadFailsNoRequest() {
    constexpr int kInstances = 3;
    constexpr int kShutdowns = 10;
    std::map<std::string, std::unique_ptr<testing::ChildProcess>> running;
    int started = 0;
    const auto startNext = [&] {
        const std::string id = "shop-" + std::to_string(++started);
        running[id] = startSample(id);
        return id;
    };
    for (int i = 0; i < kInstances; ++i) {
        startNext();
    }

    client::DiscoveryOptions options;
    options.service = "shop";
    options.outcomeReportInterval = 0ms;
    auto discovery = client::Discovery::start(m_admin, options);
    QVERIFY(discovery.isOk());
    QVERIFY(testing::pollUntil(
        [&] { return (*discovery)->pickable().size() == std::size_t{kInstances}; }, 20s));

    Callers callers(**discovery, 3);
    for (int round = 0; round < kShutdowns; ++round) {
        // The oldest instance, once it is taking requests.
        const auto victim = running.begin();
        const std::string id = victim->first;
        QVERIFY2(testing::pollUntil([&] { return callers.answered(id) > 0; }, 20s), id.c_str());
        const long before = callers.answered(id);

        victim->second->signal(SIGTERM);
        const std::string next = startNext();
        const auto exitCode = victim->second->wait(30s);
        QVERIFY2(exitCode == std::optional<int>(0),
                 (id + " exited " + (exitCode ? std::to_string(*exitCode) : "not at all") + ": " +
                  testing::readFile(m_dir.path() / (id + ".log")))
                     .c_str());
        // It kept serving what callers still sent it while the removal reached them.
        QVERIFY(callers.answered(id) >= before);
        running.erase(victim);
        const std::string log = testing::readFile(m_dir.path() / (id + ".log"));
        for (const char *step : {"draining", "deregistered", "propagated", "drained"}) {
            const std::string line = std::string(R"("step":")") + step + "\"";
            QVERIFY2(log.find(line) != std::string::npos, (id + " log: " + log).c_str());
        }
        QVERIFY2(log.find(R"("level":"error")") == std::string::npos, log.c_str());
        QVERIFY2(testing::pollUntil([&] { return callers.answered(next) > 0; }, 20s), next.c_str());
        QCOMPARE(firstFailure(callers), std::string());
    }
    callers.stop();
    QCOMPARE(firstFailure(callers), std::string());
    QVERIFY(callers.total() > 100);
    for (auto &[id, process] : running) {
        process->signal(SIGTERM);
        QCOMPARE(process->wait(30s), std::optional<int>(0));
    }
}

QTEST_GUILESS_MAIN(GracefulShutdownTest)
#include "tst_graceful_shutdown.moc"
