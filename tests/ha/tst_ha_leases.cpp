// Registry leases on three aegisd replicas over a three-member etcd cluster: a lease is an etcd
// lease, so it is renewed through any replica, survives the replica that granted it, and when
// nobody renews it etcd removes its instances and every replica's watchers see lease_expired.

#include "aegis/v1/registry.grpc.pb.h"
#include "api_test_helpers.h"
#include "ha_cluster.h"
#include "poll_until.h"
#include "required_tool.h"

#include <grpcpp/grpcpp.h>

#include <QtTest>

#include <algorithm>
#include <atomic>
#include <functional>
#include <mutex>
#include <thread>

using namespace aegis;
using namespace std::chrono_literals;
using testing::HaCluster;

namespace {

constexpr int kTtlSeconds = 3;

void withDeadline(grpc::ClientContext &context, std::chrono::milliseconds timeout = 10s) {
    context.set_deadline(std::chrono::system_clock::now() + timeout);
}

// Whether `holds` is true at every check, polled for `duration`.
bool holdsFor(std::chrono::milliseconds duration, const std::function<bool()> &holds) {
    const auto until = std::chrono::steady_clock::now() + duration;
    bool held = true;
    testing::pollUntil(
        [&] {
            held = held && holds();
            return !held || std::chrono::steady_clock::now() >= until;
        },
        duration + 10s);
    return held;
}

// Follows a replica's WatchInstances of one service on its own thread.
class WatchReader {
public:
    WatchReader(const std::shared_ptr<grpc::Channel> &channel, const std::string &service)
        : m_stub(aegis::v1::RegistryService::NewStub(channel)) {
        withDeadline(m_context, 120s);
        aegis::v1::WatchInstancesRequest request;
        request.set_service(service);
        m_reader = m_stub->WatchInstances(&m_context, request);
        m_thread = std::thread([this] {
            aegis::v1::WatchInstancesResponse response;
            while (m_reader->Read(&response)) {
                std::lock_guard lock(m_mutex);
                ++m_messages;
                for (const auto &event : response.events()) {
                    m_events.push_back(event);
                }
            }
            m_reader->Finish();
        });
    }
    ~WatchReader() {
        m_context.TryCancel();
        m_thread.join();
    }
    std::vector<aegis::v1::InstanceEvent> events() {
        std::lock_guard lock(m_mutex);
        return m_events;
    }
    bool established() {
        std::lock_guard lock(m_mutex);
        return m_messages > 0;
    }
    bool removed(const std::string &id, const std::string &reason) {
        std::lock_guard lock(m_mutex);
        return std::any_of(m_events.begin(), m_events.end(), [&](const auto &event) {
            return event.type() == aegis::v1::INSTANCE_EVENT_TYPE_REMOVED &&
                   event.instance().id() == id && event.reason() == reason;
        });
    }

private:
    std::unique_ptr<aegis::v1::RegistryService::Stub> m_stub;
    grpc::ClientContext m_context;
    std::unique_ptr<grpc::ClientReader<aegis::v1::WatchInstancesResponse>> m_reader;
    std::thread m_thread;
    std::mutex m_mutex;
    std::vector<aegis::v1::InstanceEvent> m_events;
    int m_messages = 0;
};

// Renews a lease once a second over one replica's KeepAlive stream until destroyed, as a
// service's client does; remembers the last TTL answered.
class Renewer {
public:
    Renewer(const std::shared_ptr<grpc::Channel> &channel, std::int64_t lease)
        : m_stub(aegis::v1::RegistryService::NewStub(channel)) {
        withDeadline(m_context, 120s);
        m_stream = m_stub->KeepAlive(&m_context);
        m_thread = std::thread([this, lease] {
            while (!m_stop) {
                aegis::v1::KeepAliveRequest request;
                request.set_lease_id(lease);
                aegis::v1::KeepAliveResponse response;
                if (!m_stream->Write(request) || !m_stream->Read(&response)) {
                    m_lastTtl = -1;
                    return;
                }
                m_lastTtl = response.ttl_seconds();
                ++m_renewals;
                // The renewal cadence itself (a third of the TTL), not a wait for a condition.
                std::this_thread::sleep_for(1s);
            }
            m_stream->WritesDone();
            m_stream->Finish();
        });
    }
    ~Renewer() {
        m_stop = true;
        m_thread.join();
    }
    int renewals() const { return m_renewals; }
    std::int64_t lastTtl() const { return m_lastTtl; }

private:
    std::unique_ptr<aegis::v1::RegistryService::Stub> m_stub;
    grpc::ClientContext m_context;
    std::unique_ptr<
        grpc::ClientReaderWriter<aegis::v1::KeepAliveRequest, aegis::v1::KeepAliveResponse>>
        m_stream;
    std::atomic<bool> m_stop{false};
    std::atomic<int> m_renewals{0};
    std::atomic<std::int64_t> m_lastTtl{0};
    std::thread m_thread;
};

} // namespace

class HaLeasesTest : public QObject {
    Q_OBJECT

private slots:
    void initTestCase();
    void aLeaseRenewedThroughAnotherReplicaKeepsItsInstances();
    void aLeaseOutlivesTheReplicaThatGrantedIt();
    void anUnrenewedLeaseExpiresOnEveryReplica();
    void cleanupTestCase();

private:
    std::shared_ptr<grpc::Channel> channel(int replica) const {
        return testing::channelFor(m_cluster->grpcAddresses().at(replica), m_cluster->adminToken());
    }
    // Registers `id` of `service` with a new lease through `replica`; its lease id.
    std::int64_t registerThrough(int replica, const std::string &service, const std::string &id);
    // The instances of `service` that `replica` lists (-1 when the call fails).
    int instancesOn(int replica, const std::string &service) const;

