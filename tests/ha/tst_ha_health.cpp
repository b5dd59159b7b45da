// Health checks on three aegisd replicas over a three-member etcd cluster (HaCluster): a check set
// through one replica applies on every replica, each instance is checked by exactly one replica,
// an instance whose listener closes turns critical and leaves discovery whichever replica owns it,
// a panic threshold changed through another replica applies everywhere, and a check deleted
// through a third replica stops being applied everywhere; an instance's ttl reports count
// whichever replica they reach (the others relay them to the owner). The instances are real TCP
// listeners in this process, so every probe's result is real.

#include "aegis/v1/health.grpc.pb.h"
#include "aegis/v1/registry.grpc.pb.h"
#include "aegis/v1/system.grpc.pb.h"
#include "api_test_helpers.h"
#include "ha_cluster.h"
#include "poll_until.h"
#include "required_tool.h"

#include <grpcpp/grpcpp.h>

#include <QTcpServer>
#include <QTcpSocket>
#include <QtTest>

#include <functional>
#include <map>
#include <memory>
#include <set>

using namespace aegis;
using namespace std::chrono_literals;
using testing::HaCluster;
using testing::pollUntil;

namespace {

constexpr int kInstances = 9;
const std::string kService = "checked";

void withDeadline(grpc::ClientContext &context, std::chrono::milliseconds timeout = 10s) {
    context.set_deadline(std::chrono::system_clock::now() + timeout);
}

std::string instanceId(int index) {
    return "i" + std::to_string(index);
}

// Whether `holds` is true at every check, polled for `duration`.
bool holdsFor(std::chrono::milliseconds duration, const std::function<bool()> &holds) {
    const auto until = std::chrono::steady_clock::now() + duration;
    bool held = true;
    pollUntil(
        [&] {
            held = held && holds();
            return !held || std::chrono::steady_clock::now() >= until;
        },
        duration + 10s);
    return held;
}

} // namespace

class HaHealthTest : public QObject {
    Q_OBJECT

private slots:
    void initTestCase();
    void aCheckSetThroughOneReplicaAppliesOnEveryReplica();
    void aClosedListenerTurnsCriticalWhicheverReplicaOwnsIt();
    void aPanicThresholdChangedThroughAnotherReplicaAppliesEverywhere();
    void aCheckDeletedThroughAThirdReplicaStopsEverywhere();
    void ttlReportsCountThroughEveryReplica();
    void cleanupTestCase();

private:
    std::shared_ptr<grpc::Channel> channel(int replica) const {
        return testing::channelFor(m_cluster->grpcAddresses().at(replica), m_cluster->adminToken());
    }
    // The live replicas `replica`'s GetStatus lists (-1 when the call fails).
    int liveReplicasOn(int replica) const;
    // Every instance of kService as `replica` lists it, unroutable ones included (by id); empty
    // when the call fails.
    std::map<std::string, v1::Instance> instancesOn(int replica, bool includeUnroutable) const;
    // Sets (panic threshold `threshold`) the service's tcp check through `replica`.
    grpc::Status setCheckThrough(int replica, double threshold);
    // The replicas that report a live check of `id` (GetInstanceHealth's detail: only the replica
    // that runs the check has one).
    std::set<int> checkersOf(const std::string &id) const;
    // Instance `index` reports `status` through `replica`.
    grpc::Status reportThrough(int replica, int index, v1::HealthStatus status) const;
    // Whether every replica lists every instance as `status` (its health checked or not, as
    // `checked`), routable as `routable(id)` says.
    bool everyReplicaSees(v1::HealthStatus status, bool checked,
                          const std::function<bool(const std::string &)> &routable) const;

    std::unique_ptr<HaCluster> m_cluster;
    std::vector<std::unique_ptr<QTcpServer>> m_listeners;
    std::set<std::string> m_closed;
};

