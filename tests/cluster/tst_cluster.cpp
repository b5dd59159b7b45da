#include "cluster/leader_singletons.h"
#include "cluster/rendezvous.h"
#include "cluster/single_node_coordinator.h"

#include <QtTest>

#include <algorithm>
#include <map>
#include <string>
#include <vector>

using namespace aegis;
using namespace aegis::cluster;

namespace {

std::vector<std::string> instanceKeys(int count) {
    std::vector<std::string> keys;
    for (int i = 0; i < count; ++i) {
        keys.push_back("shop-" + std::to_string(i % 7) + "/instance-" + std::to_string(i));
    }
    return keys;
}

std::vector<std::string> replicaIds(int count) {
    std::vector<std::string> ids;
    for (int i = 1; i <= count; ++i) {
        ids.push_back("aegis-" + std::to_string(i) + ":7400");
    }
    return ids;
}

std::map<std::string, std::string> owners(const std::vector<std::string> &keys,
                                          const std::vector<std::string> &replicas) {
    std::map<std::string, std::string> out;
    for (const auto &key : keys) {
        out[key] = std::string(rendezvousOwner(key, replicas));
    }
    return out;
}

} // namespace

class ClusterTest : public QObject {
    Q_OBJECT

private slots:
    void everyInstanceHasExactlyOneLiveOwner_data();
    void everyInstanceHasExactlyOneLiveOwner();
    void ownersDoNotDependOnTheOrderOfReplicas();
    void aJoiningReplicaTakesOnlyItsShare();
    void aLeavingReplicaHandsOnlyItsOwn();
    void loadIsSpreadEvenly();
    void weightsAreStableAcrossBuilds();
    void singletonsStartInOrderAndStopInReverse();
    void aSingletonThatFailsToStartIsNotStopped();
    void singleNodeLeadsAloneAndOwnsEverything();
    void leaderServiceUrl_data();
    void leaderServiceUrl();
};

void ClusterTest::everyInstanceHasExactlyOneLiveOwner_data() {
    QTest::addColumn<int>("replicas");
    QTest::newRow("one") << 1;
    QTest::newRow("two") << 2;
    QTest::newRow("three") << 3;
    QTest::newRow("seven") << 7;
}

void ClusterTest::everyInstanceHasExactlyOneLiveOwner() {
    QFETCH(int, replicas);
    const auto ids = replicaIds(replicas);
    for (const auto &key : instanceKeys(2000)) {
        const std::string owner(rendezvousOwner(key, ids));
        QVERIFY(std::find(ids.begin(), ids.end(), owner) != ids.end());
        // Each replica decides for itself; exactly one of them says it owns the key.
        int claimants = 0;
        for (const auto &self : ids) {
            claimants += rendezvousOwner(key, ids) == self ? 1 : 0;
        }
        QCOMPARE(claimants, 1);
    }
    QCOMPARE(std::string(rendezvousOwner("shop/1", {})), std::string());
}

void ClusterTest::ownersDoNotDependOnTheOrderOfReplicas() {
    auto ids = replicaIds(5);
    const auto keys = instanceKeys(500);
    const auto before = owners(keys, ids);
    std::reverse(ids.begin(), ids.end());
    QVERIFY(owners(keys, ids) == before);
    std::rotate(ids.begin(), ids.begin() + 2, ids.end());
    QVERIFY(owners(keys, ids) == before);
}

void ClusterTest::aJoiningReplicaTakesOnlyItsShare() {
    const auto keys = instanceKeys(3000);
    const auto three = replicaIds(3);
    const auto four = replicaIds(4);
    const auto before = owners(keys, three);
    const auto after = owners(keys, four);
    int moved = 0;
    for (const auto &key : keys) {
        if (before.at(key) != after.at(key)) {
            ++moved;
            // Minimal movement: a key moves only to the newcomer, never between old replicas.
            QCOMPARE(after.at(key), four.back());
        }
    }
    // About a quarter of the keys move (3000 / 4 = 750), far from a reshuffle.
    QVERIFY2(moved > 550 && moved < 950, std::to_string(moved).c_str());
}

