// The highly available control plane under failure: three aegisd replicas on a real three-member
// etcd cluster (HaCluster). A watch whose replica dies resumes on another with every event once;
// the leader killed during a stream of registrations and config publishes loses no acknowledged
// write; an etcd member killed leaves the service running; a replica that loses etcd refuses
// writes and says so.

#include "aegis/v1/config.grpc.pb.h"
#include "aegis/v1/registry.grpc.pb.h"
#include "aegis/v1/system.grpc.pb.h"
#include "client/connection.h"
#include "ha_cluster.h"
#include "http_get.h"
#include "instance_follower.h"
#include "poll_until.h"
#include "required_tool.h"

#include <grpcpp/grpcpp.h>

#include <QtTest>

#include <set>

using namespace aegis;
using namespace std::chrono_literals;
using testing::HaCluster;
using testing::pollUntil;

namespace {

std::shared_ptr<grpc::Channel> channelFor(const client::ConnectionOptions &options) {
    auto channel = client::makeChannel(options);
    return channel ? *channel : nullptr;
}

// Registers `id` of "svc"; the revision it was committed at, or the failure.
StatusOr<std::int64_t> registerInstance(const std::shared_ptr<grpc::Channel> &channel,
                                        const std::string &id) {
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
    if (!status.ok()) {
        return Status(static_cast<StatusCode>(status.error_code()), status.error_message());
    }
    return response.header().revision();
}

// Publishes a new item ha/writes/`key`; the revision it was committed at, or the failure.
StatusOr<std::int64_t> publishItem(const std::shared_ptr<grpc::Channel> &channel,
                                   const std::string &key) {
    auto stub = v1::ConfigService::NewStub(channel);
    v1::PublishConfigRequest request;
    auto *change = request.mutable_change();
    change->mutable_ref()->set_namespace_("ha");
    change->mutable_ref()->set_group("writes");
    change->mutable_ref()->set_key(key);
    change->set_format(v1::CONFIG_FORMAT_TEXT);
    change->set_content("value of " + key);
    request.set_comment("tst_ha_scenarios");
    v1::PublishConfigResponse response;
    grpc::ClientContext context;
    client::setTimeout(context, 10s);
    context.set_wait_for_ready(true);
    const auto status = stub->PublishConfig(&context, request, &response);
    if (!status.ok()) {
        return Status(static_cast<StatusCode>(status.error_code()), status.error_message());
    }
    return response.header().revision();
}

bool itemExists(const std::shared_ptr<grpc::Channel> &channel, const std::string &key) {
    auto stub = v1::ConfigService::NewStub(channel);
    v1::GetConfigItemRequest request;
    request.mutable_ref()->set_namespace_("ha");
    request.mutable_ref()->set_group("writes");
    request.mutable_ref()->set_key(key);
    v1::GetConfigItemResponse response;
    grpc::ClientContext context;
    client::setTimeout(context, 5s);
    return stub->GetConfigItem(&context, request, &response).ok();
}

// The ids of "svc"'s instances as `channel`'s replica lists them.
std::set<std::string> instanceIds(const std::shared_ptr<grpc::Channel> &channel) {
    std::set<std::string> ids;
    auto stub = v1::RegistryService::NewStub(channel);
    v1::ListInstancesRequest request;
    request.set_service("svc");
    request.set_page_size(1000);
    v1::ListInstancesResponse response;
    grpc::ClientContext context;
    client::setTimeout(context, 5s);
    if (stub->ListInstances(&context, request, &response).ok()) {
        for (const auto &instance : response.instances()) {
            ids.insert(instance.id());
        }
    }
    return ids;
}

std::optional<v1::GetStatusResponse> statusOf(const std::shared_ptr<grpc::Channel> &channel) {
    auto stub = v1::SystemService::NewStub(channel);
    grpc::ClientContext context;
    client::setTimeout(context, 5s);
    v1::GetStatusResponse response;
    if (!stub->GetStatus(&context, {}, &response).ok()) {
        return std::nullopt;
    }
    return response;
}

std::string peerOf(const std::shared_ptr<grpc::Channel> &channel) {
    auto stub = v1::SystemService::NewStub(channel);
    grpc::ClientContext context;
    client::setTimeout(context, 10s);
    v1::GetStatusResponse response;
    return stub->GetStatus(&context, {}, &response).ok() ? client::peerAddress(context.peer())
                                                         : std::string();
}

testing::HaClusterOptions fastFailover() {
    testing::HaClusterOptions options;
    // A leader that dies is replaced within about this long.
    options.extraConfig = "cluster:\n  leader_lease_ttl: 2s\n";
    return options;
}

} // namespace

