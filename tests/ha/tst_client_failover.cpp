// Clients with several endpoints: the address list's grammar, a dead first endpoint passed over,
// a watch that resumes on the next endpoint from the last revision seen with no event lost or
// repeated, and aegisctl's --server and AEGIS_SERVER lists.

#include "aegis/v1/registry.grpc.pb.h"
#include "aegis/v1/system.grpc.pb.h"
#include "client/connection.h"
#include "daemon_process.h"
#include "instance_follower.h"
#include "loopback_ports.h"
#include "poll_until.h"

#include <grpcpp/grpcpp.h>

#include <QtTest>

using namespace aegis;
using namespace std::chrono_literals;
using testing::pollUntil;

namespace {

std::shared_ptr<grpc::Channel> channelTo(const std::string &addresses, const std::string &token) {
    client::ConnectionOptions options;
    options.address = addresses;
    options.token = token;
    auto channel = client::makeChannel(options);
    return channel ? *channel : nullptr;
}

// GetStatus through `channel`; the peer that answered, "" on failure.
std::string answeringPeer(const std::shared_ptr<grpc::Channel> &channel) {
    auto stub = v1::SystemService::NewStub(channel);
    grpc::ClientContext context;
    client::setTimeout(context, 10s);
    v1::GetStatusResponse response;
    return stub->GetStatus(&context, {}, &response).ok() ? context.peer() : std::string();
}

void registerInstance(const std::shared_ptr<grpc::Channel> &channel, const std::string &id) {
    auto stub = v1::RegistryService::NewStub(channel);
    v1::RegisterInstanceRequest request;
    request.mutable_instance()->set_service("svc");
    request.mutable_instance()->set_id(id);
    request.mutable_instance()->set_address("127.0.0.1:9000");
    request.set_ttl_seconds(3600);
    v1::RegisterInstanceResponse response;
    grpc::ClientContext context;
    client::setTimeout(context, 10s);
    context.set_wait_for_ready(true);
    const auto status = stub->RegisterInstance(&context, request, &response);
    QVERIFY2(status.ok(), status.error_message().c_str());
}

} // namespace

class ClientFailoverTest : public QObject {
    Q_OBJECT

private slots:
    void parsesEndpointLists_data();
    void parsesEndpointLists();
    void targetsEveryEndpointInOrder();
    void firstEndpointDeadSecondUsed();
    void watchResumesOnTheNextEndpointWithoutLossOrDuplicates();
    void aegisctlTakesAServerList();
};

void ClientFailoverTest::parsesEndpointLists_data() {
    QTest::addColumn<QString>("list");
    QTest::addColumn<QStringList>("endpoints"); // empty: refused
    QTest::addColumn<QString>("message");       // part of the refusal

    QTest::newRow("one") << "a:7400" << QStringList{"a:7400"} << "";
    QTest::newRow("three with spaces")
        << " a:7400 , 10.0.0.2:7400,[::1]:7400 "
        << QStringList{"a:7400", "10.0.0.2:7400", "[::1]:7400"} << "";
    QTest::newRow("empty entry") << "a:7400,,b:7400" << QStringList{} << "entry \"\" is empty";
    QTest::newRow("trailing comma") << "a:7400," << QStringList{} << "is empty";
    QTest::newRow("no port") << "a,b:7400" << QStringList{} << "entry \"a\" is not host:port";
    QTest::newRow("port 0") << "a:0" << QStringList{} << "no port between 1 and 65535";
    QTest::newRow("port too big") << "a:65536" << QStringList{} << "no port between 1 and 65535";
    QTest::newRow("bare IPv6") << "::1:7400" << QStringList{} << "[::1]:7400";
    QTest::newRow("empty port") << "a:" << QStringList{} << "no port";
}

void ClientFailoverTest::parsesEndpointLists() {
    QFETCH(QString, list);
    QFETCH(QStringList, endpoints);
    QFETCH(QString, message);
    const auto parsed = client::parseEndpointList(list.toStdString());
    if (endpoints.isEmpty()) {
        QVERIFY(!parsed);
        QCOMPARE(parsed.status().code(), StatusCode::InvalidArgument);
        QVERIFY2(parsed.status().message().find(message.toStdString()) != std::string::npos,
                 parsed.status().message().c_str());
        return;
    }
    QVERIFY2(parsed, parsed.status().message().c_str());
    QStringList got;
    for (const auto &endpoint : *parsed) {
        got << QString::fromStdString(endpoint);
    }
    QCOMPARE(got, endpoints);
}

