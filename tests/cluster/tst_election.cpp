#include "cluster/elected_coordinator.h"
#include "daemon_process.h"
#include "memory_leases.h"
#include "poll_until.h"
#include "store/sqlite_store.h"

#include <QtTest>

#include <atomic>
#include <mutex>

using namespace aegis;
using namespace aegis::cluster;
using namespace std::chrono_literals;

namespace {

constexpr std::chrono::milliseconds kTtl = 1200ms;

// One replica's coordinator with what its hooks saw.
struct Replica {
    testing::MemoryLeases::Client *leases = nullptr; // Owned by the coordinator.
    std::unique_ptr<ElectedCoordinator> coordinator;
    std::atomic<bool> leading{false};
    std::atomic<int> reshards{0};
    std::mutex mutex;
    std::vector<std::chrono::steady_clock::time_point> stepDowns;
    std::vector<Status> writability;
};

} // namespace

class ElectionTest : public QObject {
    Q_OBJECT

private slots:
    void init();
    void cleanup();
    void oneLeaderAmongReplicas();
    void aLeaderCutOffStopsBeforeItsLeaseExpiresAndAnotherLeads();
    void aLeaderThatStopsHandsOverAtOnce();
    void healthChecksReshardWhenAReplicaJoinsOrLeaves();

private:
    Replica &add(const std::string &id);
    int leaders() const;

    std::unique_ptr<testing::TempDir> m_dir;
    std::unique_ptr<store::SqliteStore> m_store;
    std::unique_ptr<testing::MemoryLeases> m_leases;
    std::vector<std::unique_ptr<Replica>> m_replicas;
};

void ElectionTest::init() {
    m_dir = std::make_unique<testing::TempDir>();
    auto store = store::SqliteStore::open({m_dir->path() / "aegis.db"});
    QVERIFY(store.isOk());
    m_store = std::move(*store);
    m_leases = std::make_unique<testing::MemoryLeases>(*m_store);
}

void ElectionTest::cleanup() {
    for (auto &replica : m_replicas) {
        replica->coordinator->stop();
    }
    m_replicas.clear();
    m_leases.reset();
    m_store->close();
    m_store.reset();
    m_dir.reset();
}

Replica &ElectionTest::add(const std::string &id) {
    auto replica = std::make_unique<Replica>();
    Replica &r = *replica;
    ElectedCoordinatorOptions options;
    options.self.id = id;
    options.self.grpcAddress = "127.0.0.1:" + std::to_string(7400 + m_replicas.size());
    options.self.version = "1.2.3";
    options.self.startedAt = std::chrono::system_clock::now();
    options.leaseTtl = kTtl;
    options.mode = "etcd";
    r.coordinator = std::make_unique<ElectedCoordinator>(*m_store, m_leases->client(&r.leases),
                                                         std::move(options));
    CoordinatorHooks hooks;
    hooks.leadershipChanged = [&r](bool leader) {
        r.leading = leader;
        if (!leader) {
            std::lock_guard lock(r.mutex);
            r.stepDowns.push_back(std::chrono::steady_clock::now());
        }
    };
    hooks.membersChanged = [&r] { ++r.reshards; };
    hooks.writabilityChanged = [&r](const Status &writes) {
        std::lock_guard lock(r.mutex);
        r.writability.push_back(writes);
    };
    [&] { QVERIFY(r.coordinator->start(std::move(hooks)).isOk()); }();
    m_replicas.push_back(std::move(replica));
    return r;
}

int ElectionTest::leaders() const {
    int count = 0;
    for (const auto &replica : m_replicas) {
        count += replica->leading ? 1 : 0;
    }
    return count;
}

void ElectionTest::oneLeaderAmongReplicas() {
    Replica &a = add("a");
    QVERIFY(testing::pollUntil([&] { return a.leading.load(); }, 5000ms));
    Replica &b = add("b");
    Replica &c = add("c");
    QVERIFY(testing::pollUntil(
        [&] {
            return b.coordinator->liveReplicas().size() == 3 &&
                   c.coordinator->liveReplicas().size() == 3 &&
                   a.coordinator->liveReplicas().size() == 3;
        },
        5000ms));
    // Stays so: nobody else campaigns successfully while the leader renews.
    QTest::qWait(static_cast<int>(kTtl.count() * 2));
    QCOMPARE(leaders(), 1);
    QVERIFY(a.leading);
    for (const auto &replica : m_replicas) {
        const ClusterStatus status = replica->coordinator->status();
        QCOMPARE(status.leaderId, std::string("a"));
        QCOMPARE(status.replicas.size(), std::size_t(3));
        QVERIFY(status.writes.isOk());
        QCOMPARE(status.storeMembers.size(), std::size_t(1));
    }
}

