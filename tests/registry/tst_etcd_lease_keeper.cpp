// EtcdLeaseKeeper against a real etcd: an aegis lease is an etcd lease. Two keepers, each with its
// own etcd client as two aegisd replicas would have, share it: what one grants the other renews
// once it knows the lease (from its record), the lease outlives the granting keeper, renewals of
// one lease waiting to be sent go once, and revocation and expiry end it in etcd.

#include "etcd/etcd_client.h"
#include "etcd_cluster.h"
#include "poll_until.h"
#include "registry/etcd_lease_keeper.h"
#include "required_tool.h"

#include <QtTest>

#include <future>

using namespace aegis;
using namespace std::chrono_literals;
using testing::pollUntil;

namespace {

std::unique_ptr<etcd::EtcdClient> clientOf(const testing::EtcdCluster &etcd) {
    etcd::EtcdClientOptions options;
    options.endpoints = etcd.clientAddresses();
    auto client = etcd::EtcdClient::create(options);
    return client ? std::move(*client) : nullptr;
}

StatusOr<registry::LeaseId> grantNow(registry::LeaseKeeper &keeper, std::chrono::seconds ttl) {
    std::promise<StatusOr<registry::LeaseId>> promise;
    keeper.grant(ttl, [&promise](StatusOr<registry::LeaseId> id) { promise.set_value(id); });
    return promise.get_future().get();
}

} // namespace

class EtcdLeaseKeeperTest : public QObject {
    Q_OBJECT

private slots:
    void initTestCase();
    void cleanupTestCase();
    void aGrantIsAnEtcdLease();
    void anotherKeeperRenewsItOnceItKnowsIt();
    void theLeaseOutlivesTheGrantingKeeper();
    void revokeEndsTheLeaseInEtcd();
    void anUnrenewedLeaseExpiresAndIsForgotten();
    void holdsAreCountedPerKeeper();

private:
    // etcd's remaining TTL of `lease` (-1: no such lease).
    std::int64_t etcdTtl(registry::LeaseId lease) {
        auto answer = m_client->leaseTimeToLive(lease);
        return answer ? answer->ttl() : -2;
    }

    std::unique_ptr<testing::EtcdCluster> m_etcd;
    std::unique_ptr<etcd::EtcdClient> m_client;
};

void EtcdLeaseKeeperTest::initTestCase() {
    AEGIS_REQUIRE_TOOL("etcd", "etcd-server");
    auto started = testing::EtcdCluster::start({}, {.members = 1});
    QVERIFY2(started.isOk(), started.status().toString().c_str());
    m_etcd = std::move(*started);
    m_client = clientOf(*m_etcd);
    QVERIFY(m_client);
}

void EtcdLeaseKeeperTest::cleanupTestCase() {
    m_client.reset();
    m_etcd.reset();
}

void EtcdLeaseKeeperTest::aGrantIsAnEtcdLease() {
    registry::EtcdLeaseKeeper keeper(*m_client);
    const auto lease = grantNow(keeper, 30s);
    QVERIFY2(lease, lease.status().toString().c_str());
    // Positive and below 2^53, as the in-memory table grants them.
    QVERIFY(*lease > 0 && *lease < (std::int64_t(1) << 53));
    QVERIFY(etcdTtl(*lease) > 25);
    QCOMPARE(keeper.ttl(*lease), std::optional(30s));
    QCOMPARE(keeper.renew(*lease), std::optional(30s));
    QCOMPARE(keeper.size(), std::size_t(1));
    // The records it keeps alive are attached to the etcd lease itself.
    QVERIFY(keeper.storeExpires());
    QCOMPARE(keeper.storeLease(*lease), *lease);
    QVERIFY(keeper.takeExpired().empty());
    QVERIFY(!keeper.renew(*lease + 1).has_value());
}