    std::unique_ptr<HaCluster> m_cluster;
};

void HaLeasesTest::initTestCase() {
    AEGIS_REQUIRE_TOOL(testing::EtcdCluster::kBinary, testing::EtcdCluster::kPackage);
    auto cluster = HaCluster::start();
    QVERIFY2(cluster, cluster.status().toString().c_str());
    m_cluster = std::move(*cluster);
}

void HaLeasesTest::cleanupTestCase() {
    m_cluster.reset();
}

std::int64_t HaLeasesTest::registerThrough(int replica, const std::string &service,
                                           const std::string &id) {
    auto stub = aegis::v1::RegistryService::NewStub(channel(replica));
    aegis::v1::RegisterInstanceRequest request;
    request.mutable_instance()->set_service(service);
    request.mutable_instance()->set_id(id);
    request.mutable_instance()->set_address("127.0.0.1:9100");
    request.set_ttl_seconds(kTtlSeconds);
    aegis::v1::RegisterInstanceResponse response;
    grpc::ClientContext context;
    withDeadline(context);
    const grpc::Status status = stub->RegisterInstance(&context, request, &response);
    if (!status.ok()) {
        qWarning("RegisterInstance: %s", status.error_message().c_str());
        return 0;
    }
    return response.lease_id();
}

int HaLeasesTest::instancesOn(int replica, const std::string &service) const {
    auto stub = aegis::v1::RegistryService::NewStub(channel(replica));
    aegis::v1::ListInstancesRequest request;
    request.set_service(service);
    aegis::v1::ListInstancesResponse response;
    grpc::ClientContext context;
    withDeadline(context);
    if (!stub->ListInstances(&context, request, &response).ok()) {
        return -1;
    }
    return response.instances_size();
}

void HaLeasesTest::aLeaseRenewedThroughAnotherReplicaKeepsItsInstances() {
    const std::int64_t lease = registerThrough(0, "checkout", "c1");
    QVERIFY(lease > 0);
    QVERIFY(testing::pollUntil([&] { return instancesOn(1, "checkout") == 1; }));
    Renewer renewer(channel(1), lease);
    // Three TTLs of renewals through replica 1 only: the instance stays everywhere.
    QVERIFY(holdsFor(3 * std::chrono::seconds(kTtlSeconds), [&] {
        return instancesOn(0, "checkout") == 1 && instancesOn(2, "checkout") == 1;
    }));
    QVERIFY(renewer.renewals() >= 3 * kTtlSeconds - 1);
    QCOMPARE(renewer.lastTtl(), std::int64_t(kTtlSeconds));
}

void HaLeasesTest::aLeaseOutlivesTheReplicaThatGrantedIt() {
    WatchReader watch(channel(2), "payments");
    QVERIFY(testing::pollUntil([&] { return watch.established(); }));
    const std::int64_t lease = registerThrough(0, "payments", "p1");
    QVERIFY(lease > 0);
    QVERIFY(testing::pollUntil([&] { return instancesOn(1, "payments") == 1; }));
    Renewer renewer(channel(1), lease);
    QVERIFY(testing::pollUntil([&] { return renewer.renewals() >= 1; }));

    m_cluster->kill(0);
    QVERIFY(holdsFor(3 * std::chrono::seconds(kTtlSeconds), [&] {
        return instancesOn(1, "payments") == 1 && instancesOn(2, "payments") == 1;
    }));
    QCOMPARE(renewer.lastTtl(), std::int64_t(kTtlSeconds));
    for (const auto &event : watch.events()) {
        QVERIFY2(event.type() != aegis::v1::INSTANCE_EVENT_TYPE_REMOVED, event.reason().c_str());
    }
    const Status restarted = m_cluster->restart(0);
    QVERIFY2(restarted.isOk(), restarted.toString().c_str());
    QCOMPARE(instancesOn(0, "payments"), 1);
}

void HaLeasesTest::anUnrenewedLeaseExpiresOnEveryReplica() {
    std::vector<std::unique_ptr<WatchReader>> watches;
    for (int replica = 0; replica < 3; ++replica) {
        watches.push_back(std::make_unique<WatchReader>(channel(replica), "inventory"));
    }
    QVERIFY(testing::pollUntil([&] {
        return std::all_of(watches.begin(), watches.end(),
                           [](const auto &watch) { return watch->established(); });
    }));
    const std::int64_t lease = registerThrough(1, "inventory", "i1");
    QVERIFY(lease > 0);
    {
        // Renewed for a while through another replica, then the service goes away.
        Renewer renewer(channel(2), lease);
        QVERIFY(testing::pollUntil([&] { return renewer.renewals() >= 2; }));
    }
    // etcd expires the lease a TTL after the last renewal and deletes the instance; every
    // replica reports it with the reason.
    QVERIFY(testing::pollUntil(
        [&] {
            return std::all_of(watches.begin(), watches.end(), [](const auto &watch) {
                return watch->removed("i1", "lease_expired");
            });
        },
        20s));
    for (int replica = 0; replica < 3; ++replica) {
        QCOMPARE(instancesOn(replica, "inventory"), 0);
    }
    // The lease is gone everywhere: renewing it through any replica answers TTL 0.
    Renewer late(channel(0), lease);
    QVERIFY(testing::pollUntil([&] { return late.renewals() >= 1; }));
    QCOMPARE(late.lastTtl(), std::int64_t(0));
}

QTEST_GUILESS_MAIN(HaLeasesTest)
#include "tst_ha_leases.moc"
