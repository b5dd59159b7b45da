#include "net/audit_api.h"
#include "net/call_scope.h"
#include "net/config_api.h"
#include "net/metrics_api.h"
#include "net/registry_api.h"
#include "net/rollout_api.h"
#include "net/session.h"
#include "prometheus_process.h"
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

SessionOptions fastOptions() {
    SessionOptions options;
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

// Creates a viewer token and returns its secret (empty on failure).
std::string createViewerToken(const testing::DaemonProcess &daemon, const std::string &name) {
    auto channel = client::makeChannel(daemon.adminConnection());
    if (!channel) {
        return {};
    }
    auto stub = v1::AuthService::NewStub(*channel);
    grpc::ClientContext context;
    client::setTimeout(context, 5s);
    v1::CreateTokenRequest request;
    request.set_name(name);
    request.set_role(v1::ROLE_VIEWER);
    v1::CreateTokenResponse response;
    if (!stub->CreateToken(&context, request, &response).ok()) {
        return {};
    }
    return response.secret();
}

// Why a call failed, for a failure message; empty when it succeeded.
template <typename T>
QString failureOf(const CallResult<T> &result) {
    return result.ok() ? QString() : result.error().describe();
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
        Session api(fastOptions());
        QThread *deliveredOn = nullptr;
        connect(&api, &Session::statusReceived, this,
                [&deliveredOn] { deliveredOn = QThread::currentThread(); });
        QSignalSpy states(&api, &Session::stateChanged);
        QSignalSpy statuses(&api, &Session::statusReceived);
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

    // ListExtensions: the daemon's drivers, routers and probers with its defaults, kept by the
    // session for the connection and forgotten when it changes.
    void extensionsAreFetchedAndKeptPerConnection() {
        Session api(fastOptions());
        api.connectTo(settingsFor(*m_daemon));
        QVERIFY(!api.extensions());
        QSignalSpy received(&api, &Session::extensionsChanged);
        api.fetchExtensions();
        api.fetchExtensions(); // asked once
        QVERIFY(received.wait(10000));
        const auto catalog = received.first().first().value<ExtensionCatalog>();
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
        QCOMPARE(received.count(), 1);
        api.connectTo(settingsFor(*m_daemon));
        QVERIFY(!api.extensions());
    }

    // The caller's identity is fetched once per connection by the session and shared: an admin
    // may change things, a viewer may not, and a new connection forgets the old identity.
    void identityIsFetchedOncePerConnection() {
        Session api(fastOptions());
        QSignalSpy identities(&api, &Session::identityChanged);
        api.connectTo(settingsFor(*m_daemon));
        QVERIFY(identities.wait(10000));
        QVERIFY(api.identity().has_value());
        QVERIFY(!api.identity()->isViewer());
        QVERIFY(api.mayChange());
        // Probes go on; the identity is not fetched again while the connection holds.
        QSignalSpy statuses(&api, &Session::statusReceived);
        QTRY_VERIFY_WITH_TIMEOUT(statuses.count() >= 3, 10000);
        QCOMPARE(identities.count(), 1);

        const std::string viewer = createViewerToken(*m_daemon, "console-identity-viewer");
        QVERIFY(!viewer.empty());
        ConnectionSettings settings = settingsFor(*m_daemon);
        settings.token = QString::fromStdString(viewer);
        api.connectTo(settings);
        QVERIFY(!api.identity().has_value()); // the previous daemon's caller is forgotten
        QVERIFY(api.mayChange());             // unknown: the daemon decides
        QVERIFY(identities.wait(10000));
        QCOMPARE(api.identity()->name, QStringLiteral("console-identity-viewer"));
        QVERIFY(api.identity()->isViewer());
        QVERIFY(!api.mayChange());
    }

    // One result per request, delivered to its context object on the GUI thread; a context
    // destroyed (or renewed through a CallScope) before the answer gets nothing.
    void resultsGoToLiveContextsOnly() {
        Session api(fastOptions());
        api.connectTo(settingsFor(*m_daemon));
        RegistryApi registry(&api);
        int delivered = 0;
        QThread *deliveredOn = nullptr;
        QObject context;
        registry.listServices({}, 10, &context, [&](const CallResult<ServicePage> &result) {
            QVERIFY2(result.ok(), qPrintable(failureOf(result)));
            deliveredOn = QThread::currentThread();
            ++delivered;
        });
        int dropped = 0;
        auto doomed = std::make_unique<QObject>();
        registry.listServices({}, 10, doomed.get(),
                              [&](const CallResult<ServicePage> &) { ++dropped; });
        doomed.reset();
        CallScope scope;
        registry.listServices({}, 10, scope.renew(),
                              [&](const CallResult<ServicePage> &) { ++dropped; });
        int latest = 0;
        registry.listServices({}, 10, scope.renew(),
                              [&](const CallResult<ServicePage> &) { ++latest; });
        QTRY_VERIFY_WITH_TIMEOUT(delivered == 1 && latest == 1, 10000);
        QCOMPARE(deliveredOn, QCoreApplication::instance()->thread());
        // A later answer would have arrived by now: the statuses keep coming meanwhile.
        QSignalSpy statuses(&api, &Session::statusReceived);
        QTRY_VERIFY_WITH_TIMEOUT(statuses.count() >= 2, 10000);
        QCOMPARE(dropped, 0);
        QCOMPARE(delivered, 1);
        QCOMPARE(latest, 1);
    }

    void wrongTokenIsReported() {
        Session api(fastOptions());
        ConnectionSettings settings = settingsFor(*m_daemon);
        settings.token = QStringLiteral("not-a-token");
        api.connectTo(settings);
        QTRY_COMPARE_WITH_TIMEOUT(api.state(), ConnectionState::Unreachable, 10000);
        QVERIFY2(api.stateReason().contains(QStringLiteral("token rejected")),
                 qPrintable(api.stateReason()));
    }

    void auditListThenLiveWatch() {
        Session api(fastOptions());
        api.connectTo(settingsFor(*m_daemon));
        AuditApi audit(&api);
        QList<CallResult<AuditRecordPage>> pages;
        const auto collect = [&pages](const CallResult<AuditRecordPage> &result) {
            pages.append(result);
        };
        audit.listRecords({}, {}, 50, this, collect);
        QTRY_VERIFY_WITH_TIMEOUT(pages.count() == 1, 10000);
        QVERIFY2(pages.first().ok(), qPrintable(failureOf(pages.first())));
        const AuditRecordPage page = pages.first().value();

        QList<AuditEntry> live;
        bool watchLive = false;
        AuditWatchCallbacks callbacks;
        callbacks.onEvents = [&live](const QList<AuditEntry> &records, qint64) { live += records; };
        callbacks.onLive = [&watchLive](bool isLive, const QString &) { watchLive = isLive; };
        WatchPtr watch = audit.watchRecords({}, page.revision + 1, this, callbacks);
        QTRY_VERIFY_WITH_TIMEOUT(watchLive, 10000);

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
        audit.listRecords({}, {}, 50, this, collect);
        QTRY_VERIFY_WITH_TIMEOUT(pages.count() == 1, 10000);
        const AuditRecordPage again = pages.first().value();
        QVERIFY(containsResource(again.records, QStringLiteral("tokens/console-live-1")));
        QVERIFY(again.revision > page.revision);
    }

    // The live views of instances, configuration, rollouts and the audit log run on one
    // WatchService stream, not one stream each, and their events still arrive.
    void liveViewsShareOneWatchStream() {
        Session api(fastOptions());
        api.connectTo(settingsFor(*m_daemon));
        RegistryApi registry(&api);
        ConfigApi config(&api);
        RolloutApi rollouts(&api);
        AuditApi audit(&api);
        int live = 0;
        const auto countLive = [&live](bool isLive, const QString &) { live += isLive ? 1 : 0; };
        InstanceWatchCallbacks instanceCallbacks;
        instanceCallbacks.onLive = countLive;
        ConfigWatchCallbacks configCallbacks;
        configCallbacks.onLive = countLive;
        RolloutWatchCallbacks rolloutCallbacks;
        rolloutCallbacks.onLive = countLive;
        QList<AuditEntry> records;
        AuditWatchCallbacks auditCallbacks;
        auditCallbacks.onLive = countLive;
        auditCallbacks.onEvents = [&records](const QList<AuditEntry> &batch, qint64) {
            records += batch;
        };
        std::vector<WatchPtr> watches;
        watches.push_back(registry.watchInstances(0, this, instanceCallbacks));
        watches.push_back(config.watch(QStringLiteral("default"), 0, this, configCallbacks));
        watches.push_back(rollouts.watchRollouts({}, 0, this, rolloutCallbacks));
        watches.push_back(audit.watchRecords({}, 0, this, auditCallbacks));
        QTRY_COMPARE_WITH_TIMEOUT(live, 4, 10000);

        const grpc::Status created = createToken(*m_daemon, "console-shared-stream");
        QVERIFY2(created.ok(), created.error_message().c_str());
        QTRY_VERIFY_WITH_TIMEOUT(
            containsResource(records, QStringLiteral("tokens/console-shared-stream")), 10000);

        // Earlier sessions' streams close as they end.
        QTRY_COMPARE_WITH_TIMEOUT(
            testing::grpcStreamsOpen(*m_daemon, "/aegis.v1.WatchService/Watch"), 1.0, 10000);
        for (const char *own :
             {"/aegis.v1.RegistryService/WatchInstances", "/aegis.v1.ConfigService/WatchConfig",
              "/aegis.v1.RolloutService/WatchRollouts",
              "/aegis.v1.AuditService/WatchAuditRecords"}) {
            QTRY_COMPARE_WITH_TIMEOUT(testing::grpcStreamsOpen(*m_daemon, own), 0.0, 10000);
        }
    }

    void filteredListAndPaging() {
        for (int i = 0; i < 3; ++i) {
            QVERIFY(createToken(*m_daemon, "console-page-" + std::to_string(i)).ok());
        }
        Session api(fastOptions());
        api.connectTo(settingsFor(*m_daemon));
        AuditApi audit(&api);
        QList<AuditRecordPage> pages;
        const auto collect = [&pages](const CallResult<AuditRecordPage> &result) {
            QVERIFY2(result.ok(), qPrintable(failureOf(result)));
            pages.append(result.value());
        };
        AuditQuery query;
        query.resourcePrefix = QStringLiteral("tokens/console-page-");
        audit.listRecords(query, {}, 2, this, collect);
        QTRY_VERIFY_WITH_TIMEOUT(pages.count() == 1, 10000);
        const AuditRecordPage first = pages.first();
        QCOMPARE(first.records.size(), 2);
        QVERIFY(!first.nextPageToken.isEmpty());
        QCOMPARE(first.records.first().resource, QStringLiteral("tokens/console-page-2"));
        audit.listRecords(query, first.nextPageToken, 2, this, collect);
        QTRY_VERIFY_WITH_TIMEOUT(pages.count() == 2, 10000);
        const AuditRecordPage second = pages.at(1);
        QCOMPARE(second.records.size(), 1);
        QCOMPARE(second.records.first().resource, QStringLiteral("tokens/console-page-0"));
    }

    // The client is pointed at an address before anything serves there, reports it unreachable,
    // and connects on its own once the daemon appears; the audit watch resumes after the
    // connection drops and delivers what was written in between.
    void unreachableThenReconnectAndResume() {
        const quint16 port = TcpForwarder::freePort();
        Session api(fastOptions());
        ConnectionSettings settings = settingsFor(*m_daemon);
        settings.address = QStringLiteral("127.0.0.1:%1").arg(port);
        QSignalSpy identities(&api, &Session::identityChanged);
        api.connectTo(settings);
        QTRY_COMPARE_WITH_TIMEOUT(api.state(), ConnectionState::Unreachable, 10000);
        QVERIFY(!api.stateReason().isEmpty());
        QVERIFY(!api.lastStatus().has_value());
        QVERIFY(!api.identity().has_value());

        QList<AuditEntry> live;
        bool watchLive = false;
        AuditWatchCallbacks callbacks;
        callbacks.onEvents = [&live](const QList<AuditEntry> &records, qint64) { live += records; };
        callbacks.onLive = [&watchLive](bool isLive, const QString &) { watchLive = isLive; };
        WatchPtr watch = AuditApi(&api).watchRecords({}, 0, this, callbacks);

        const QString daemonAddress = QString::fromStdString(m_daemon->grpcAddress());
        const quint16 daemonPort = daemonAddress.section(QLatin1Char(':'), -1).toUShort();
        TcpForwarder forwarder;
        QVERIFY(forwarder.listen(port, QHostAddress::LocalHost, daemonPort));
        QTRY_COMPARE_WITH_TIMEOUT(api.state(), ConnectionState::Connected, 20000);
        QVERIFY(api.lastStatus().has_value());
        QTRY_VERIFY_WITH_TIMEOUT(watchLive, 20000);
        QTRY_COMPARE_WITH_TIMEOUT(identities.count(), 1, 10000);

        QVERIFY(createToken(*m_daemon, "console-resume-1").ok());
        QTRY_VERIFY_WITH_TIMEOUT(containsResource(live, QStringLiteral("tokens/console-resume-1")),
                                 10000);

        // The daemon "goes away": the watch and the probes notice.
        forwarder.stop();
        QTRY_COMPARE_WITH_TIMEOUT(api.state(), ConnectionState::Unreachable, 20000);
        QTRY_VERIFY_WITH_TIMEOUT(!watchLive, 10000);
        QVERIFY(api.lastStatus().has_value()); // stale data is kept

        // Written while the console could not see it, delivered after it reconnects.
        QVERIFY(createToken(*m_daemon, "console-resume-2").ok());
        QVERIFY(forwarder.listen(port, QHostAddress::LocalHost, daemonPort));
        QTRY_COMPARE_WITH_TIMEOUT(api.state(), ConnectionState::Connected, 20000);
        // The token's role may have changed while the daemon was away: asked again.
        QTRY_COMPARE_WITH_TIMEOUT(identities.count(), 2, 10000);
        QTRY_VERIFY_WITH_TIMEOUT(containsResource(live, QStringLiteral("tokens/console-resume-2")),
                                 20000);
        const auto count = std::count_if(live.begin(), live.end(), [](const AuditEntry &e) {
            return e.resource == QLatin1String("tokens/console-resume-1");
        });
        QVERIFY(count >= 1);
    }

    // A profile listing two replicas (two forwarders to one daemon): the session reports which
    // one answers, moves to the other when it goes away, and the live watch resumes there with
    // every record once.
    void failsOverToTheNextReplicaListed() {
        const QString daemonAddress = QString::fromStdString(m_daemon->grpcAddress());
        const quint16 daemonPort = daemonAddress.section(QLatin1Char(':'), -1).toUShort();
        TcpForwarder first;
        TcpForwarder second;
        const quint16 firstPort = TcpForwarder::freePort();
        QVERIFY(first.listen(firstPort, QHostAddress::LocalHost, daemonPort));
        const quint16 secondPort = TcpForwarder::freePort();
        QVERIFY(second.listen(secondPort, QHostAddress::LocalHost, daemonPort));
        const QString firstAddress = QStringLiteral("127.0.0.1:%1").arg(firstPort);
        const QString secondAddress = QStringLiteral("127.0.0.1:%1").arg(secondPort);

        Session api(fastOptions());
        ConnectionSettings settings = settingsFor(*m_daemon);
        settings.address = firstAddress + QLatin1Char(',') + secondAddress;
        api.connectTo(settings);
        QTRY_COMPARE_WITH_TIMEOUT(api.state(), ConnectionState::Connected, 10000);
        QTRY_COMPARE_WITH_TIMEOUT(api.lastStatus()->answeredBy, firstAddress, 10000);

        QList<AuditEntry> live;
        bool watchLive = false;
        AuditWatchCallbacks callbacks;
        callbacks.onEvents = [&live](const QList<AuditEntry> &records, qint64) { live += records; };
        callbacks.onLive = [&watchLive](bool isLive, const QString &) { watchLive = isLive; };
        WatchPtr watch = AuditApi(&api).watchRecords({}, 0, this, callbacks);
        QTRY_VERIFY_WITH_TIMEOUT(watchLive, 20000);
        QVERIFY(createToken(*m_daemon, "failover-1").ok());
        QTRY_VERIFY_WITH_TIMEOUT(containsResource(live, QStringLiteral("tokens/failover-1")),
                                 10000);

        first.stop();
        QVERIFY(createToken(*m_daemon, "failover-2").ok());
        QTRY_COMPARE_WITH_TIMEOUT(api.lastStatus()->answeredBy, secondAddress, 20000);
        QCOMPARE(api.state(), ConnectionState::Connected);
        QTRY_VERIFY_WITH_TIMEOUT(containsResource(live, QStringLiteral("tokens/failover-2")),
                                 20000);
        for (const auto *resource : {"tokens/failover-1", "tokens/failover-2"}) {
            const auto count = std::count_if(live.begin(), live.end(), [&](const AuditEntry &e) {
                return e.resource == QLatin1String(resource);
            });
            QCOMPARE(count, 1);
        }
    }

    // Calls that cannot finish soon (a blackholed address, long deadlines) and a watch are all
    // cancelled by shutdown, which returns promptly.
    void shutdownCancelsCallsInFlight() {
        SessionOptions options = fastOptions();
        options.callTimeout = 60s;
        auto api = std::make_unique<Session>(options);
        TcpForwarder blackhole; // accepts, then relays to a port where nothing answers
        const quint16 port = TcpForwarder::freePort();
        QVERIFY(blackhole.listen(port, QHostAddress(QStringLiteral("10.255.255.1")), 7400));
        ConnectionSettings settings = settingsFor(*m_daemon);
        settings.address = QStringLiteral("127.0.0.1:%1").arg(port);
        api->connectTo(settings);
        const auto ignore = [](const CallResult<AuditRecordPage> &) {};
        for (int i = 0; i < 8; ++i) {
            AuditApi(api.get()).listRecords({}, {}, 10, this, ignore);
        }
        WatchPtr watch = AuditApi(api.get()).watchRecords({}, 0, this, {});

        // And a healthy session with calls and a stream in flight.
        auto healthy = std::make_unique<Session>(fastOptions());
        healthy->connectTo(settingsFor(*m_daemon));
        WatchPtr healthyWatch = AuditApi(healthy.get()).watchRecords({}, 0, this, {});
        for (int i = 0; i < 8; ++i) {
            AuditApi(healthy.get()).listRecords({}, {}, 100, this, ignore);
        }
        QTRY_VERIFY_WITH_TIMEOUT(blackhole.connectionCount() > 0, 10000);

        QElapsedTimer timer;
        timer.start();
        watch.reset();
        healthyWatch.reset();
        api.reset();
        healthy.reset();
        QVERIFY2(timer.elapsed() < 3000, qPrintable(QString::number(timer.elapsed())));
    }

    // The test daemon runs with metrics off: a query is refused (FAILED_PRECONDITION; an aegisd
    // without MetricsService says UNIMPLEMENTED), and a watch of one ends saying why instead of
    // retrying what cannot change.
    void metricsRefusedWhenOff() {
        Session api;
        api.connectTo(settingsFor(*m_daemon));
        QTRY_VERIFY_WITH_TIMEOUT(api.isConnected(), 10000);
        MetricsApi metrics(&api);
        QObject context;
        std::optional<CallError> refused;
        metrics.query(QStringLiteral("up"), {}, &context,
                      [&](const CallResult<InstantQueryResult> &result) {
                          QVERIFY(!result.ok());
                          refused = result.error();
                      });
        QTRY_VERIFY_WITH_TIMEOUT(refused.has_value(), 10000);
        QVERIFY2(refused->code == grpc::StatusCode::FAILED_PRECONDITION ||
                     refused->code == grpc::StatusCode::UNIMPLEMENTED,
                 qPrintable(refused->describe()));
        QVERIFY(refused->position.isEmpty());

        QStringList reasons;
        QueryWatchCallbacks callbacks;
        callbacks.onEvents = [](const QueryTail &) { QFAIL("no tail without a backend"); };
        callbacks.onLive = [&](bool live, const QString &reason) {
            if (!live && !reason.isEmpty()) {
                reasons.append(reason);
            }
        };
        QueryWatchOptions options;
        options.query = QStringLiteral("up");
        WatchPtr watch = metrics.watchQuery(options, &context, callbacks);
        QTRY_VERIFY_WITH_TIMEOUT(!reasons.isEmpty(), 10000);
        QCOMPARE(reasons.first(), refused->describe());
        // Refused once, not again: the daemon counted one WatchQuery while a retry every half
        // second or so would have made several.
        QTest::qWait(2500);
        const std::string http = m_daemon->httpAddress();
        const auto port = static_cast<std::uint16_t>(std::stoi(http.substr(http.rfind(':') + 1)));
        const testing::HttpAnswer scraped = testing::loopbackHttpGet(port, "/metrics", 5s);
        QCOMPARE(scraped.status, 200);
        double watchCalls = 0;
        for (const QString &line : QString::fromStdString(scraped.body).split(QLatin1Char('\n'))) {
            if (line.startsWith(QLatin1String("aegis_grpc_requests_total{")) &&
                line.contains(QLatin1String("MetricsService/WatchQuery"))) {
                watchCalls += line.section(QLatin1Char(' '), -1).toDouble();
            }
        }
        QCOMPARE(watchCalls, 1.0);
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