void ClusterTest::aLeavingReplicaHandsOnlyItsOwn() {
    const auto keys = instanceKeys(3000);
    const auto three = replicaIds(3);
    std::vector<std::string> two = {three[0], three[2]};
    const auto before = owners(keys, three);
    const auto after = owners(keys, two);
    for (const auto &key : keys) {
        if (before.at(key) != three[1]) {
            // The survivors keep everything they had.
            QCOMPARE(after.at(key), before.at(key));
        } else {
            QVERIFY(after.at(key) == three[0] || after.at(key) == three[2]);
        }
    }
}

void ClusterTest::loadIsSpreadEvenly() {
    const auto keys = instanceKeys(6000);
    const auto ids = replicaIds(3);
    std::map<std::string, int> load;
    for (const auto &[key, owner] : owners(keys, ids)) {
        ++load[owner];
    }
    for (const auto &id : ids) {
        QVERIFY2(load[id] > 1700 && load[id] < 2300,
                 (id + ": " + std::to_string(load[id])).c_str());
    }
}

void ClusterTest::weightsAreStableAcrossBuilds() {
    // Replicas of different builds must agree: the weight is a fixed function, not std::hash
    // (the value below is FNV-1a then splitmix64, computed independently).
    QCOMPARE(rendezvousWeight("a", "b"), rendezvousWeight("a", "b"));
    QVERIFY(rendezvousWeight("a", "b") != rendezvousWeight("b", "a"));
    QVERIFY(rendezvousWeight("ab", "c") != rendezvousWeight("a", "bc"));
    QCOMPARE(rendezvousWeight("aegis-1:7400", "shop/1"), 0x45f411121bc1f4d4ULL);
}

void ClusterTest::singletonsStartInOrderAndStopInReverse() {
    LeaderSingletons singletons;
    std::vector<std::string> calls;
    for (const char *name : {"leases", "rollouts", "alerts"}) {
        singletons.add({name,
                        [&calls, name] {
                            calls.push_back(std::string("start ") + name);
                            return Status::ok();
                        },
                        [&calls, name] { calls.push_back(std::string("stop ") + name); }});
    }
    singletons.follow(); // not leading: nothing to stop
    QVERIFY(calls.empty());
    singletons.lead();
    singletons.lead(); // idempotent
    QVERIFY(singletons.leading());
    QCOMPARE(singletons.running(), (std::vector<std::string>{"leases", "rollouts", "alerts"}));
    singletons.follow();
    singletons.follow();
    QVERIFY(!singletons.leading());
    QVERIFY(singletons.running().empty());
    QCOMPARE(calls, (std::vector<std::string>{"start leases", "start rollouts", "start alerts",
                                              "stop alerts", "stop rollouts", "stop leases"}));
}

void ClusterTest::aSingletonThatFailsToStartIsNotStopped() {
    LeaderSingletons singletons;
    int stops = 0;
    singletons.add({"broken", [] { return unavailable("no backend"); }, [&stops] { ++stops; }});
    singletons.add({"fine", [] { return Status::ok(); }, [&stops] { stops += 10; }});
    singletons.lead();
    QCOMPARE(singletons.running(), std::vector<std::string>{"fine"});
    singletons.follow();
    QCOMPARE(stops, 10);
}