class HaScenariosTest : public QObject {
    Q_OBJECT

private slots:
    void init() {
        AEGIS_REQUIRE_TOOL(testing::EtcdCluster::kBinary, testing::EtcdCluster::kPackage);
    }

    void watchResumesOnAnotherReplica();
    void leaderKilledDuringWritesLosesNothing();
    void etcdMemberKilledServiceContinues();
    void replicaThatLosesEtcdRefusesWrites();
};

void HaScenariosTest::watchResumesOnAnotherReplica() {
    auto started = HaCluster::start(fastFailover());
    QVERIFY2(started, started.status().message().c_str());
    HaCluster &cluster = **started;
    const auto all = channelFor(cluster.adminConnection());
    // The channel takes the first replica listed.
    QCOMPARE(peerOf(all), cluster.grpcAddresses()[0]);

    testing::InstanceFollower follower(all, "svc", 1);
    const auto viaSecond = channelFor(cluster.replicaConnection(1));
    for (int i = 0; i < 5; ++i) {
        QVERIFY(registerInstance(viaSecond, "before-" + std::to_string(i)).isOk());
    }
    QVERIFY(pollUntil([&] { return follower.added("before-4") == 1; }));

    cluster.kill(0);
    const auto viaThird = channelFor(cluster.replicaConnection(2));
    for (int i = 0; i < 5; ++i) {
        QVERIFY(registerInstance(viaThird, "after-" + std::to_string(i)).isOk());
    }
    QVERIFY(pollUntil([&] { return follower.added("after-4") == 1; }, 20s));
    follower.stop();
    QCOMPARE(peerOf(all), cluster.grpcAddresses()[1]);
    QVERIFY2(follower.orderViolation().empty(), follower.orderViolation().c_str());
    QCOMPARE(follower.events().size(), std::size_t(10));
}

void HaScenariosTest::leaderKilledDuringWritesLosesNothing() {
    auto started = HaCluster::start(fastFailover());
    QVERIFY2(started, started.status().message().c_str());
    HaCluster &cluster = **started;
    auto leader = cluster.waitForLeader(20s);
    QVERIFY2(leader, leader.status().message().c_str());
    // Writers and the watcher list every replica, the leader first, so they are on it when it
    // dies.
    std::string list = cluster.grpcAddresses()[*leader];
    for (int i = 0; i < cluster.size(); ++i) {
        list += i == *leader ? "" : "," + cluster.grpcAddresses()[i];
    }
    client::ConnectionOptions options = cluster.adminConnection();
    options.address = list;
    const auto writer = channelFor(options);
    testing::InstanceFollower follower(writer, "svc", 1);

    std::vector<std::string> acknowledgedInstances;
    std::vector<std::string> acknowledgedItems;
    std::int64_t lastRevision = 0;
    for (int i = 0; i < 60; ++i) {
        if (i == 20) {
            cluster.kill(*leader);
        }
        const std::string name = "write-" + std::to_string(i);
        const bool instance = i % 2 == 0;
        const auto revision = instance ? registerInstance(writer, name) : publishItem(writer, name);
        if (!revision) {
            continue; // not acknowledged: it may or may not have been applied
        }
        // Acknowledged writes carry increasing revisions, across the failover too.
        QVERIFY2(*revision > lastRevision, (name + " at " + std::to_string(*revision) + " after " +
                                            std::to_string(lastRevision))
                                               .c_str());
        lastRevision = *revision;
        (instance ? acknowledgedInstances : acknowledgedItems).push_back(name);
    }
    // Almost every write is acknowledged: the failover costs at most the calls in flight.
    QVERIFY2(acknowledgedInstances.size() + acknowledgedItems.size() >= 55,
             std::to_string(acknowledgedInstances.size() + acknowledgedItems.size()).c_str());
    auto next = cluster.waitForLeader(20s, *leader);
    QVERIFY2(next, next.status().message().c_str());

    for (int i = 0; i < cluster.size(); ++i) {
        if (i == *leader) {
            continue;
        }
        const auto replica = channelFor(cluster.replicaConnection(i));
        QVERIFY(pollUntil([&] {
            const auto ids = instanceIds(replica);
            return std::all_of(acknowledgedInstances.begin(), acknowledgedInstances.end(),
                               [&](const std::string &id) { return ids.count(id) == 1; });
        }));
        for (const auto &item : acknowledgedItems) {
            QVERIFY2(itemExists(replica, item), item.c_str());
        }
    }
    // The watcher saw every acknowledged registration exactly once, in revision order.
    QVERIFY(pollUntil([&] { return follower.added(acknowledgedInstances.back()) == 1; }, 20s));
    follower.stop();
    QVERIFY2(follower.orderViolation().empty(), follower.orderViolation().c_str());
    for (const auto &id : acknowledgedInstances) {
        QCOMPARE(follower.added(id), 1);
    }
}

