#include "etcd/etcd_client.h"
#include "etcd_cluster.h"
#include "loopback_ports.h"
#include "poll_until.h"
#include "required_tool.h"

#include <QProcess>
#include <QtTest>

#include <atomic>
#include <mutex>

using namespace aegis;
using namespace std::chrono_literals;

namespace {

etcd::EtcdClientOptions optionsFor(std::vector<std::string> endpoints) {
    etcd::EtcdClientOptions options;
    options.endpoints = std::move(endpoints);
    options.dialTimeout = 1s;
    options.requestTimeout = 5s;
    return options;
}

etcdserverpb::PutRequest putRequest(const std::string &key, const std::string &value,
                                    std::int64_t lease = 0) {
    etcdserverpb::PutRequest request;
    request.set_key(key);
    request.set_value(value);
    request.set_lease(lease);
    return request;
}

etcdserverpb::RangeRequest keyRequest(const std::string &key) {
    etcdserverpb::RangeRequest request;
    request.set_key(key);
    return request;
}

// Runs etcdctl (v3 API) against `endpoint`; its output, or a failure naming the command.
QString etcdctl(const std::string &endpoint, const QStringList &arguments) {
    QProcess process;
    auto environment = QProcessEnvironment::systemEnvironment();
    environment.insert("ETCDCTL_API", "3");
    process.setProcessEnvironment(environment);
    process.setProcessChannelMode(QProcess::MergedChannels);
    process.start("etcdctl",
                  QStringList{"--endpoints", QString::fromStdString(endpoint)} + arguments);
    process.waitForFinished(20000);
    const QString output = QString::fromUtf8(process.readAll());
    if (process.exitStatus() != QProcess::NormalExit || process.exitCode() != 0) {
        return "FAILED: etcdctl " + arguments.join(' ') + ": " + output;
    }
    return output;
}

} // namespace

class TestEtcdClient : public QObject {
    Q_OBJECT

private slots:
    void initTestCase() {
        AEGIS_REQUIRE_TOOL("etcd", "etcd-server");
        AEGIS_REQUIRE_TOOL("etcdctl", "etcd-client");
        auto started = testing::EtcdCluster::start({}, {.members = 1});
        QVERIFY2(started.isOk(), started.status().toString().c_str());
        m_etcd = std::move(*started);
        auto client = etcd::EtcdClient::create(optionsFor({m_etcd->clientAddress(0)}));
        QVERIFY2(client.isOk(), client.status().toString().c_str());
        m_client = std::move(*client);
    }

    void cleanupTestCase() {
        m_client.reset();
        m_etcd.reset();
    }

    void putRangeAndTxn() {
        auto put = m_client->put(putRequest("/t/kv/a", "1"));
        QVERIFY2(put.isOk(), put.status().toString().c_str());
        const std::int64_t revision = put->header().revision();
        QVERIFY(revision > 0);

        auto range = m_client->range(keyRequest("/t/kv/a"));
        QVERIFY(range.isOk());
        QCOMPARE(range->kvs_size(), 1);
        QCOMPARE(range->kvs(0).value(), std::string("1"));
        QCOMPARE(range->kvs(0).mod_revision(), revision);

        // A create guarded by "missing" fails on an existing key and writes nothing.
        etcdserverpb::TxnRequest txn;
        auto *compare = txn.add_compare();
        compare->set_key("/t/kv/a");
        compare->set_target(etcdserverpb::Compare::CREATE);
        compare->set_result(etcdserverpb::Compare::EQUAL);
        compare->set_create_revision(0);
        *txn.add_success()->mutable_request_put() = putRequest("/t/kv/a", "2");
        auto failed = m_client->txn(txn);
        QVERIFY(failed.isOk());
        QVERIFY(!failed->succeeded());
        QCOMPARE(failed->header().revision(), revision);

        compare->set_key("/t/kv/b");
        txn.mutable_success(0)->mutable_request_put()->set_key("/t/kv/b");
        auto succeeded = m_client->txn(txn);
        QVERIFY(succeeded.isOk());
        QVERIFY(succeeded->succeeded());
        QCOMPARE(succeeded->header().revision(), revision + 1);

        etcdserverpb::DeleteRangeRequest remove;
        remove.set_key("/t/kv/");
        remove.set_range_end("/t/kv0");
        auto deleted = m_client->deleteRange(remove);
        QVERIFY(deleted.isOk());
        QCOMPARE(deleted->deleted(), std::int64_t(2));
    }