void ClientFailoverTest::targetsEveryEndpointInOrder() {
    // One address is used as given, whatever its form.
    QCOMPARE(*client::channelTarget("aegisd.internal:7400"), std::string("aegisd.internal:7400"));
    QCOMPARE(*client::channelTarget("127.0.0.2:1,127.0.0.1:2"),
             std::string("ipv4:127.0.0.2:1,127.0.0.1:2"));
    // IPv4 joins IPv6 as mapped addresses, in list order; a repeated address once.
    QCOMPARE(*client::channelTarget("127.0.0.1:1,[::1]:2,127.0.0.1:1"),
             std::string("ipv6:[::ffff:127.0.0.1]:1,[::1]:2"));
    // Names are resolved to their addresses.
    const auto named = client::channelTarget("localhost:7400,127.0.0.9:7401");
    QVERIFY2(named, named.status().message().c_str());
    QVERIFY2(named->find("127.0.0.1]:7400") != std::string::npos ||
                 named->find("127.0.0.1:7400") != std::string::npos,
             named->c_str());
    QVERIFY2(named->ends_with("127.0.0.9:7401") || named->ends_with("127.0.0.9]:7401"),
             named->c_str());
    const auto nowhere = client::channelTarget("no-such-host.invalid:1,also.invalid:2");
    QCOMPARE(nowhere.status().code(), StatusCode::Unavailable);

    QCOMPARE(client::peerAddress("ipv4:10.0.0.2:7400"), std::string("10.0.0.2:7400"));
    QCOMPARE(client::peerAddress("ipv6:%5B::1%5D:7400"), std::string("[::1]:7400"));
    QCOMPARE(client::peerAddress("unix:/run/aegis.sock"), std::string("unix:/run/aegis.sock"));

    client::ConnectionOptions malformed;
    malformed.address = "127.0.0.1:7400,";
    QCOMPARE(client::makeChannel(malformed).status().code(), StatusCode::InvalidArgument);
}

void ClientFailoverTest::firstEndpointDeadSecondUsed() {
    const testing::RefusingLoopbackAddress dead;
    auto daemon = testing::DaemonProcess::start();
    QVERIFY2(daemon, daemon.status().message().c_str());
    const auto channel =
        channelTo(dead.address() + "," + (*daemon)->grpcAddress(), (*daemon)->adminToken());
    QVERIFY(channel);
    const std::string peer = answeringPeer(channel);
    QVERIFY2(peer.ends_with((*daemon)->grpcAddress()), peer.c_str());
    registerInstance(channel, "through-the-second");
}

void ClientFailoverTest::watchResumesOnTheNextEndpointWithoutLossOrDuplicates() {
    // One daemon plays two replicas on one store: it serves at the first endpoint, is killed, and
    // comes back at the second one with the same data, so the revisions carry over as they do
    // between replicas on etcd.
    testing::TempDir dir;
    testing::DaemonOptions first;
    first.dataDir = dir.path() / "data";
    auto started = testing::DaemonProcess::start(first);
    QVERIFY2(started, started.status().message().c_str());
    auto daemon = std::move(*started);
    const std::string firstAddress = daemon->grpcAddress();
    const std::string secondAddress =
        "127.0.0.1:" + std::to_string(testing::unusedLoopbackPorts(1).front());
    const std::string token = daemon->adminToken();
    const auto channel = channelTo(firstAddress + "," + secondAddress, token);

    testing::InstanceFollower follower(channel, "svc", 1);
    for (int i = 0; i < 5; ++i) {
        registerInstance(channel, "before-" + std::to_string(i));
    }
    QVERIFY(pollUntil([&] { return follower.added("before-4") == 1; }));
    QVERIFY(answeringPeer(channel).ends_with(firstAddress));

    daemon->kill();
    QVERIFY(pollUntil([&] { return follower.retries() > 0; }));
    testing::DaemonOptions second = first;
    second.grpcListen = secondAddress;
    started = testing::DaemonProcess::start(second);
    QVERIFY2(started, started.status().message().c_str());
    daemon = std::move(*started);

    const auto direct = channelTo(secondAddress, token);
    for (int i = 0; i < 5; ++i) {
        registerInstance(direct, "after-" + std::to_string(i));
    }
    QVERIFY(pollUntil([&] { return follower.added("after-4") == 1; }, 20s));
    follower.stop();
    QVERIFY(answeringPeer(channel).ends_with(secondAddress));
    QVERIFY2(follower.orderViolation().empty(), follower.orderViolation().c_str());
    for (const std::string prefix : {"before-", "after-"}) {
        for (int i = 0; i < 5; ++i) {
            QCOMPARE(follower.added(prefix + std::to_string(i)), 1);
        }
    }
    QCOMPARE(follower.events().size(), std::size_t(10));
}

void ClientFailoverTest::aegisctlTakesAServerList() {
    const testing::RefusingLoopbackAddress dead;
    auto daemon = testing::DaemonProcess::start();
    QVERIFY2(daemon, daemon.status().message().c_str());
    const std::string list = dead.address() + "," + (*daemon)->grpcAddress();
    const std::string token = (*daemon)->adminToken();

    auto result = testing::runCommand(
        {AEGISCTL_PATH, "--server", list, "--token", token, "--timeout", "10s", "status"});
    QVERIFY2(result.exitCode == 0, result.err.c_str());
    // The replica that answered is named.
    QVERIFY2(result.out.find("answered by") != std::string::npos &&
                 result.out.find((*daemon)->grpcAddress()) != std::string::npos,
             result.out.c_str());

    result = testing::runCommand({"/usr/bin/env", "AEGIS_SERVER=" + list, AEGISCTL_PATH, "--token",
                                  token, "--timeout", "10s", "services", "list"});
    QVERIFY2(result.exitCode == 0, result.err.c_str());

    result =
        testing::runCommand({AEGISCTL_PATH, "--server", list + ",", "--token", token, "status"});
    QCOMPARE(result.exitCode, 2);
    QVERIFY2(result.err.find("is empty") != std::string::npos, result.err.c_str());
}

QTEST_GUILESS_MAIN(ClientFailoverTest)
#include "tst_client_failover.moc"