void HaHealthTest::initTestCase() {
    AEGIS_REQUIRE_TOOL(testing::EtcdCluster::kBinary, testing::EtcdCluster::kPackage);
    auto cluster = HaCluster::start();
    QVERIFY2(cluster, cluster.status().toString().c_str());
    m_cluster = std::move(*cluster);
    // Checks are sharded over the live replicas: every replica must see all three first.
    QVERIFY(pollUntil(
        [&] {
            for (int replica = 0; replica < m_cluster->size(); ++replica) {
                if (liveReplicasOn(replica) != m_cluster->size()) {
                    return false;
                }
            }
            return true;
        },
        30s));

    for (int index = 0; index < kInstances; ++index) {
        auto listener = std::make_unique<QTcpServer>();
        QVERIFY(listener->listen(QHostAddress::LocalHost, 0));
        // Each probe connects and hangs up: accepted connections are closed at once, so the
        // backlog never fills (a full backlog would fail the probes).
        QTcpServer *server = listener.get();
        connect(server, &QTcpServer::newConnection, server, [server] {
            while (QTcpSocket *socket = server->nextPendingConnection()) {
                socket->close();
                socket->deleteLater();
            }
        });
        auto stub = v1::RegistryService::NewStub(channel(0));
        v1::RegisterInstanceRequest request;
        request.mutable_instance()->set_service(kService);
        request.mutable_instance()->set_id(instanceId(index));
        request.mutable_instance()->set_address("127.0.0.1:" +
                                                std::to_string(listener->serverPort()));
        request.set_ttl_seconds(3600);
        v1::RegisterInstanceResponse response;
        grpc::ClientContext context;
        withDeadline(context);
        const grpc::Status status = stub->RegisterInstance(&context, request, &response);
        QVERIFY2(status.ok(), status.error_message().c_str());
        m_listeners.push_back(std::move(listener));
    }
    // Registered through replica 0: every replica lists them, none checked yet.
    QVERIFY(pollUntil(
        [&] {
            return everyReplicaSees(v1::HEALTH_STATUS_UNKNOWN, false,
                                    [](const std::string &) { return true; });
        },
        20s));
}

void HaHealthTest::cleanupTestCase() {
    m_cluster.reset();
    m_listeners.clear();
}

int HaHealthTest::liveReplicasOn(int replica) const {
    auto stub = v1::SystemService::NewStub(channel(replica));
    grpc::ClientContext context;
    withDeadline(context, 5s);
    v1::GetStatusResponse response;
    if (!stub->GetStatus(&context, {}, &response).ok()) {
        return -1;
    }
    return response.control_plane().replicas_size();
}

std::map<std::string, v1::Instance> HaHealthTest::instancesOn(int replica,
                                                              bool includeUnroutable) const {
    auto stub = v1::RegistryService::NewStub(channel(replica));
    v1::ListInstancesRequest request;
    request.set_service(kService);
    request.set_include_unroutable(includeUnroutable);
    v1::ListInstancesResponse response;
    grpc::ClientContext context;
    withDeadline(context, 5s);
    std::map<std::string, v1::Instance> instances;
    if (stub->ListInstances(&context, request, &response).ok()) {
        for (const auto &instance : response.instances()) {
            instances[instance.id()] = instance;
        }
    }
    return instances;
}

grpc::Status HaHealthTest::setCheckThrough(int replica, double threshold) {
    auto stub = v1::HealthService::NewStub(channel(replica));
    v1::UpdateHealthCheckRequest request;
    request.set_service(kService);
    auto *check = request.mutable_check();
    check->set_kind("tcp");
    check->set_interval_ms(200);
    check->set_timeout_ms(150);
    check->set_rise(1);
    check->set_fall(1);
    check->set_panic_threshold(threshold);
    v1::UpdateHealthCheckResponse response;
    grpc::ClientContext context;
    withDeadline(context);
    return stub->UpdateHealthCheck(&context, request, &response);
}

std::set<int> HaHealthTest::checkersOf(const std::string &id) const {
    std::set<int> checkers;
    for (int replica = 0; replica < m_cluster->size(); ++replica) {
        auto stub = v1::HealthService::NewStub(channel(replica));
        v1::GetInstanceHealthRequest request;
        request.set_service(kService);
        request.set_instance_id(id);
        v1::GetInstanceHealthResponse response;
        grpc::ClientContext context;
        withDeadline(context, 5s);
        if (stub->GetInstanceHealth(&context, request, &response).ok() && response.has_check() &&
            response.check().probe_count() > 0) {
            checkers.insert(replica);
        }
    }
    return checkers;
}