    void compactedRevisionIsOutOfRange() {
        auto first = m_client->put(putRequest("/t/compact", "1"));
        auto second = m_client->put(putRequest("/t/compact", "2"));
        QVERIFY(first.isOk() && second.isOk());
        etcdserverpb::CompactionRequest compact;
        compact.set_revision(second->header().revision());
        QVERIFY(m_client->compact(compact).isOk());
        auto request = keyRequest("/t/compact");
        request.set_revision(first->header().revision());
        auto old = m_client->range(request);
        QCOMPARE(old.status().code(), StatusCode::OutOfRange);
    }

    void unreachableMemberIsSkipped() {
        testing::RefusingLoopbackAddress dead;
        auto client =
            etcd::EtcdClient::create(optionsFor({dead.address(), m_etcd->clientAddress(0)}));
        QVERIFY(client.isOk());
        auto put = (*client)->put(putRequest("/t/failover", "1"));
        QVERIFY2(put.isOk(), put.status().toString().c_str());
        QCOMPARE((*client)->currentEndpoint(), m_etcd->clientAddress(0));
        auto range = (*client)->range(keyRequest("/t/failover"));
        QVERIFY(range.isOk());
        QCOMPARE(range->kvs_size(), 1);
    }

    void noMemberReachableIsUnavailable() {
        testing::RefusingLoopbackAddress dead;
        auto client = etcd::EtcdClient::create(optionsFor({dead.address()}));
        QVERIFY(client.isOk());
        auto range = (*client)->range(keyRequest("/t/x"));
        QCOMPARE(range.status().code(), StatusCode::Unavailable);
        QVERIFY2(range.status().message().find(dead.address()) != std::string::npos,
                 range.status().message().c_str());
    }

    void leasesAreGrantedKeptAliveAndRevoked() {
        auto lease = m_client->leaseGrant(10);
        QVERIFY2(lease.isOk(), lease.status().toString().c_str());
        const std::int64_t id = lease->id();
        QVERIFY(id != 0);
        QCOMPARE(lease->ttl(), std::int64_t(10));
        QVERIFY(m_client->put(putRequest("/t/lease/key", "v", id)).isOk());

        auto ttl = m_client->leaseTimeToLive(id, true);
        QVERIFY(ttl.isOk());
        QCOMPARE(ttl->keys_size(), 1);
        QCOMPARE(ttl->keys(0), std::string("/t/lease/key"));

        // Many leases share one keep-alive stream.
        auto second = m_client->leaseGrant(10);
        QVERIFY(second.isOk());
        std::mutex mutex;
        std::map<std::int64_t, std::int64_t> renewed;
        auto keeper = m_client->keepAlive({[&](std::int64_t leaseId, std::int64_t ttlSeconds) {
                                               std::lock_guard lock(mutex);
                                               renewed[leaseId] = ttlSeconds;
                                           },
                                           {}});
        keeper->renew(id);
        keeper->renew(second->id());
        QVERIFY(testing::pollUntil([&] {
            std::lock_guard lock(mutex);
            return renewed.size() == 2;
        }));
        QCOMPARE(renewed[id], std::int64_t(10));

        QVERIFY(m_client->leaseRevoke(id).isOk());
        auto gone = m_client->range(keyRequest("/t/lease/key"));
        QVERIFY(gone.isOk());
        QCOMPARE(gone->kvs_size(), 0);
        QCOMPARE(m_client->leaseRevoke(id).code(), StatusCode::NotFound);

        // A revoked lease answers a keep-alive with TTL 0.
        {
            std::lock_guard lock(mutex);
            renewed.clear();
        }
        keeper->renew(id);
        QVERIFY(testing::pollUntil([&] {
            std::lock_guard lock(mutex);
            return renewed.count(id) == 1;
        }));
        QVERIFY(renewed[id] <= 0);
        keeper.reset();
        QVERIFY(m_client->leaseRevoke(second->id()).isOk());
    }

