// The Alertmanager side against the real Alertmanager 0.25 (Debian's prometheus-alertmanager) and
// a webhook receiver: API v2 alerts reach the webhook grouped and resolve, the notifier posts to
// every Alertmanager and retries one that failed, silences are created, listed, expired and stop
// delivery, and errors follow the SilenceApi contract.

#include "alerting/alertmanager_client.h"
#include "alerting/alertmanager_notifier.h"
#include "alerting/alertmanager_silences.h"
#include "alertmanager_process.h"
#include "loopback_ports.h"
#include "poll_until.h"
#include "required_tool.h"
#include "webhook_receiver.h"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <nlohmann/json.hpp>
#include <prometheus/registry.h>

#include <QTemporaryDir>
#include <QtTest>

#include <future>
#include <thread>

using namespace aegis;
using namespace aegis::alerting;
using namespace aegis::testing;
using namespace std::chrono_literals;
using json = nlohmann::json;

namespace {

// Runs one call and waits for its `done`.
template <typename T, typename Start>
StatusOr<T> await(Start start, std::chrono::milliseconds limit = 30s) {
    auto promise = std::make_shared<std::promise<StatusOr<T>>>();
    auto future = promise->get_future();
    start([promise](StatusOr<T> result) { promise->set_value(std::move(result)); });
    if (future.wait_for(limit) != std::future_status::ready) {
        return internalError("no answer within the test's limit");
    }
    return future.get();
}

Status awaitStatus(const std::function<void(AlertmanagerClient::Finished)> &start) {
    auto result = await<bool>([&](auto done) {
        start([done](Status status) {
            done(status.isOk() ? StatusOr<bool>(true) : StatusOr<bool>(status));
        });
    });
    return result.status();
}

OutgoingAlert alertNamed(const std::string &name, const std::string &instance,
                         TimePoint endsAt = std::chrono::system_clock::now() + 1h) {
    OutgoingAlert alert;
    alert.labels = {{"alertname", name}, {"instance", instance}, {"service", "checkout"}};
    alert.annotations = {{"summary", name + " on " + instance}};
    alert.startsAt = std::chrono::system_clock::now() - 1min;
    alert.endsAt = endsAt;
    alert.generatorUrl = "http://aegis.example/alerts";
    return alert;
}

// The alerts the webhook got for `alertname` (optionally with `status`).
std::vector<json> delivered(const WebhookReceiver &webhook, const std::string &alertname,
                            const std::string &status = {}) {
    std::vector<json> found;
    for (const json &alert : webhook.alerts()) {
        if (alert["labels"].value("alertname", "") == alertname &&
            (status.empty() || alert.value("status", "") == status)) {
            found.push_back(alert);
        }
    }
    return found;
}

// A counter's value in `registry` (with label alertmanager=`url` when given); -1 when absent.
double counter(prometheus::Registry &registry, const std::string &name,
               const std::string &url = {}) {
    for (const auto &family : registry.Collect()) {
        if (family.name != name) {
            continue;
        }
        for (const auto &metric : family.metric) {
            const bool matches =
                url.empty() || std::any_of(metric.label.begin(), metric.label.end(),
                                           [&](const auto &label) { return label.value == url; });
            if (matches) {
                return metric.counter.value;
            }
        }
    }
    return -1;
}

Silence silenceOf(std::vector<Matcher> matchers, std::chrono::minutes lasting = 30min) {
    Silence silence;
    silence.matchers = std::move(matchers);
    silence.startsAt = std::chrono::system_clock::now();
    silence.endsAt = silence.startsAt + lasting;
    silence.createdBy = "tester";
    silence.comment = "maintenance";
    return silence;
}

} // namespace