bool HaHealthTest::everyReplicaSees(
    v1::HealthStatus status, bool checked,
    const std::function<bool(const std::string &)> &routable) const {
    for (int replica = 0; replica < m_cluster->size(); ++replica) {
        const auto all = instancesOn(replica, true);
        const auto discovered = instancesOn(replica, false);
        if (all.size() != static_cast<std::size_t>(kInstances)) {
            return false;
        }
        for (const auto &[id, instance] : all) {
            const bool shouldRoute = routable(id);
            if (instance.health().status() != status || instance.health().checked() != checked ||
                instance.routable() != shouldRoute ||
                discovered.count(id) != (shouldRoute ? 1 : 0)) {
                return false;
            }
        }
    }
    return true;
}

void HaHealthTest::aCheckSetThroughOneReplicaAppliesOnEveryReplica() {
    // Instances registered through replica 0, the check set through replica 1: every instance is
    // checked, whichever replica owns it, and every replica lists it passing.
    const grpc::Status set = setCheckThrough(1, 0.5);
    QVERIFY2(set.ok(), set.error_message().c_str());
    QVERIFY(pollUntil(
        [&] {
            return everyReplicaSees(v1::HEALTH_STATUS_PASSING, true,
                                    [](const std::string &) { return true; });
        },
        20s));
    // Exactly one replica checks each instance.
    for (int index = 0; index < kInstances; ++index) {
        const std::string id = instanceId(index);
        std::set<int> checkers;
        QVERIFY2(pollUntil(
                     [&] {
                         checkers = checkersOf(id);
                         return checkers.size() == 1;
                     },
                     10s),
                 qPrintable(QString("%1 is checked by %2 replicas")
                                .arg(QString::fromStdString(id))
                                .arg(checkers.size())));
    }
}

void HaHealthTest::aClosedListenerTurnsCriticalWhicheverReplicaOwnsIt() {
    // One instance of each replica that checks any: its listener closes, so its probes fail.
    std::set<int> owners;
    for (int index = 0; index < kInstances; ++index) {
        const auto checkers = checkersOf(instanceId(index));
        QCOMPARE(checkers.size(), std::size_t(1));
        if (owners.insert(*checkers.begin()).second) {
            m_listeners.at(static_cast<std::size_t>(index))->close();
            m_closed.insert(instanceId(index));
        }
    }
    qInfo("instances closed, one per checking replica: %zu", m_closed.size());
    QVERIFY(m_closed.size() >= 2);
    for (int replica = 0; replica < m_cluster->size(); ++replica) {
        QVERIFY2(pollUntil(
                     [&] {
                         const auto all = instancesOn(replica, true);
                         const auto discovered = instancesOn(replica, false);
                         if (all.size() != static_cast<std::size_t>(kInstances)) {
                             return false;
                         }
                         for (const auto &[id, instance] : all) {
                             const bool closed = m_closed.count(id) != 0;
                             const auto expected =
                                 closed ? v1::HEALTH_STATUS_CRITICAL : v1::HEALTH_STATUS_PASSING;
                             if (instance.health().status() != expected ||
                                 instance.routable() == closed ||
                                 discovered.count(id) != (closed ? 0 : 1)) {
                                 return false;
                             }
                         }
                         return true;
                     },
                     20s),
                 qPrintable(QString("replica %1 does not list the closed instances critical and "
                                    "out of discovery")
                                .arg(replica)));
    }
}

void HaHealthTest::aPanicThresholdChangedThroughAnotherReplicaAppliesEverywhere() {
    // More than a fifth of the service is critical: with a threshold of 0.2, set through replica
    // 2, every replica hands out every instance again (panic), critical ones included.
    QVERIFY(static_cast<double>(m_closed.size()) / kInstances > 0.2);
    const grpc::Status set = setCheckThrough(2, 0.2);
    QVERIFY2(set.ok(), set.error_message().c_str());
    QVERIFY(pollUntil(
        [&] {
            for (int replica = 0; replica < m_cluster->size(); ++replica) {
                const auto discovered = instancesOn(replica, false);
                if (discovered.size() != static_cast<std::size_t>(kInstances)) {
                    return false;
                }
                for (const auto &id : m_closed) {
                    if (discovered.at(id).health().status() != v1::HEALTH_STATUS_CRITICAL) {
                        return false;
                    }
                }
            }
            return true;
        },
        20s));
}

