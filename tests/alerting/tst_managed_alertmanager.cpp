// ManagedAlertmanager with Debian's prometheus-alertmanager and amtool: the default configuration
// while the item does not exist, a configuration published as the config item reloaded into the
// running child (its new receiver used), a bad configuration refused by amtool and not applied,
// a killed child restarted with backoff on the same URL, a missing binary reported.

#include "alerting/alert_engine.h"
#include "alerting/alertmanager_client.h"
#include "alerting/managed_alertmanager.h"
#include "alertmanager_process.h"
#include "config/config_center.h"
#include "config/secret_box.h"
#include "daemon_process.h"
#include "poll_until.h"
#include "required_tool.h"
#include "store/sqlite_store.h"
#include "webhook_receiver.h"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include <QtTest>

#include <csignal>
#include <fstream>
#include <future>
#include <sstream>
#include <thread>

using namespace aegis;
using namespace aegis::alerting;
using namespace aegis::testing;
using namespace std::chrono_literals;
using json = nlohmann::json;

namespace {

const config::ItemRef kConfigItem{std::string(kAlertingNamespace), std::string(kAlertmanagerGroup),
                                  std::string(kAlertmanagerConfigKey)};

std::string readFile(const std::filesystem::path &path) {
    std::ifstream in(path);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

OutgoingAlert alertNamed(const std::string &name) {
    OutgoingAlert alert;
    alert.labels = {{"alertname", name}, {"service", "checkout"}};
    alert.startsAt = std::chrono::system_clock::now();
    alert.endsAt = alert.startsAt + 1h;
    return alert;
}

std::vector<WebhookReceiver::Delivery> deliveriesTo(const WebhookReceiver &webhook,
                                                    const std::string &path,
                                                    const std::string &alertname) {
    std::vector<WebhookReceiver::Delivery> found;
    for (const auto &delivery : webhook.deliveries()) {
        if (delivery.path == path && delivery.payload.is_object() &&
            delivery.payload["groupLabels"].value("alertname", "") == alertname) {
            found.push_back(delivery);
        }
    }
    return found;
}

} // namespace

class ManagedAlertmanagerTest : public QObject {
    Q_OBJECT

private slots:
    void initTestCase();
    void cleanupTestCase();
    void runsTheDefaultConfigurationWithoutTheItem();
    void aPublishedConfigurationIsReloaded();
    void amtoolRefusesABadConfiguration();
    void aBadPublishedConfigurationIsNotApplied();
    void aKilledChildIsRestartedWithBackoff();
    void aMissingBinaryIsAStatus();

private:
    Status publish(const std::string &content);
    void post(const OutgoingAlert &alert);