void ClusterTest::singleNodeLeadsAloneAndOwnsEverything() {
    ReplicaInfo self;
    self.id = "solo:7400";
    self.grpcAddress = "127.0.0.1:7400";
    SingleNodeCoordinator coordinator(self);
    std::vector<bool> leadership;
    CoordinatorHooks hooks;
    hooks.leadershipChanged = [&leadership](bool leader) { leadership.push_back(leader); };
    QVERIFY(coordinator.start(hooks).isOk());
    QCOMPARE(leadership, std::vector<bool>{true});
    QVERIFY(coordinator.isLeader());
    QVERIFY(coordinator.writable().isOk());
    QVERIFY(coordinator.owns("shop/1"));
    const ClusterStatus status = coordinator.status();
    QCOMPARE(status.mode, std::string("single"));
    QCOMPARE(status.leaderId, std::string("solo:7400"));
    QCOMPARE(status.replicas.size(), std::size_t(1));
    QVERIFY(status.replicas.front().leader);
    QVERIFY(status.storeMembers.empty());
    coordinator.stop();
    coordinator.stop();
    QCOMPARE(leadership, (std::vector<bool>{true, false}));
    QVERIFY(!coordinator.isLeader());
}

namespace {

ReplicaStatus replica(const std::string &id, const std::string &grpc, bool leader,
                      std::map<std::string, std::string> services) {
    ReplicaStatus status;
    status.info.id = id;
    status.info.grpcAddress = grpc;
    status.info.version = "1.2.3";
    status.info.leaderServices = std::move(services);
    status.leader = leader;
    return status;
}

} // namespace

void ClusterTest::leaderServiceUrl_data() {
    QTest::addColumn<QString>("self");
    QTest::addColumn<QString>("leader");
    QTest::addColumn<QString>("leaderGrpc");
    QTest::addColumn<QString>("prometheus");
    // The URL, or a fragment of the UNAVAILABLE message.
    QTest::addColumn<QString>("expected");
    QTest::addColumn<bool>("ok");
    QTest::newRow("the leader itself") << "a"
                                       << "a"
                                       << "10.0.0.1:7400"
                                       << "http://127.0.0.1:9090"
                                       << "http://127.0.0.1:9090" << true;
    QTest::newRow("a follower on one machine with the leader") << "b"
                                                               << "a"
                                                               << "127.0.0.1:7400"
                                                               << "http://127.0.0.1:9090"
                                                               << "http://127.0.0.1:9090" << true;
    QTest::newRow("a follower, the leader's child on a reachable address")
        << "b"
        << "a"
        << "10.0.0.1:7400"
        << "http://10.0.0.1:9090"
        << "http://10.0.0.1:9090" << true;
    QTest::newRow("a follower, the leader's child on loopback of another machine")
        << "b"
        << "a"
        << "10.0.0.1:7400"
        << "http://127.0.0.1:9090"
        << "which other machines cannot reach" << false;
    QTest::newRow("no leader") << "b"
                               << ""
                               << ""
                               << ""
                               << "no replica leads now" << false;
    QTest::newRow("a leader that announces nothing")
        << "b"
        << "a"
        << "10.0.0.1:7400"
        << ""
        << "announces no URL for the managed Prometheus" << false;
}

void ClusterTest::leaderServiceUrl() {
    QFETCH(QString, self);
    QFETCH(QString, leader);
    QFETCH(QString, leaderGrpc);
    QFETCH(QString, prometheus);
    QFETCH(QString, expected);
    QFETCH(bool, ok);
    ClusterStatus status;
    status.mode = "etcd";
    status.selfId = self.toStdString();
    status.leaderId = leader.toStdString();
    std::map<std::string, std::string> services;
    if (!prometheus.isEmpty()) {
        services["prometheus"] = prometheus.toStdString();
    }
    status.replicas.push_back(replica("a", leaderGrpc.toStdString(), true, services));
    status.replicas.push_back(replica("b", "10.0.0.2:7400", false, {}));
    const auto url = cluster::leaderServiceUrl(status, "prometheus", "the managed Prometheus");
    QCOMPARE(url.isOk(), ok);
    if (ok) {
        QCOMPARE(QString::fromStdString(*url), expected);
    } else {
        QCOMPARE(url.status().code(), StatusCode::Unavailable);
        QVERIFY2(url.status().message().find(expected.toStdString()) != std::string::npos,
                 url.status().message().c_str());
    }
}

QTEST_GUILESS_MAIN(ClusterTest)
#include "tst_cluster.moc"
