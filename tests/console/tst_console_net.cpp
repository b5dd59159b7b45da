#include "net/api_client.h"
#include "tcp_forwarder.h"

#include <daemon_process.h>

#include <aegis/v1/auth.grpc.pb.h>
#include <client/connection.h>

#include <QElapsedTimer>
#include <QSignalSpy>
#include <QTest>
#include <QThread>

#include <memory>

using namespace aegis;
using namespace aegis::console;
using namespace std::chrono_literals;

namespace {

ApiClientOptions fastOptions() {
    ApiClientOptions options;
    options.statusInterval = 300ms;
    options.callTimeout = 5s;
    options.reconnect.initial = 100ms;
    options.reconnect.max = 1s;
    return options;
}

ConnectionSettings settingsFor(const testing::DaemonProcess &daemon) {
    ConnectionSettings settings;
    settings.address = QString::fromStdString(daemon.grpcAddress());
    settings.token = QString::fromStdString(daemon.adminToken());
    return settings;
}

// Creates a token directly over gRPC (not through the console), which writes one audit record.
grpc::Status createToken(const testing::DaemonProcess &daemon, const std::string &name) {
    auto channel = client::makeChannel(daemon.adminConnection());
    if (!channel) {
        return {grpc::StatusCode::INTERNAL, channel.status().message()};
    }
    auto stub = v1::AuthService::NewStub(*channel);
    grpc::ClientContext context;
    client::setTimeout(context, 5s);
    v1::CreateTokenRequest request;
    request.set_name(name);
    request.set_role(v1::ROLE_VIEWER);
    request.set_description("created by tst_console_net");
    v1::CreateTokenResponse response;
    return stub->CreateToken(&context, request, &response);
}

bool containsResource(const QList<AuditEntry> &records, const QString &resource) {
    return std::any_of(records.begin(), records.end(),
                       [&](const AuditEntry &entry) { return entry.resource == resource; });
}

} // namespace

class TestConsoleNet : public QObject {
    Q_OBJECT
private slots:
    void initTestCase() {
        auto daemon = testing::DaemonProcess::start();
        QVERIFY2(daemon.isOk(), daemon.status().toString().c_str());
        m_daemon = std::move(*daemon);
        QVERIFY(!m_daemon->adminToken().empty());
    }

    void statusArrivesOnTheGuiThread() {
        ApiClient api(fastOptions());
        QThread *deliveredOn = nullptr;
        connect(&api, &ApiClient::statusReceived, this,
                [&deliveredOn] { deliveredOn = QThread::currentThread(); });
        QSignalSpy states(&api, &ApiClient::stateChanged);
        QSignalSpy statuses(&api, &ApiClient::statusReceived);
        api.connectTo(settingsFor(*m_daemon));
        QCOMPARE(api.state(), ConnectionState::Connecting);
        QVERIFY(statuses.wait(10000));
        QCOMPARE(deliveredOn, QCoreApplication::instance()->thread());
        QCOMPARE(api.state(), ConnectionState::Connected);
        const auto status = statuses.first().first().value<DaemonStatus>();
        QVERIFY(!status.version.isEmpty());
        QVERIFY(!status.storeKind.isEmpty());
        QVERIFY(status.revision >= 0);
        QVERIFY(status.startTime.isValid());
        // It keeps probing while connected, which is what measures the round trip.
        QTRY_VERIFY_WITH_TIMEOUT(statuses.count() >= 3, 10000);
        QVERIFY(api.lastStatus().has_value());
    }

    // ListExtensions: the daemon's drivers, routers and probers with its defaults, kept for the
    // connection and forgotten when it changes.
    void extensionsAreFetchedAndKeptPerConnection() {
        ApiClient api(fastOptions());
        api.connectTo(settingsFor(*m_daemon));
        QVERIFY(!api.extensions());
        QSignalSpy received(&api, &ApiClient::extensionsReceived);
        const quint64 request = api.listExtensions();
        QVERIFY(received.wait(10000));
        QCOMPARE(received.first().first().value<quint64>(), request);
        const auto catalog = received.first().at(1).value<ExtensionCatalog>();
        QCOMPARE(catalog.ofKind(ExtensionKind::DeployDriver).size(), 3);
        QCOMPARE(catalog.ofKind(ExtensionKind::TrafficRouter).size(), 2);
        QCOMPARE(catalog.ofKind(ExtensionKind::HealthProber).size(), 4);
        QCOMPARE(catalog.defaultDriver, QStringLiteral("process"));
        QCOMPARE(catalog.defaultRouter, QStringLiteral("registry"));
        const ExtensionDescription *haproxy =
            catalog.find(ExtensionKind::TrafficRouter, QStringLiteral("haproxy"));
        QVERIFY(haproxy);
        const ExtensionParameter *timeout = haproxy->parameter("timeout");
        QVERIFY(timeout);
        QCOMPARE(timeout->type, ParameterType::Duration);
        QCOMPARE(timeout->defaultValue, std::string("2s"));
        QVERIFY(api.extensions());
        QCOMPARE(api.extensions()->extensions.size(), catalog.extensions.size());
        api.connectTo(settingsFor(*m_daemon));
        QVERIFY(!api.extensions());
    }

