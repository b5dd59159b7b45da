// Alerting end to end: aegisd evaluating a rule file against a real Prometheus that scrapes an
// aegis-sample server, notifying the real Alertmanager it runs as its child, which posts to a
// webhook in the test. The error ratio goes up: the alert is pending, fires after `for`, reaches
// the webhook; the ratio goes down: the webhook hears it resolved. Up again, and aegisd is
// SIGKILLed while it fires: it comes back holding the same alert, announcing nothing new, tells
// the new Alertmanager child about it, and the resolution that follows reaches the webhook.

#include "aegis/v1/alerting.grpc.pb.h"
#include "alertmanager_process.h"
#include "api_test_helpers.h"
#include "daemon_process.h"
#include "poll_until.h"
#include "prometheus_process.h"
#include "required_tool.h"
#include "sample/keep_alive_http_client.h"
#include "sample/sample_http_server.h"
#include "webhook_receiver.h"

#include <QtTest>

#include <grpcpp/client_context.h>

#include <atomic>
#include <fstream>
#include <set>
#include <thread>

using namespace aegis;
using namespace std::chrono_literals;
namespace v1 = aegis::v1;

namespace {

const std::string kRules = R"(groups:
  - name: shop
    interval: 1s
    rules:
      - alert: ShopErrors
        expr: |
          sum by (service) (rate(http_requests_total{service="shop",code=~"5.."}[5s]))
            / sum by (service) (rate(http_requests_total{service="shop"}[5s])) > 0.05
        for: 4s
        labels:
          severity: critical
        annotations:
          summary: "{{ $labels.service }} answers errors"
)";

void withDeadline(grpc::ClientContext &context) {
    context.set_deadline(std::chrono::system_clock::now() + 15s);
}

// The webhook's ShopErrors alerts with `status` ("firing" or "resolved").
std::vector<nlohmann::json> delivered(const testing::WebhookReceiver &webhook,
                                      const std::string &status) {
    std::vector<nlohmann::json> found;
    for (const nlohmann::json &alert : webhook.alerts()) {
        if (alert["labels"].value("alertname", "") == "ShopErrors" &&
            alert.value("status", "") == status) {
            found.push_back(alert);
        }
    }
    return found;
}

} // namespace

class AlertingE2eTest : public QObject {
    Q_OBJECT

private slots:
    void initTestCase();
    void cleanupTestCase();
    void errorRatioFiresSurvivesAKillAndResolves();

private:
    void startDaemon();
    std::unique_ptr<v1::AlertService::Stub> stub() const;
    std::optional<v1::Alert> shopAlert() const;

    std::unique_ptr<testing::TempDir> m_dir;
    std::unique_ptr<sample::SampleHttpServer> m_sample;
    std::atomic<bool> m_stopTraffic{false};
    std::thread m_traffic;
    std::unique_ptr<testing::PrometheusProcess> m_prometheus;
    std::unique_ptr<testing::WebhookReceiver> m_webhook;
    std::unique_ptr<testing::DaemonProcess> m_daemon;
};

void AlertingE2eTest::initTestCase() {
    AEGIS_REQUIRE_TOOL(testing::PrometheusProcess::kBinary, testing::PrometheusProcess::kPackage);
    AEGIS_REQUIRE_TOOL(testing::AlertmanagerProcess::kBinary,
                       testing::AlertmanagerProcess::kPackage);
    m_dir = std::make_unique<testing::TempDir>();
    sample::SampleServerOptions options;
    options.service = "shop";
    options.instanceId = "shop-1";
    auto sample = sample::SampleHttpServer::start(options);
    QVERIFY2(sample, sample.status().toString().c_str());
    m_sample = std::move(*sample);
    const std::string address = m_sample->address();
    // Steady traffic, so that rates exist.
    m_traffic = std::thread([this, address] {
        sample::KeepAliveHttpClient http(5s);
        while (!m_stopTraffic) {
            (void)http.get(address, "/");
            std::this_thread::sleep_for(10ms);
        }
    });
    testing::PrometheusProcess::Options prometheus;
    prometheus.scrapeConfigs = [address](std::uint16_t) {
        return testing::PrometheusProcess::staticJob("shop", {address}, {{"service", "shop"}});
    };
    auto started = testing::PrometheusProcess::start(m_dir->path() / "prometheus", prometheus);
    QVERIFY2(started, started.status().toString().c_str());
    m_prometheus = std::move(*started);
    auto webhook = testing::WebhookReceiver::start();
    QVERIFY2(webhook, webhook.status().toString().c_str());
    m_webhook = std::move(*webhook);
    startDaemon();
}