    std::unique_ptr<TempDir> m_dir;
    boost::asio::io_context m_io;
    std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> m_work;
    std::vector<std::thread> m_threads;
    store::StorePtr m_store;
    std::unique_ptr<config::SecretBox> m_secrets;
    std::unique_ptr<config::ConfigCenter> m_center;
    std::unique_ptr<WebhookReceiver> m_webhook;
    std::unique_ptr<ManagedAlertmanager> m_managed;
    std::int64_t m_version = 0;
};

void ManagedAlertmanagerTest::initTestCase() {
    AEGIS_REQUIRE_TOOL(AlertmanagerProcess::kBinary, AlertmanagerProcess::kPackage);
    AEGIS_REQUIRE_TOOL("amtool", AlertmanagerProcess::kPackage);
    m_dir = std::make_unique<TempDir>();
    m_work.emplace(m_io.get_executor());
    for (int i = 0; i < 2; ++i) {
        m_threads.emplace_back([this] { m_io.run(); });
    }
    auto store = store::SqliteStore::open({m_dir->path() / "aegis.db"});
    QVERIFY2(store.isOk(), store.status().message().c_str());
    m_store = std::move(*store);
    auto secrets = config::SecretBox::openOrCreate(m_dir->path() / "config.key");
    QVERIFY2(secrets.isOk(), secrets.status().message().c_str());
    m_secrets = std::move(*secrets);
    m_center = std::make_unique<config::ConfigCenter>(*m_store, *m_secrets,
                                                      std::make_shared<SystemClock>());
    QVERIFY(m_center->load().isOk());
    auto webhook = WebhookReceiver::start();
    QVERIFY2(webhook, webhook.status().message().c_str());
    m_webhook = std::move(*webhook);

    ManagedAlertmanagerOptions options;
    options.settings.defaultWebhookUrl = m_webhook->url("/default");
    options.directory = m_dir->path() / "alertmanager";
    options.store = m_store.get();
    options.config = m_center.get();
    // Long enough for the test to see the child down before it comes back.
    options.restartBackoff = {1000ms, 4000ms, 2.0, 0.0};
    options.readyPoll = 50ms;
    m_managed = std::make_unique<ManagedAlertmanager>(m_io.get_executor(), options);
    const Status started = m_managed->start();
    QVERIFY2(started.isOk(), started.message().c_str());
    QVERIFY2(
        pollUntil([&] { return m_managed->status().child.state == metrics::ChildState::Ready; },
                  30s),
        m_managed->status().child.detail.c_str());
}

void ManagedAlertmanagerTest::cleanupTestCase() {
    m_managed.reset();
    m_center.reset();
    if (m_store) {
        m_store->close();
    }
    m_store.reset();
    m_work.reset();
    m_io.stop();
    for (auto &thread : m_threads) {
        thread.join();
    }
}

Status ManagedAlertmanagerTest::publish(const std::string &content) {
    config::Change change;
    change.ref = kConfigItem;
    change.format = config::Format::Yaml;
    change.content = content;
    change.baseVersion = m_version;
    std::promise<StatusOr<config::PublishResult>> promise;
    m_center->publish(
        {change}, "test", {"tester", true},
        [&](StatusOr<config::PublishResult> result) { promise.set_value(std::move(result)); });
    auto result = promise.get_future().get();
    if (!result) {
        return result.status();
    }
    m_version = result->items.at(0).version;
    return Status::ok();
}

void ManagedAlertmanagerTest::post(const OutgoingAlert &alert) {
    auto client = AlertmanagerClient::create(m_io.get_executor(), m_managed->url());
    QVERIFY(client);
    std::promise<Status> promise;
    (*client)->postAlerts({alert}, [&](Status status) { promise.set_value(status); });
    const Status posted = promise.get_future().get();
    QVERIFY2(posted.isOk(), posted.message().c_str());
}

void ManagedAlertmanagerTest::runsTheDefaultConfigurationWithoutTheItem() {
    const auto file = m_dir->path() / "alertmanager" / "alertmanager.yml";
    QCOMPARE(readFile(file), defaultAlertmanagerConfig(m_webhook->url("/default")));
    QVERIFY(validateAlertmanagerConfig(readFile(file)).isOk());
    QCOMPARE(m_managed->status().configVersion, std::int64_t(0));
    QVERIFY(m_managed->url().starts_with("http://127.0.0.1:"));
    // The default route groups by alertname and service after group_wait 10s.
    post(alertNamed("ByDefault"));
    QVERIFY2(
        pollUntil([&] { return !deliveriesTo(*m_webhook, "/default", "ByDefault").empty(); }, 30s),
        "the default receiver got nothing");
    const json payload = deliveriesTo(*m_webhook, "/default", "ByDefault").front().payload;
    QCOMPARE(payload.value("receiver", ""), std::string("aegis-default"));
    QCOMPARE(payload["groupLabels"], json({{"alertname", "ByDefault"}, {"service", "checkout"}}));
    QCOMPARE(payload.value("status", ""), std::string("firing"));
}

void ManagedAlertmanagerTest::aPublishedConfigurationIsReloaded() {
    const std::string config =
        AlertmanagerProcess::webhookConfig(m_webhook->url("/published"), "published");
    const Status published = publish(config);
    QVERIFY2(published.isOk(), published.message().c_str());
    QVERIFY2(pollUntil([&] { return m_managed->status().configVersion == m_version; }, 15s),
             "the new version was not written");
    QCOMPARE(readFile(m_dir->path() / "alertmanager" / "alertmanager.yml"), config);
    // Alertmanager runs it: its status shows the new receiver, and alerts go there.
    auto client = AlertmanagerClient::create(m_io.get_executor(), m_managed->url());
    QVERIFY(client);
    QVERIFY2(pollUntil(
                 [&] {
                     std::promise<StatusOr<AlertmanagerStatus>> promise;
                     (*client)->status([&](StatusOr<AlertmanagerStatus> status) {
                         promise.set_value(std::move(status));
                     });
                     const auto status = promise.get_future().get();
                     return status && status->config.find("published") != std::string::npos;
                 },
                 15s),
             "Alertmanager did not reload the published configuration");
    post(alertNamed("AfterReload"));
    QVERIFY2(
        pollUntil([&] { return !deliveriesTo(*m_webhook, "/published", "AfterReload").empty(); },
                  15s),
        "the new receiver got nothing");
    QCOMPARE(
        deliveriesTo(*m_webhook, "/published", "AfterReload").front().payload.value("receiver", ""),
        std::string("published"));
    QVERIFY(m_managed->status().configError.empty());
}

void ManagedAlertmanagerTest::amtoolRefusesABadConfiguration() {
    const Status undefined = validateAlertmanagerConfig(
        "route:\n  receiver: nobody\nreceivers:\n  - name: aegis-default\n");
    QCOMPARE(undefined.code(), StatusCode::InvalidArgument);
    QCOMPARE(undefined.message(),
             std::string("alertmanager config: undefined receiver \"nobody\" used in route"));
    const Status duration = validateAlertmanagerConfig(
        "route:\n  receiver: x\n  group_wait: banana\nreceivers:\n  - name: x\n");
    QCOMPARE(duration.code(), StatusCode::InvalidArgument);
    QVERIFY2(duration.message().find("banana") != std::string::npos, duration.message().c_str());
    QVERIFY(validateAlertmanagerConfig(defaultAlertmanagerConfig("")).isOk());
    const Status missing =
        validateAlertmanagerConfig(defaultAlertmanagerConfig(""), "no-such-amtool");
    QCOMPARE(missing.code(), StatusCode::FailedPrecondition);
    QVERIFY2(missing.message().find("prometheus-alertmanager") != std::string::npos,
             missing.message().c_str());
}

void ManagedAlertmanagerTest::aBadPublishedConfigurationIsNotApplied() {
    const auto file = m_dir->path() / "alertmanager" / "alertmanager.yml";
    const std::string running = readFile(file);
    const std::int64_t runningVersion = m_managed->status().configVersion;
    // Published by a writer that skipped validation (the API validates before publishing).
    QVERIFY(publish("route:\n  receiver: nobody\nreceivers:\n  - name: x\n").isOk());
    QVERIFY2(pollUntil([&] { return !m_managed->status().configError.empty(); }, 15s),
             "the refused version is not reported");
    const std::string error = m_managed->status().configError;
    QVERIFY2(error.find("undefined receiver \"nobody\"") != std::string::npos, error.c_str());
    QVERIFY2(error.find("version " + std::to_string(m_version)) != std::string::npos,
             error.c_str());
    QCOMPARE(readFile(file), running);
    QCOMPARE(m_managed->status().configVersion, runningVersion);
    QCOMPARE(m_managed->status().child.state, metrics::ChildState::Ready);
}

void ManagedAlertmanagerTest::aKilledChildIsRestartedWithBackoff() {
    const int pid = m_managed->pid();
    QVERIFY(pid > 0);
    const std::string url = m_managed->url();
    const std::int64_t restarts = m_managed->status().child.restarts;
    QCOMPARE(::kill(pid, SIGKILL), 0);
    QVERIFY2(pollUntil([&] { return m_managed->status().child.state == metrics::ChildState::Down; },
                       10s),
             "the death was not noticed");
    QVERIFY2(m_managed->status().child.detail.find("restarting in") != std::string::npos,
             m_managed->status().child.detail.c_str());
    QVERIFY2(pollUntil(
                 [&] {
                     const auto status = m_managed->status();
                     return status.child.state == metrics::ChildState::Ready &&
                            status.child.restarts == restarts + 1;
                 },
                 30s),
             m_managed->status().child.detail.c_str());
    QVERIFY(m_managed->pid() != pid);
    QCOMPARE(m_managed->url(), url);
    // It runs the last good configuration again.
    post(alertNamed("AfterRestart"));
    QVERIFY(pollUntil(
        [&] { return !deliveriesTo(*m_webhook, "/published", "AfterRestart").empty(); }, 15s));
}

void ManagedAlertmanagerTest::aMissingBinaryIsAStatus() {
    ManagedAlertmanagerOptions options;
    options.settings.alertmanagerBinary = "no-such-alertmanager";
    options.directory = m_dir->path() / "missing";
    options.restartBackoff = {100ms, 1000ms, 2.0, 0.0};
    ManagedAlertmanager managed(m_io.get_executor(), options);
    QVERIFY(managed.start().isOk());
    QVERIFY(pollUntil([&] { return managed.status().child.state == metrics::ChildState::Down; }));
    const std::string detail = managed.status().child.detail;
    QVERIFY2(detail.find("no-such-alertmanager not found on PATH; install Debian's "
                         "prometheus-alertmanager") != std::string::npos,
             detail.c_str());
}

QTEST_GUILESS_MAIN(ManagedAlertmanagerTest)
#include "tst_managed_alertmanager.moc"