void EtcdLeaseKeeperTest::anotherKeeperRenewsItOnceItKnowsIt() {
    auto otherClient = clientOf(*m_etcd);
    registry::EtcdLeaseKeeper granting(*m_client);
    registry::EtcdLeaseKeeper other(*otherClient);
    const auto lease = grantNow(granting, 3s);
    QVERIFY(lease);
    // Unknown until its record reaches the other replica's event stream.
    QVERIFY(!other.renew(*lease).has_value());
    other.recordChanged(*lease, 3s);
    QCOMPARE(other.renew(*lease), std::optional(3s));
    // Renewed through the other keeper only, for three TTLs.
    const auto until = std::chrono::steady_clock::now() + 9s;
    QVERIFY(pollUntil(
        [&] {
            other.renew(*lease);
            return etcdTtl(*lease) <= 0 || std::chrono::steady_clock::now() >= until;
        },
        20s));
    QVERIFY(etcdTtl(*lease) > 0);
}

void EtcdLeaseKeeperTest::theLeaseOutlivesTheGrantingKeeper() {
    auto otherClient = clientOf(*m_etcd);
    registry::EtcdLeaseKeeper other(*otherClient);
    registry::LeaseId lease = 0;
    {
        auto grantingClient = clientOf(*m_etcd);
        registry::EtcdLeaseKeeper granting(*grantingClient);
        const auto granted = grantNow(granting, 3s);
        QVERIFY(granted);
        lease = *granted;
        other.recordChanged(lease, 3s);
    } // the granting replica is gone, its client and keep-alive stream with it
    const auto until = std::chrono::steady_clock::now() + 9s;
    QVERIFY(pollUntil(
        [&] {
            other.renew(lease);
            return etcdTtl(lease) <= 0 || std::chrono::steady_clock::now() >= until;
        },
        20s));
    QVERIFY(etcdTtl(lease) > 0);
}

void EtcdLeaseKeeperTest::revokeEndsTheLeaseInEtcd() {
    registry::EtcdLeaseKeeper keeper(*m_client);
    const auto lease = grantNow(keeper, 30s);
    QVERIFY(lease);
    keeper.revoke(*lease);
    QVERIFY(!keeper.ttl(*lease).has_value());
    QVERIFY(pollUntil([&] { return etcdTtl(*lease) == -1; }));
    // A record deleted by another replica's transaction ends it here too.
    const auto second = grantNow(keeper, 30s);
    QVERIFY(second);
    keeper.recordChanged(*second, std::nullopt);
    QVERIFY(!keeper.renew(*second).has_value());
    keeper.revoke(*second);
}

void EtcdLeaseKeeperTest::anUnrenewedLeaseExpiresAndIsForgotten() {
    registry::EtcdLeaseKeeper keeper(*m_client);
    const auto lease = grantNow(keeper, 2s);
    QVERIFY(lease);
    QVERIFY(pollUntil([&] { return etcdTtl(*lease) == -1; }, 15s));
    // The keep-alive answer (TTL 0) says etcd no longer has it.
    keeper.renew(*lease);
    QVERIFY(pollUntil([&] { return !keeper.ttl(*lease).has_value(); }));
}

void EtcdLeaseKeeperTest::holdsAreCountedPerKeeper() {
    auto otherClient = clientOf(*m_etcd);
    registry::EtcdLeaseKeeper keeper(*m_client);
    registry::EtcdLeaseKeeper other(*otherClient);
    const auto lease = grantNow(keeper, 30s);
    QVERIFY(lease);
    QVERIFY(!keeper.hold(*lease + 1));
    QVERIFY(keeper.hold(*lease));
    QVERIFY(keeper.isHeld(*lease));
    other.recordChanged(*lease, 30s);
    QVERIFY(!other.isHeld(*lease));
    keeper.release(*lease);
    QVERIFY(!keeper.isHeld(*lease));
    keeper.release(*lease); // released once more: nothing
    QVERIFY(!keeper.isHeld(*lease));
    keeper.revoke(*lease);
}

QTEST_GUILESS_MAIN(EtcdLeaseKeeperTest)
#include "tst_etcd_lease_keeper.moc"