void HaScenariosTest::etcdMemberKilledServiceContinues() {
    auto started = HaCluster::start(fastFailover());
    QVERIFY2(started, started.status().message().c_str());
    HaCluster &cluster = **started;
    const auto all = channelFor(cluster.adminConnection());
    QVERIFY(registerInstance(all, "before").isOk());

    // The member every replica lists first.
    cluster.etcd().kill(0);
    QVERIFY(pollUntil([&] { return registerInstance(all, "after").isOk(); }, 20s));
    for (int i = 0; i < cluster.size(); ++i) {
        const auto replica = channelFor(cluster.replicaConnection(i));
        QVERIFY(pollUntil([&] { return instanceIds(replica).count("after") == 1; }));
        QVERIFY(publishItem(replica, "after-member-loss-" + std::to_string(i)).isOk());
    }
}

void HaScenariosTest::replicaThatLosesEtcdRefusesWrites() {
    testing::HaClusterOptions options = fastFailover();
    // Replica 2 reaches etcd through member 2 only; the others through every member.
    options.replicaEtcdMembers = {{}, {}, {2}};
    auto started = HaCluster::start(options);
    QVERIFY2(started, started.status().message().c_str());
    HaCluster &cluster = **started;
    const auto isolated = channelFor(cluster.replicaConnection(2));
    QVERIFY(registerInstance(isolated, "before").isOk());

    cluster.etcd().kill(2);
    // It says so: GetStatus names the problem, /readyz fails, and a write is refused.
    std::string problem;
    QVERIFY(pollUntil(
        [&] {
            const auto status = statusOf(isolated);
            if (status && !status->control_plane().writable()) {
                problem = status->control_plane().write_problem();
            }
            return !problem.empty();
        },
        20s));
    QVERIFY2(problem.find("etcd") != std::string::npos, problem.c_str());
    QVERIFY(pollUntil([&] {
        return testing::httpGet(cluster.replica(2).httpAddress(), "/readyz").status != 200;
    }));
    const auto refused = registerInstance(isolated, "refused");
    QCOMPARE(refused.status().code(), StatusCode::Unavailable);
    QVERIFY2(refused.status().message().find("etcd") != std::string::npos,
             refused.status().message().c_str());

    // The others keep quorum and accept writes.
    const auto healthy = channelFor(cluster.replicaConnection(0));
    QVERIFY(pollUntil([&] { return registerInstance(healthy, "elsewhere").isOk(); }, 20s));
    QVERIFY(instanceIds(healthy).count("refused") == 0);
}

QTEST_GUILESS_MAIN(HaScenariosTest)
#include "tst_ha_scenarios.moc"