class AlertmanagerClientTest : public QObject {
    Q_OBJECT

private slots:
    void initTestCase();
    void cleanupTestCase();
    void alertsReachTheWebhookGrouped();
    void anAlertEndingInThePastResolves();
    void theNotifierPostsToEveryAlertmanager();
    void aFailedAlertmanagerGetsItsBatchWithTheNextOne();
    void aFullQueueDropsTheOldestAndCountsThem();
    void silencesAreCreatedListedAndExpired();
    void aSilenceStopsDelivery();
    void silenceInputIsValidated_data();
    void silenceInputIsValidated();
    void errorsFollowTheContract();
    void bearerTokenAndPathPrefixAreSent();
    void statusAndReload();

private:
    AlertmanagerClientPtr client(const std::string &url, AlertmanagerClientOptions options = {}) {
        auto created = AlertmanagerClient::create(m_io.get_executor(), url, std::move(options));
        if (!created) {
            qFatal("%s", created.status().message().c_str());
        }
        return *created;
    }

    QTemporaryDir m_dir;
    boost::asio::io_context m_io;
    std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> m_work;
    std::vector<std::thread> m_threads;
    std::unique_ptr<WebhookReceiver> m_webhook;
    std::unique_ptr<WebhookReceiver> m_secondWebhook;
    std::unique_ptr<AlertmanagerProcess> m_alertmanager;
    std::unique_ptr<AlertmanagerProcess> m_second;
};

void AlertmanagerClientTest::initTestCase() {
    AEGIS_REQUIRE_TOOL(AlertmanagerProcess::kBinary, AlertmanagerProcess::kPackage);
    QVERIFY(m_dir.isValid());
    m_work.emplace(m_io.get_executor());
    for (int i = 0; i < 2; ++i) {
        m_threads.emplace_back([this] { m_io.run(); });
    }
    auto webhook = WebhookReceiver::start();
    QVERIFY2(webhook, webhook.status().message().c_str());
    m_webhook = std::move(*webhook);
    auto second = WebhookReceiver::start();
    QVERIFY2(second, second.status().message().c_str());
    m_secondWebhook = std::move(*second);
    const std::filesystem::path dir = m_dir.path().toStdString();
    auto alertmanager = AlertmanagerProcess::start(
        dir / "am1", AlertmanagerProcess::webhookConfig(m_webhook->url()));
    QVERIFY2(alertmanager, alertmanager.status().message().c_str());
    m_alertmanager = std::move(*alertmanager);
    auto other = AlertmanagerProcess::start(
        dir / "am2", AlertmanagerProcess::webhookConfig(m_secondWebhook->url()));
    QVERIFY2(other, other.status().message().c_str());
    m_second = std::move(*other);
}

void AlertmanagerClientTest::cleanupTestCase() {
    m_alertmanager.reset();
    m_second.reset();
    m_work.reset();
    m_io.stop();
    for (auto &thread : m_threads) {
        thread.join();
    }
}

void AlertmanagerClientTest::alertsReachTheWebhookGrouped() {
    auto am = client(m_alertmanager->url());
    QVERIFY(awaitStatus([&](auto done) {
                am->postAlerts({alertNamed("Grouped", "a"), alertNamed("Grouped", "b")}, done);
            }).isOk());
    QVERIFY2(pollUntil([&] { return delivered(*m_webhook, "Grouped").size() >= 2; }, 15s),
             "the webhook did not get both alerts");
    // One notification for the group (alertname, service) carrying both alerts, firing.
    const auto deliveries = m_webhook->deliveries();
    const auto notification = std::find_if(deliveries.begin(), deliveries.end(), [](auto &d) {
        return d.payload.is_object() &&
               d.payload["groupLabels"].value("alertname", "") == "Grouped";
    });
    QVERIFY(notification != deliveries.end());
    const json &payload = notification->payload;
    QCOMPARE(payload.value("status", ""), std::string("firing"));
    QCOMPARE(payload.value("receiver", ""), std::string("hook"));
    QCOMPARE(payload["groupLabels"], json({{"alertname", "Grouped"}, {"service", "checkout"}}));
    QCOMPARE(payload["alerts"].size(), std::size_t(2));
    for (const json &alert : payload["alerts"]) {
        QCOMPARE(alert.value("status", ""), std::string("firing"));
        QCOMPARE(alert["annotations"].value("summary", "").rfind("Grouped on ", 0), 0u);
        QCOMPARE(alert.value("generatorURL", ""), std::string("http://aegis.example/alerts"));
    }
    QVERIFY(am->state().up);
}

