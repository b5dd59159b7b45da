// The HA tests' etcd cluster: three real members on loopback that keep serving with one of them
// killed, and a killed member that rejoins.

#include "daemon_process.h"
#include "etcd_cluster.h"
#include "http_get.h"
#include "poll_until.h"
#include "required_tool.h"

#include <QtTest>

using aegis::testing::EtcdCluster;

namespace {

// etcd's JSON gateway takes keys and values in base64: "ha" and "up".
constexpr const char *kKey = "aGE=";
constexpr const char *kValue = "dXA=";

bool put(const EtcdCluster &etcd, int member) {
    const auto answer = aegis::testing::httpPost(etcd.clientAddress(member), "/v3/kv/put",
                                                 std::string(R"({"key":")") + kKey +
                                                     R"(","value":")" + kValue + R"("})",
                                                 {"Content-Type: application/json"});
    return answer.status == 200;
}

// Whether member `member` answers a linearizable read of the key with the value.
bool reads(const EtcdCluster &etcd, int member) {
    const auto answer = aegis::testing::httpPost(etcd.clientAddress(member), "/v3/kv/range",
                                                 std::string(R"({"key":")") + kKey + R"("})",
                                                 {"Content-Type: application/json"});
    return answer.status == 200 && answer.body.find(kValue) != std::string::npos;
}

} // namespace

class TestEtcdCluster : public QObject {
    Q_OBJECT

private slots:
    void threeMembersSurviveTheLossOfOne() {
        AEGIS_REQUIRE_TOOL(EtcdCluster::kBinary, EtcdCluster::kPackage);
        aegis::testing::TempDir dir;
        auto etcd = EtcdCluster::start(dir.path());
        QVERIFY2(etcd, etcd.status().message().c_str());
        auto &cluster = **etcd;
        QCOMPARE(cluster.size(), 3);
        QCOMPARE(cluster.clientAddresses().size(), std::size_t(3));
        QVERIFY(cluster.clientUrls().starts_with("http://127.0.0.1:"));
        for (int i = 0; i < 3; ++i) {
            QVERIFY(cluster.healthy(i));
        }
        QVERIFY(put(cluster, 0));
        QVERIFY(reads(cluster, 2));

        cluster.kill(0);
        QVERIFY(!cluster.running(0));
        QVERIFY(!cluster.healthy(0));
        // Two of three are a quorum: reads and writes go on (after an election if the leader
        // died).
        QVERIFY(aegis::testing::pollUntil([&] { return put(cluster, 1); }));
        QVERIFY(reads(cluster, 2));

        const auto restarted = cluster.restart(0);
        QVERIFY2(restarted.isOk(), restarted.message().c_str());
        QVERIFY(aegis::testing::pollUntil([&] { return reads(cluster, 0); }));
    }

    void oneMemberClusterForSingleNodeTests() {
        AEGIS_REQUIRE_TOOL(EtcdCluster::kBinary, EtcdCluster::kPackage);
        aegis::testing::TempDir dir;
        auto etcd = EtcdCluster::start(dir.path(), {.members = 1});
        QVERIFY2(etcd, etcd.status().message().c_str());
        QCOMPARE((*etcd)->size(), 1);
        QVERIFY(put(**etcd, 0));
        QVERIFY(reads(**etcd, 0));
    }
};

QTEST_GUILESS_MAIN(TestEtcdCluster)
#include "tst_etcd_cluster.moc"