    void wrongTokenIsReported() {
        ApiClient api(fastOptions());
        ConnectionSettings settings = settingsFor(*m_daemon);
        settings.token = QStringLiteral("not-a-token");
        api.connectTo(settings);
        QTRY_COMPARE_WITH_TIMEOUT(api.state(), ConnectionState::Unreachable, 10000);
        QVERIFY2(api.stateReason().contains(QStringLiteral("token rejected")),
                 qPrintable(api.stateReason()));
    }

    void auditListThenLiveWatch() {
        ApiClient api(fastOptions());
        api.connectTo(settingsFor(*m_daemon));
        QSignalSpy pages(&api, &ApiClient::auditPageReceived);
        QSignalSpy failures(&api, &ApiClient::auditPageFailed);
        const quint64 id = api.listAuditRecords({}, {}, 50);
        QTRY_VERIFY_WITH_TIMEOUT(pages.count() + failures.count() > 0, 10000);
        QCOMPARE(failures.count(), 0);
        QCOMPARE(pages.first().at(0).toULongLong(), id);
        const auto page = pages.first().at(1).value<AuditRecordPage>();

        QList<AuditEntry> live;
        connect(&api, &ApiClient::auditRecordsArrived, this,
                [&live](const QList<AuditEntry> &records) { live += records; });
        api.watchAuditRecords({}, page.revision + 1);
        QTRY_VERIFY_WITH_TIMEOUT(api.isAuditWatchLive(), 10000);

        const grpc::Status created = createToken(*m_daemon, "console-live-1");
        QVERIFY2(created.ok(), created.error_message().c_str());
        QTRY_VERIFY_WITH_TIMEOUT(containsResource(live, QStringLiteral("tokens/console-live-1")),
                                 10000);
        const auto it = std::find_if(live.begin(), live.end(), [](const AuditEntry &e) {
            return e.resource == QLatin1String("tokens/console-live-1");
        });
        QVERIFY(it->succeeded());
        QVERIFY(it->method.endsWith(QLatin1String("CreateToken")));
        QVERIFY(it->time.isValid());

        // The list now has it too, newest first.
        pages.clear();
        api.listAuditRecords({}, {}, 50);
        QTRY_VERIFY_WITH_TIMEOUT(pages.count() == 1, 10000);
        const auto again = pages.first().at(1).value<AuditRecordPage>();
        QVERIFY(containsResource(again.records, QStringLiteral("tokens/console-live-1")));
        QVERIFY(again.revision > page.revision);
    }

    void filteredListAndPaging() {
        for (int i = 0; i < 3; ++i) {
            QVERIFY(createToken(*m_daemon, "console-page-" + std::to_string(i)).ok());
        }
        ApiClient api(fastOptions());
        api.connectTo(settingsFor(*m_daemon));
        QSignalSpy pages(&api, &ApiClient::auditPageReceived);
        AuditQuery query;
        query.resourcePrefix = QStringLiteral("tokens/console-page-");
        api.listAuditRecords(query, {}, 2);
        QTRY_VERIFY_WITH_TIMEOUT(pages.count() == 1, 10000);
        const auto first = pages.first().at(1).value<AuditRecordPage>();
        QCOMPARE(first.records.size(), 2);
        QVERIFY(!first.nextPageToken.isEmpty());
        QCOMPARE(first.records.first().resource, QStringLiteral("tokens/console-page-2"));
        api.listAuditRecords(query, first.nextPageToken, 2);
        QTRY_VERIFY_WITH_TIMEOUT(pages.count() == 2, 10000);
        const auto second = pages.at(1).at(1).value<AuditRecordPage>();
        QCOMPARE(second.records.size(), 1);
        QCOMPARE(second.records.first().resource, QStringLiteral("tokens/console-page-0"));
    }