void AlertmanagerClientTest::anAlertEndingInThePastResolves() {
    auto am = client(m_alertmanager->url());
    QVERIFY(awaitStatus([&](auto done) {
                am->postAlerts({alertNamed("Resolving", "a")}, done);
            }).isOk());
    QVERIFY(pollUntil([&] { return !delivered(*m_webhook, "Resolving", "firing").empty(); }, 15s));
    const auto resolved = alertNamed("Resolving", "a", std::chrono::system_clock::now() - 1s);
    QVERIFY(awaitStatus([&](auto done) { am->postAlerts({resolved}, done); }).isOk());
    QVERIFY2(
        pollUntil([&] { return !delivered(*m_webhook, "Resolving", "resolved").empty(); }, 15s),
        "the webhook did not get the resolution");
}

void AlertmanagerClientTest::theNotifierPostsToEveryAlertmanager() {
    AlertmanagerNotifier notifier({client(m_alertmanager->url()), client(m_second->url())});
    prometheus::Registry registry;
    notifier.exportMetrics(registry);
    notifier.send({alertNamed("Everywhere", "a")});
    QVERIFY2(pollUntil([&] { return !delivered(*m_webhook, "Everywhere").empty(); }, 15s),
             "the first Alertmanager did not deliver");
    QVERIFY2(pollUntil([&] { return !delivered(*m_secondWebhook, "Everywhere").empty(); }, 15s),
             "the second Alertmanager did not deliver");
    const auto states = notifier.states();
    QCOMPARE(states.size(), std::size_t(2));
    QVERIFY(states[0].up && states[1].up);
    QCOMPARE(states[1].url, m_second->url());
    QVERIFY(states[0].lastSuccess != TimePoint{});
    QCOMPARE(notifier.droppedAlerts(), std::uint64_t(0));
    QCOMPARE(counter(registry, "aegis_alerting_notifications_sent_total", m_second->url()), 1.0);
    QCOMPARE(counter(registry, "aegis_alerting_notification_errors_total", m_second->url()), 0.0);
}

void AlertmanagerClientTest::aFullQueueDropsTheOldestAndCountsThem() {
    RefusingLoopbackAddress refusing;
    AlertmanagerNotifierOptions options;
    options.capacity = 2;
    AlertmanagerNotifier notifier({client("http://" + refusing.address())}, options);
    prometheus::Registry registry;
    notifier.exportMetrics(registry);
    // Three for a queue of two: the oldest goes at once.
    notifier.send({alertNamed("Full", "1"), alertNamed("Full", "2"), alertNamed("Full", "3")});
    QCOMPARE(notifier.droppedAlerts(), std::uint64_t(1));
    QVERIFY(pollUntil([&] { return !notifier.states()[0].lastError.empty(); }, 10s));
    // Its retry (two) and two new ones exceed what it may keep: the two oldest go.
    notifier.send({alertNamed("Full", "4"), alertNamed("Full", "5")});
    QVERIFY2(pollUntil([&] { return notifier.droppedAlerts() == 3; }, 10s),
             std::to_string(notifier.droppedAlerts()).c_str());
    QCOMPARE(counter(registry, "aegis_alerting_notifications_dropped_total"), 3.0);
    QVERIFY(counter(registry, "aegis_alerting_notification_errors_total",
                    "http://" + refusing.address()) >= 2.0);
}