void ElectionTest::aLeaderCutOffStopsBeforeItsLeaseExpiresAndAnotherLeads() {
    Replica &a = add("a");
    QVERIFY(testing::pollUntil([&] { return a.leading.load(); }, 5000ms));
    Replica &b = add("b");
    QVERIFY(testing::pollUntil([&] { return b.coordinator->liveReplicas().size() == 2; }, 5000ms));

    // The leader loses etcd: its renewals fail, as after a partition (or a process frozen).
    const auto cut = std::chrono::steady_clock::now();
    a.leases->setReachable(false);
    QVERIFY(testing::pollUntil([&] { return b.leading.load(); }, 5000ms));
    const auto handedOver = std::chrono::steady_clock::now();
    // The fence: it stopped leading before its lease expired, so never were two leaders acting.
    QVERIFY(!a.leading);
    const auto expiries = m_leases->expiries();
    QVERIFY(!expiries.empty());
    {
        std::lock_guard lock(a.mutex);
        QCOMPARE(a.stepDowns.size(), std::size_t(1));
        QVERIFY(a.stepDowns.front() < expiries.front());
    }
    // Within the bound: the lease's TTL and a little.
    QVERIFY2(handedOver - cut < kTtl + 1000ms,
             std::to_string(
                 std::chrono::duration_cast<std::chrono::milliseconds>(handedOver - cut).count())
                 .c_str());

    // It refuses writes and says why; readiness heard it.
    const Status writes = a.coordinator->writable();
    QCOMPARE(writes.code(), StatusCode::Unavailable);
    QVERIFY2(writes.message().find("this replica has lost its etcd connection since ") == 0,
             writes.message().c_str());
    QVERIFY2(writes.message().find("connection refused") != std::string::npos,
             writes.message().c_str());
    {
        std::lock_guard lock(a.mutex);
        QVERIFY(!a.writability.empty());
        QCOMPARE(a.writability.back().code(), StatusCode::Unavailable);
    }
    QVERIFY(!a.coordinator->status().writes.isOk());

    // Back in touch: it joins again, as a follower, and takes writes.
    a.leases->setReachable(true);
    QVERIFY(testing::pollUntil([&] { return a.coordinator->writable().isOk(); }, 5000ms));
    QVERIFY(testing::pollUntil([&] { return a.coordinator->liveReplicas().size() == 2; }, 5000ms));
    QVERIFY(!a.leading);
    QCOMPARE(leaders(), 1);
    QCOMPARE(a.coordinator->status().leaderId, std::string("b"));
}

void ElectionTest::aLeaderThatStopsHandsOverAtOnce() {
    Replica &a = add("a");
    QVERIFY(testing::pollUntil([&] { return a.leading.load(); }, 5000ms));
    Replica &b = add("b");
    QVERIFY(testing::pollUntil([&] { return b.coordinator->liveReplicas().size() == 2; }, 5000ms));
    const auto stopped = std::chrono::steady_clock::now();
    a.coordinator->stop();
    QVERIFY(!a.leading);
    // The revoked lease deletes the leader key at once: no waiting for the TTL.
    QVERIFY(testing::pollUntil([&] { return b.leading.load(); }, 5000ms));
    QVERIFY(std::chrono::steady_clock::now() - stopped < kTtl / 2 + 200ms);
    QCOMPARE(b.coordinator->liveReplicas(), std::vector<std::string>{"b"});
}

void ElectionTest::healthChecksReshardWhenAReplicaJoinsOrLeaves() {
    Replica &a = add("a");
    QVERIFY(testing::pollUntil([&] { return a.coordinator->liveReplicas().size() == 1; }, 5000ms));
    std::vector<std::string> keys;
    for (int i = 0; i < 300; ++i) {
        keys.push_back("shop/" + std::to_string(i));
    }
    for (const auto &key : keys) {
        QVERIFY(a.coordinator->owns(key));
    }
    const int before = a.reshards;
    Replica &b = add("b");
    QVERIFY(testing::pollUntil(
        [&] {
            return a.coordinator->liveReplicas().size() == 2 &&
                   b.coordinator->liveReplicas().size() == 2 && a.reshards > before;
        },
        5000ms));
    // Every instance has exactly one owner among the two.
    int ownedByA = 0;
    for (const auto &key : keys) {
        QVERIFY(a.coordinator->owns(key) != b.coordinator->owns(key));
        ownedByA += a.coordinator->owns(key) ? 1 : 0;
    }
    QVERIFY(ownedByA > 90 && ownedByA < 210);
    const int beforeLeave = a.reshards;
    b.coordinator->stop();
    QVERIFY(testing::pollUntil(
        [&] { return a.coordinator->liveReplicas().size() == 1 && a.reshards > beforeLeave; },
        5000ms));
    for (const auto &key : keys) {
        QVERIFY(a.coordinator->owns(key));
    }
}

QTEST_GUILESS_MAIN(ElectionTest)
#include "tst_election.moc"