    void watchDeliversEventsFromARevision() {
        auto first = m_client->put(putRequest("/t/watch/a", "1"));
        QVERIFY(first.isOk());
        QVERIFY(m_client->put(putRequest("/t/watch/b", "2")).isOk());

        std::mutex mutex;
        std::vector<std::string> keys;
        std::atomic<bool> created{false};
        auto stream = m_client->watch({[&](const etcdserverpb::WatchResponse &response) {
                                           created = created || response.created();
                                           std::lock_guard lock(mutex);
                                           for (const auto &event : response.events()) {
                                               keys.push_back(event.kv().key());
                                           }
                                       },
                                       {}});
        QVERIFY(stream.isOk());
        etcdserverpb::WatchRequest request;
        auto *create = request.mutable_create_request();
        create->set_key("/t/watch/");
        create->set_range_end("/t/watch0");
        create->set_start_revision(first->header().revision());
        QVERIFY((*stream)->send(request));
        QVERIFY(testing::pollUntil([&] { return created.load(); }));
        QVERIFY(m_client->put(putRequest("/t/watch/c", "3")).isOk());
        QVERIFY(testing::pollUntil([&] {
            std::lock_guard lock(mutex);
            return keys.size() == 3;
        }));
        QCOMPARE(keys, (std::vector<std::string>{"/t/watch/a", "/t/watch/b", "/t/watch/c"}));
    }

    void memberListAndStatus() {
        auto members = m_client->memberList();
        QVERIFY(members.isOk());
        QCOMPARE(members->members_size(), 1);
        QCOMPARE(members->members(0).name(), std::string("member0"));
        auto status = m_client->status(m_etcd->clientAddress(0));
        QVERIFY2(status.isOk(), status.status().toString().c_str());
        QCOMPARE(status->version(), std::string("3.4.23"));
        QCOMPARE(status->leader(), members->members(0).id());
    }

    // Last: it turns authentication on for the shared etcd.
    void authenticatesWithUserAndPassword() {
        const std::string endpoint = m_etcd->clientAddress(0);
        QVERIFY(!etcdctl(endpoint, {"user", "add", "root:root-secret"}).startsWith("FAILED"));
        QVERIFY(!etcdctl(endpoint, {"user", "add", "aegis:aegis-secret"}).startsWith("FAILED"));
        QVERIFY(!etcdctl(endpoint, {"role", "add", "aegis"}).startsWith("FAILED"));
        QVERIFY(!etcdctl(endpoint,
                         {"role", "grant-permission", "aegis", "--prefix=true", "readwrite", "/t/"})
                     .startsWith("FAILED"));
        QVERIFY(!etcdctl(endpoint, {"user", "grant-role", "aegis", "aegis"}).startsWith("FAILED"));
        const QString enabled = etcdctl(endpoint, {"auth", "enable"});
        QVERIFY2(!enabled.startsWith("FAILED"), qPrintable(enabled));

        auto anonymous = etcd::EtcdClient::create(optionsFor({endpoint}));
        QVERIFY(anonymous.isOk());
        QVERIFY(!(*anonymous)->put(putRequest("/t/auth", "x")).isOk());

        auto options = optionsFor({endpoint});
        options.username = "aegis";
        options.password = "aegis-secret";
        auto client = etcd::EtcdClient::create(options);
        QVERIFY(client.isOk());
        auto put = (*client)->put(putRequest("/t/auth", "x"));
        QVERIFY2(put.isOk(), put.status().toString().c_str());
        auto range = (*client)->range(keyRequest("/t/auth"));
        QVERIFY(range.isOk());
        QCOMPARE(range->kvs_size(), 1);

        options.password = "wrong";
        auto wrong = etcd::EtcdClient::create(options);
        QVERIFY(wrong.isOk());
        auto refused = (*wrong)->range(keyRequest("/t/auth"));
        QCOMPARE(refused.status().code(), StatusCode::InvalidArgument);
    }

private:
    std::unique_ptr<testing::EtcdCluster> m_etcd;
    std::unique_ptr<etcd::EtcdClient> m_client;
};

QTEST_GUILESS_MAIN(TestEtcdClient)
#include "tst_etcd_client.moc"