void AlertmanagerClientTest::aFailedAlertmanagerGetsItsBatchWithTheNextOne() {
    AlertmanagerNotifier notifier({client(m_alertmanager->url()), client(m_second->url())});
    m_second->kill();
    notifier.send({alertNamed("WhileDown", "a")});
    QVERIFY(pollUntil([&] { return !delivered(*m_webhook, "WhileDown").empty(); }, 15s));
    QVERIFY2(pollUntil([&] { return !notifier.states()[1].up; }, 15s),
             "the stopped Alertmanager is not marked down");
    const AlertmanagerState down = notifier.states()[1];
    QVERIFY2(down.lastError.find(m_second->url()) != std::string::npos, down.lastError.c_str());
    QVERIFY(notifier.states()[0].up);

    const Status restarted = m_second->restart();
    QVERIFY2(restarted.isOk(), restarted.message().c_str());
    notifier.send({alertNamed("AfterRestart", "a")});
    // The batch it missed comes with the next one.
    QVERIFY2(pollUntil([&] { return !delivered(*m_secondWebhook, "WhileDown").empty(); }, 15s),
             "the missed batch was not sent again");
    QVERIFY(pollUntil([&] { return !delivered(*m_secondWebhook, "AfterRestart").empty(); }, 15s));
    QVERIFY(pollUntil([&] { return notifier.states()[1].up; }, 5s));
}

void AlertmanagerClientTest::silencesAreCreatedListedAndExpired() {
    AlertmanagerSilencesOptions options;
    options.refreshInterval = 200ms;
    AlertmanagerSilences silences(m_io.get_executor(), {client(m_alertmanager->url())}, options);
    const Silence wanted = silenceOf({{"alertname", "Maintenance", false, true},
                                      {"instance", "db-.*", true, true},
                                      {"zone", "eu", false, false}});
    auto id = await<std::string>([&](auto done) { silences.createSilence(wanted, done); });
    QVERIFY2(id, id.status().message().c_str());
    QVERIFY(!id->empty());

    auto listed = await<std::vector<Silence>>([&](auto done) { silences.listSilences(done); });
    QVERIFY2(listed, listed.status().message().c_str());
    const auto found =
        std::find_if(listed->begin(), listed->end(), [&](const Silence &s) { return s.id == *id; });
    QVERIFY(found != listed->end());
    QCOMPARE(found->matchers, wanted.matchers);
    QCOMPARE(found->createdBy, std::string("tester"));
    QCOMPARE(found->comment, std::string("maintenance"));
    QCOMPARE(found->state, SilenceState::Active);
    QVERIFY(std::chrono::abs(found->endsAt - wanted.endsAt) < 1s);

    QVERIFY2(pollUntil(
                 [&] {
                     const auto active = silences.activeSilences();
                     return std::any_of(active.begin(), active.end(),
                                        [&](const Silence &s) { return s.id == *id; });
                 },
                 10s),
             "activeSilences() did not pick up the new silence");

    auto expired = await<bool>([&](auto done) { silences.expireSilence(*id, done); });
    QVERIFY2(expired, expired.status().message().c_str());
    listed = await<std::vector<Silence>>([&](auto done) { silences.listSilences(done); });
    QVERIFY(listed);
    const auto after =
        std::find_if(listed->begin(), listed->end(), [&](const Silence &s) { return s.id == *id; });
    QVERIFY(after != listed->end());
    QCOMPARE(after->state, SilenceState::Expired);
    QVERIFY(pollUntil(
        [&] {
            const auto active = silences.activeSilences();
            return std::none_of(active.begin(), active.end(),
                                [&](const Silence &s) { return s.id == *id; });
        },
        10s));
    const auto states = silences.states();
    QCOMPARE(states.size(), std::size_t(1));
    QVERIFY(states[0].up);
    QVERIFY(pollUntil([&] { return silences.states()[0].version == "0.25.0"; }, 10s));
}