void HaHealthTest::aCheckDeletedThroughAThirdReplicaStopsEverywhere() {
    auto stub = v1::HealthService::NewStub(channel(2));
    v1::DeleteHealthCheckRequest request;
    request.set_service(kService);
    v1::DeleteHealthCheckResponse response;
    grpc::ClientContext context;
    withDeadline(context);
    const grpc::Status deleted = stub->DeleteHealthCheck(&context, request, &response);
    QVERIFY2(deleted.ok(), deleted.error_message().c_str());
    // No check: every instance is unknown and routed, the closed ones too, through every replica,
    // and no replica checks any.
    const auto routed = [](const std::string &) { return true; };
    QVERIFY(
        pollUntil([&] { return everyReplicaSees(v1::HEALTH_STATUS_UNKNOWN, false, routed); }, 20s));
    for (int index = 0; index < kInstances; ++index) {
        QVERIFY(checkersOf(instanceId(index)).empty());
    }
    // Nobody probes any more: closing every listener changes nothing for ten former intervals.
    for (auto &listener : m_listeners) {
        listener->close();
    }
    QVERIFY(
        holdsFor(2s, [&] { return everyReplicaSees(v1::HEALTH_STATUS_UNKNOWN, false, routed); }));
}

grpc::Status HaHealthTest::reportThrough(int replica, int index, v1::HealthStatus status) const {
    auto stub = v1::HealthService::NewStub(channel(replica));
    v1::ReportHealthRequest request;
    request.set_service(kService);
    request.set_instance_id(instanceId(index));
    request.set_status(status);
    request.set_output(status == v1::HEALTH_STATUS_PASSING ? "ok" : "disk full");
    v1::ReportHealthResponse response;
    grpc::ClientContext context;
    withDeadline(context);
    return stub->ReportHealth(&context, request, &response);
}

void HaHealthTest::ttlReportsCountThroughEveryReplica() {
    auto stub = v1::HealthService::NewStub(channel(0));
    v1::UpdateHealthCheckRequest request;
    request.set_service(kService);
    auto *check = request.mutable_check();
    check->set_kind("ttl");
    (*check->mutable_options())["ttl"] = "3s";
    check->set_interval_ms(200);
    check->set_timeout_ms(150);
    check->set_rise(1);
    check->set_fall(1);
    check->set_panic_threshold(1); // no panic: a critical instance leaves discovery
    v1::UpdateHealthCheckResponse response;
    grpc::ClientContext context;
    withDeadline(context);
    const grpc::Status set = stub->UpdateHealthCheck(&context, request, &response);
    QVERIFY2(set.ok(), set.error_message().c_str());

    // Instance i reports through replica i % 3: two in three reports reach a replica that does
    // not check that instance. `critical` reports critical, the others passing, each round.
    int critical = -1;
    const auto reportRound = [&] {
        for (int index = 0; index < kInstances; ++index) {
            const auto status =
                index == critical ? v1::HEALTH_STATUS_CRITICAL : v1::HEALTH_STATUS_PASSING;
            const grpc::Status reported = reportThrough(index % m_cluster->size(), index, status);
            if (!reported.ok()) {
                qWarning("report of %s: %s", instanceId(index).c_str(),
                         reported.error_message().c_str());
                return false;
            }
        }
        return true;
    };
    const auto allBut = [&](int index) {
        return [index](const std::string &id) { return id != instanceId(index); };
    };
    QVERIFY(pollUntil(
        [&] {
            return reportRound() && everyReplicaSees(v1::HEALTH_STATUS_PASSING, true, allBut(-1));
        },
        20s));
    // One that reports through a replica other than its checker turns critical everywhere.
    for (int index = 0; index < kInstances; ++index) {
        if (checkersOf(instanceId(index)) != std::set<int>{index % m_cluster->size()}) {
            critical = index;
            break;
        }
    }
    QVERIFY2(critical >= 0, "every instance reports through its own checker");
    QVERIFY(pollUntil(
        [&] {
            if (!reportRound()) {
                return false;
            }
            for (int replica = 0; replica < m_cluster->size(); ++replica) {
                const auto all = instancesOn(replica, true);
                const auto found = all.find(instanceId(critical));
                if (found == all.end() ||
                    found->second.health().status() != v1::HEALTH_STATUS_CRITICAL ||
                    found->second.health().output() != "disk full" || found->second.routable()) {
                    return false;
                }
            }
            return true;
        },
        20s));
}

QTEST_GUILESS_MAIN(HaHealthTest)
#include "tst_ha_health.moc"