void AlertingE2eTest::cleanupTestCase() {
    m_stopTraffic = true;
    if (m_traffic.joinable()) {
        m_traffic.join();
    }
    if (m_daemon) {
        QCOMPARE(m_daemon->terminate(), 0);
    }
}

void AlertingE2eTest::startDaemon() {
    testing::DaemonOptions options;
    options.dataDir = m_dir->path() / "aegisd";
    // A resend interval longer than the test: whatever Alertmanager hears after the restart, it
    // hears because the restart sent it, not because a resend came due.
    const auto configFile = m_dir->path() / "aegisd.yaml";
    std::ofstream(configFile) << "alerting:\n  resend_interval: 10m\n";
    options.extraArgs = {"--config",      configFile.string(), "--metrics-backend", "external",
                         "--metrics-url", m_prometheus->url(), "--alertmanager",    "managed"};
    auto daemon = testing::DaemonProcess::start(options);
    QVERIFY2(daemon, daemon.status().toString().c_str());
    m_daemon = std::move(*daemon);
}

std::unique_ptr<v1::AlertService::Stub> AlertingE2eTest::stub() const {
    return v1::AlertService::NewStub(
        testing::channelFor(m_daemon->grpcAddress(), m_daemon->adminToken()));
}

std::optional<v1::Alert> AlertingE2eTest::shopAlert() const {
    v1::ListAlertsRequest request;
    auto *matcher = request.add_matchers();
    matcher->set_name("alertname");
    matcher->set_value("ShopErrors");
    matcher->set_is_equal(true);
    v1::ListAlertsResponse response;
    grpc::ClientContext context;
    withDeadline(context);
    if (!stub()->ListAlerts(&context, request, &response).ok() || response.alerts().empty()) {
        return std::nullopt;
    }
    return response.alerts(0);
}