void AlertmanagerClientTest::aSilenceStopsDelivery() {
    AlertmanagerSilences silences(m_io.get_executor(), {client(m_alertmanager->url())});
    auto id = await<std::string>([&](auto done) {
        silences.createSilence(
            silenceOf({{"alertname", "Quiet", false, true}, {"instance", "silenced", false, true}}),
            done);
    });
    QVERIFY2(id, id.status().message().c_str());
    auto am = client(m_alertmanager->url());
    // Both in one group: the notification that carries the other shows the silenced one is held.
    QVERIFY(
        awaitStatus([&](auto done) {
            am->postAlerts({alertNamed("Quiet", "silenced"), alertNamed("Quiet", "loud")}, done);
        }).isOk());
    QVERIFY2(pollUntil([&] { return !delivered(*m_webhook, "Quiet").empty(); }, 15s),
             "the unsilenced alert was not delivered");
    for (const json &alert : delivered(*m_webhook, "Quiet")) {
        QCOMPARE(alert["labels"].value("instance", ""), std::string("loud"));
    }
}

void AlertmanagerClientTest::silenceInputIsValidated_data() {
    QTest::addColumn<int>("which");
    QTest::addColumn<QString>("field");
    QTest::newRow("no matchers") << 0 << "matchers";
    QTest::newRow("33 matchers") << 1 << "matchers";
    QTest::newRow("matches everything") << 2 << "matchers";
    QTest::newRow("ends before it starts") << 3 << "ends_at";
    QTest::newRow("30 seconds") << 4 << "duration";
    QTest::newRow("91 days") << 5 << "duration";
    QTest::newRow("no comment") << 6 << "comment";
    QTest::newRow("comment of 1025 bytes") << 7 << "comment";
    QTest::newRow("bad regex") << 8 << "matchers[0]";
    QTest::newRow("no creator") << 9 << "created_by";
}

void AlertmanagerClientTest::silenceInputIsValidated() {
    QFETCH(int, which);
    QFETCH(QString, field);
    Silence silence = silenceOf({{"alertname", "X", false, true}});
    switch (which) {
    case 0:
        silence.matchers.clear();
        break;
    case 1:
        silence.matchers.assign(33, Matcher{"alertname", "X", false, true});
        break;
    case 2:
        silence.matchers = {{"alertname", ".*", true, true}};
        break;
    case 3:
        silence.endsAt = silence.startsAt - 1min;
        break;
    case 4:
        silence.endsAt = silence.startsAt + 30s;
        break;
    case 5:
        silence.endsAt = silence.startsAt + std::chrono::hours(24 * 91);
        break;
    case 6:
        silence.comment.clear();
        break;
    case 7:
        silence.comment.assign(1025, 'x');
        break;
    case 8:
        silence.matchers = {{"instance", "db-(", true, true}};
        break;
    case 9:
        silence.createdBy.clear();
        break;
    }
    AlertmanagerSilences silences(m_io.get_executor(), {client(m_alertmanager->url())});
    auto id = await<std::string>([&](auto done) { silences.createSilence(silence, done); });
    QVERIFY(!id);
    QCOMPARE(id.status().code(), StatusCode::InvalidArgument);
    QVERIFY2(id.status().message().rfind(field.toStdString(), 0) == 0,
             id.status().message().c_str());
}