    // The client is pointed at an address before anything serves there, reports it unreachable,
    // and connects on its own once the daemon appears; the audit watch resumes after the
    // connection drops and delivers what was written in between.
    void unreachableThenReconnectAndResume() {
        const quint16 port = TcpForwarder::freePort();
        ApiClient api(fastOptions());
        ConnectionSettings settings = settingsFor(*m_daemon);
        settings.address = QStringLiteral("127.0.0.1:%1").arg(port);
        api.connectTo(settings);
        QTRY_COMPARE_WITH_TIMEOUT(api.state(), ConnectionState::Unreachable, 10000);
        QVERIFY(!api.stateReason().isEmpty());
        QVERIFY(!api.lastStatus().has_value());

        QList<AuditEntry> live;
        connect(&api, &ApiClient::auditRecordsArrived, this,
                [&live](const QList<AuditEntry> &records) { live += records; });
        api.watchAuditRecords({}, 0);

        const QString daemonAddress = QString::fromStdString(m_daemon->grpcAddress());
        const quint16 daemonPort = daemonAddress.section(QLatin1Char(':'), -1).toUShort();
        TcpForwarder forwarder;
        QVERIFY(forwarder.listen(port, QHostAddress::LocalHost, daemonPort));
        QTRY_COMPARE_WITH_TIMEOUT(api.state(), ConnectionState::Connected, 20000);
        QVERIFY(api.lastStatus().has_value());
        QTRY_VERIFY_WITH_TIMEOUT(api.isAuditWatchLive(), 20000);

        QVERIFY(createToken(*m_daemon, "console-resume-1").ok());
        QTRY_VERIFY_WITH_TIMEOUT(containsResource(live, QStringLiteral("tokens/console-resume-1")),
                                 10000);

        // The daemon "goes away": the watch and the probes notice.
        forwarder.stop();
        QTRY_COMPARE_WITH_TIMEOUT(api.state(), ConnectionState::Unreachable, 20000);
        QTRY_VERIFY_WITH_TIMEOUT(!api.isAuditWatchLive(), 10000);
        QVERIFY(api.lastStatus().has_value()); // stale data is kept

        // Written while the console could not see it, delivered after it reconnects.
        QVERIFY(createToken(*m_daemon, "console-resume-2").ok());
        QVERIFY(forwarder.listen(port, QHostAddress::LocalHost, daemonPort));
        QTRY_COMPARE_WITH_TIMEOUT(api.state(), ConnectionState::Connected, 20000);
        QTRY_VERIFY_WITH_TIMEOUT(containsResource(live, QStringLiteral("tokens/console-resume-2")),
                                 20000);
        const auto count = std::count_if(live.begin(), live.end(), [](const AuditEntry &e) {
            return e.resource == QLatin1String("tokens/console-resume-1");
        });
        QVERIFY(count >= 1);
    }

    // Calls that cannot finish soon (a blackholed address, long deadlines) and a watch are all
    // cancelled by shutdown, which returns promptly.
    void shutdownCancelsCallsInFlight() {
        ApiClientOptions options = fastOptions();
        options.callTimeout = 60s;
        auto api = std::make_unique<ApiClient>(options);
        TcpForwarder blackhole; // accepts, then relays to a port where nothing answers
        const quint16 port = TcpForwarder::freePort();
        QVERIFY(blackhole.listen(port, QHostAddress(QStringLiteral("10.255.255.1")), 7400));
        ConnectionSettings settings = settingsFor(*m_daemon);
        settings.address = QStringLiteral("127.0.0.1:%1").arg(port);
        api->connectTo(settings);
        for (int i = 0; i < 8; ++i) {
            api->listAuditRecords({}, {}, 10);
        }
        api->watchAuditRecords({}, 0);

        // And a healthy client with calls and a stream in flight.
        auto healthy = std::make_unique<ApiClient>(fastOptions());
        healthy->connectTo(settingsFor(*m_daemon));
        healthy->watchAuditRecords({}, 0);
        for (int i = 0; i < 8; ++i) {
            healthy->listAuditRecords({}, {}, 100);
        }
        QTRY_VERIFY_WITH_TIMEOUT(blackhole.connectionCount() > 0, 10000);

        QElapsedTimer timer;
        timer.start();
        api.reset();
        healthy.reset();
        QVERIFY2(timer.elapsed() < 3000, qPrintable(QString::number(timer.elapsed())));
    }

    void cleanupTestCase() {
        if (m_daemon) {
            QCOMPARE(m_daemon->terminate(), 0);
        }
    }

private:
    std::unique_ptr<testing::DaemonProcess> m_daemon;
};

QTEST_MAIN(TestConsoleNet)
#include "tst_console_net.moc"