void AlertingE2eTest::errorRatioFiresSurvivesAKillAndResolves() {
    auto alerts = stub();
    {
        v1::PutAlertmanagerConfigRequest request;
        request.set_content(testing::AlertmanagerProcess::webhookConfig(m_webhook->url()));
        request.set_comment("the test's webhook");
        v1::PutAlertmanagerConfigResponse response;
        grpc::ClientContext context;
        withDeadline(context);
        const auto status = alerts->PutAlertmanagerConfig(&context, request, &response);
        QVERIFY2(status.ok(), status.error_message().c_str());
    }
    {
        v1::PutRuleFileRequest request;
        request.set_name("shop");
        request.set_content(kRules);
        request.set_comment("shop errors");
        v1::PutRuleFileResponse response;
        grpc::ClientContext context;
        withDeadline(context);
        const auto status = alerts->PutRuleFile(&context, request, &response);
        QVERIFY2(status.ok(), status.error_message().c_str());
    }
    // The managed Alertmanager answers before anything fires.
    QVERIFY(testing::pollUntil(
        [&] {
            v1::GetAlertingStatusRequest request;
            v1::GetAlertingStatusResponse response;
            grpc::ClientContext context;
            withDeadline(context);
            return alerts->GetAlertingStatus(&context, request, &response).ok() &&
                   response.mode() == "managed" && response.alertmanagers_size() == 1 &&
                   response.alertmanagers(0).up();
        },
        30s));

    sample::Behaviour failing = m_sample->behaviour();
    failing.errorRate = 0.5;
    QVERIFY(m_sample->setBehaviour(failing).isOk());
    std::set<v1::AlertState> seen;
    QVERIFY(testing::pollUntil(
        [&] {
            const auto alert = shopAlert();
            if (alert) {
                seen.insert(alert->state());
            }
            return alert && alert->state() == v1::ALERT_STATE_FIRING;
        },
        60s));
    QVERIFY2(seen.count(v1::ALERT_STATE_PENDING) == 1, "never seen pending before firing");
    const v1::Alert firing = *shopAlert();
    QVERIFY(firing.fired_at().seconds() - firing.active_at().seconds() >= 3);
    QVERIFY(testing::pollUntil([&] { return !delivered(*m_webhook, "firing").empty(); }, 30s));
    const std::string startsAt = delivered(*m_webhook, "firing").front().value("startsAt", "");
    QVERIFY(!startsAt.empty());

    // Lowered: resolved, and the webhook hears it.
    sample::Behaviour healthy = failing;
    healthy.errorRate = 0;
    QVERIFY(m_sample->setBehaviour(healthy).isOk());
    QVERIFY(testing::pollUntil([&] { return !delivered(*m_webhook, "resolved").empty(); }, 60s));
    QCOMPARE(delivered(*m_webhook, "resolved").front().value("startsAt", ""), startsAt);

    // Raised again: a new episode fires with a start of its own.
    QVERIFY(m_sample->setBehaviour(failing).isOk());
    QVERIFY(testing::pollUntil(
        [&] {
            const auto alert = shopAlert();
            return alert && alert->state() == v1::ALERT_STATE_FIRING &&
                   alert->active_at().seconds() > firing.fired_at().seconds();
        },
        60s));
    const v1::Alert again = *shopAlert();
    std::string againStartsAt;
    QVERIFY(testing::pollUntil(
        [&] {
            for (const nlohmann::json &alert : delivered(*m_webhook, "firing")) {
                if (alert.value("startsAt", "") != startsAt) {
                    againStartsAt = alert.value("startsAt", "");
                }
            }
            return !againStartsAt.empty();
        },
        30s));

    // Killed while it fires: the restarted aegisd evaluates the rule again and still holds the
    // alert that fired, with its start and fired time: nothing fires anew. Its Alertmanager is a
    // new child that knows no alert: the first evaluation tells it the firing one (same start),
    // so that it can notify the resolution later.
    const auto firingWithStart = [&](const std::string &start) {
        std::size_t count = 0;
        for (const nlohmann::json &alert : delivered(*m_webhook, "firing")) {
            count += alert.value("startsAt", "") == start ? 1 : 0;
        }
        return count;
    };
    const std::size_t notifiedBeforeKill = firingWithStart(againStartsAt);
    m_daemon->kill();
    startDaemon();
    alerts = stub();
    QVERIFY(testing::pollUntil(
        [&] {
            v1::ListRulesRequest request;
            request.set_file("shop");
            v1::ListRulesResponse response;
            grpc::ClientContext context;
            withDeadline(context);
            return alerts->ListRules(&context, request, &response).ok() &&
                   response.rules_size() == 1 && response.rules(0).firing() == 1 &&
                   response.rules(0).last_evaluation().seconds() >
                       again.last_evaluation().seconds() + 2;
        },
        60s));
    const v1::Alert after = *shopAlert();
    QCOMPARE(after.state(), v1::ALERT_STATE_FIRING);
    QCOMPARE(after.active_at().seconds(), again.active_at().seconds());
    QCOMPARE(after.fired_at().seconds(), again.fired_at().seconds());
    for (const nlohmann::json &alert : delivered(*m_webhook, "firing")) {
        const std::string start = alert.value("startsAt", "");
        QVERIFY2(start == startsAt || start == againStartsAt, start.c_str());
    }
    QVERIFY(testing::pollUntil([&] { return firingWithStart(againStartsAt) > notifiedBeforeKill; },
                               30s));

    // Lowered after the restart: the new Alertmanager hears the resolution and the webhook gets it.
    QVERIFY(m_sample->setBehaviour(healthy).isOk());
    QVERIFY(testing::pollUntil(
        [&] {
            for (const nlohmann::json &alert : delivered(*m_webhook, "resolved")) {
                if (alert.value("startsAt", "") == againStartsAt) {
                    return true;
                }
            }
            return false;
        },
        60s));
}

QTEST_GUILESS_MAIN(AlertingE2eTest)

#include "tst_alerting_e2e.moc"