void AlertmanagerClientTest::errorsFollowTheContract() {
    RefusingLoopbackAddress refusing;
    const std::string deadUrl = "http://" + refusing.address();
    // Silences go to the first Alertmanager that answers.
    AlertmanagerSilences fallback(m_io.get_executor(),
                                  {client(deadUrl), client(m_alertmanager->url())});
    auto listed = await<std::vector<Silence>>([&](auto done) { fallback.listSilences(done); });
    QVERIFY2(listed, listed.status().message().c_str());

    AlertmanagerSilences dead(m_io.get_executor(), {client(deadUrl)});
    listed = await<std::vector<Silence>>([&](auto done) { dead.listSilences(done); });
    QCOMPARE(listed.status().code(), StatusCode::Unavailable);
    QVERIFY2(listed.status().message().find(deadUrl) != std::string::npos,
             listed.status().message().c_str());

    AlertmanagerSilences none(m_io.get_executor(), {});
    listed = await<std::vector<Silence>>([&](auto done) { none.listSilences(done); });
    QCOMPARE(listed.status().code(), StatusCode::FailedPrecondition);

    auto expired = await<bool>(
        [&](auto done) { fallback.expireSilence("00000000-0000-0000-0000-000000000000", done); });
    QCOMPARE(expired.status().code(), StatusCode::NotFound);
    expired = await<bool>([&](auto done) { fallback.expireSilence("not-a-uuid", done); });
    QCOMPARE(expired.status().code(), StatusCode::NotFound);

    // A peer that takes the connection and never answers: the deadline holds.
    boost::asio::io_context silentIo;
    boost::asio::ip::tcp::acceptor silent(
        silentIo, {boost::asio::ip::make_address("127.0.0.1"), 0}); // listens, never accepts
    AlertmanagerClientOptions quick;
    quick.requestTimeout = 300ms;
    auto slow = client("http://127.0.0.1:" + std::to_string(silent.local_endpoint().port()), quick);
    const auto started = std::chrono::steady_clock::now();
    auto status = await<AlertmanagerStatus>([&](auto done) { slow->status(done); });
    QCOMPARE(status.status().code(), StatusCode::DeadlineExceeded);
    QVERIFY2(status.status().message().find("no answer within") != std::string::npos,
             status.status().message().c_str());
    QVERIFY(std::chrono::steady_clock::now() - started < 5s);
    QVERIFY(!slow->state().up);

    auto bad = AlertmanagerClient::create(m_io.get_executor(), "ftp://example");
    QCOMPARE(bad.status().code(), StatusCode::InvalidArgument);
    QVERIFY(bad.status().message().find("Alertmanager URL") != std::string::npos);
}

void AlertmanagerClientTest::bearerTokenAndPathPrefixAreSent() {
    AlertmanagerClientOptions options;
    options.bearerToken = "s3cret";
    auto am = client(m_webhook->url("/prefix"), options);
    m_webhook->clear();
    QVERIFY(awaitStatus([&](auto done) { am->postAlerts({alertNamed("Raw", "a")}, done); }).isOk());
    const auto deliveries = m_webhook->deliveries();
    QCOMPARE(deliveries.size(), std::size_t(1));
    QCOMPARE(deliveries[0].path, std::string("/prefix/api/v2/alerts"));
    QCOMPARE(deliveries[0].authorization, std::string("Bearer s3cret"));
    // The postable alert of API v2, exactly.
    const json &alert = deliveries[0].payload.at(0);
    QCOMPARE(alert["labels"],
             json({{"alertname", "Raw"}, {"instance", "a"}, {"service", "checkout"}}));
    QCOMPARE(alert["annotations"], json({{"summary", "Raw on a"}}));
    QVERIFY(alert["startsAt"].get<std::string>().ends_with("Z"));
    QVERIFY(alert.contains("endsAt"));
    QCOMPARE(alert.value("generatorURL", ""), std::string("http://aegis.example/alerts"));
}

void AlertmanagerClientTest::statusAndReload() {
    auto am = client(m_alertmanager->url());
    auto status = await<AlertmanagerStatus>([&](auto done) { am->status(done); });
    QVERIFY2(status, status.status().message().c_str());
    QCOMPARE(status->version, std::string("0.25.0"));
    QCOMPARE(status->clusterStatus, std::string("disabled"));
    QVERIFY(status->config.find("hook") != std::string::npos);
    QCOMPARE(am->state().version, std::string("0.25.0"));
    const Status reloaded = awaitStatus([&](auto done) { am->reload(done); });
    QVERIFY2(reloaded.isOk(), reloaded.message().c_str());
}

QTEST_GUILESS_MAIN(AlertmanagerClientTest)
#include "tst_alertmanager_client.moc"
