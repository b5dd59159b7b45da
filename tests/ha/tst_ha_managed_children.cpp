// The managed Prometheus and Alertmanager in a highly available control plane: three aegisd
// replicas on a real three-member etcd cluster (HaCluster), with Debian's prometheus and
// prometheus-alertmanager as managed children. Exactly one of each runs, the leader's; a
// follower answers metric queries from the leader's Prometheus, which scrapes every replica, and
// creates silences in the leader's Alertmanager; once the leader is killed with SIGKILL, the new
// leader starts its own children within a bounded time and queries through any survivor work
// again.

#include "aegis/v1/alerting.grpc.pb.h"
#include "aegis/v1/metrics.grpc.pb.h"
#include "aegis/v1/system.grpc.pb.h"
#include "client/connection.h"
#include "ha_cluster.h"
#include "poll_until.h"
#include "process_children.h"
#include "required_tool.h"

#include <grpcpp/grpcpp.h>

#include <QtTest>

#include <set>

using namespace aegis;
using namespace std::chrono_literals;
using testing::HaCluster;
using testing::pollUntil;

namespace {

// What tells a managed child's command line apart: Prometheus' and Alertmanager's storage flags.
constexpr const char *kPrometheus = "--storage.tsdb.path=";
constexpr const char *kAlertmanager = "--storage.path=";

std::shared_ptr<grpc::Channel> channelFor(const client::ConnectionOptions &options) {
    auto channel = client::makeChannel(options);
    return channel ? *channel : nullptr;
}

std::optional<v1::GetStatusResponse> statusOf(HaCluster &cluster, int index) {
    auto stub = v1::SystemService::NewStub(channelFor(cluster.replicaConnection(index)));
    grpc::ClientContext context;
    client::setTimeout(context, 5s);
    v1::GetStatusResponse response;
    if (!stub->GetStatus(&context, {}, &response).ok()) {
        return std::nullopt;
    }
    return response;
}

// Query `expr` through replica `index`; the answer or the call's failure.
StatusOr<v1::QueryResponse> queryThrough(HaCluster &cluster, int index, const std::string &expr) {
    auto stub = v1::MetricsService::NewStub(channelFor(cluster.replicaConnection(index)));
    v1::QueryRequest request;
    request.set_query(expr);
    grpc::ClientContext context;
    client::setTimeout(context, 10s);
    v1::QueryResponse response;
    const auto status = stub->Query(&context, request, &response);
    if (!status.ok()) {
        return Status(static_cast<StatusCode>(status.error_code()), status.error_message());
    }
    return response;
}

// The values of label `name` in every series of `response`.
std::set<std::string> labelValues(const v1::QueryResponse &response, const std::string &name) {
    std::set<std::string> values;
    for (const auto &series : response.series()) {
        for (const auto &label : series.labels()) {
            if (label.name() == name) {
                values.insert(label.value());
            }
        }
    }
    return values;
}

// Whether exactly the replica `leader` runs one Prometheus and one Alertmanager among `running`,
// and every other runs none.
bool onlyLeaderRunsChildren(HaCluster &cluster, int leader, const std::vector<int> &running) {
    for (const int index : running) {
        const int pid = cluster.replica(index).pid();
        const std::size_t expected = index == leader ? 1 : 0;
        if (testing::childProcesses(pid, kPrometheus).size() != expected ||
            testing::childProcesses(pid, kAlertmanager).size() != expected) {
            return false;
        }
    }
    return true;
}

} // namespace

class HaManagedChildrenTest : public QObject {
    Q_OBJECT

private slots:
    void initTestCase();
    void childrenRunOnTheLeaderAndFollowersUseThem();
};

void HaManagedChildrenTest::initTestCase() {
    AEGIS_REQUIRE_TOOL("prometheus", "prometheus");
    AEGIS_REQUIRE_TOOL("prometheus-alertmanager", "prometheus-alertmanager");
}

void HaManagedChildrenTest::childrenRunOnTheLeaderAndFollowersUseThem() {
    testing::HaClusterOptions options;
    options.extraArgs = {"--metrics-backend", "managed", "--alertmanager", "managed"};
    options.extraConfig = "cluster:\n  leader_lease_ttl: 2s\nmetrics:\n  scrape_interval: 1s\n";
    auto started = HaCluster::start(options);
    QVERIFY2(started, started.status().message().c_str());
    HaCluster &cluster = **started;
    auto leader = cluster.waitForLeader(20s);
    QVERIFY2(leader, leader.status().message().c_str());
    const std::vector<int> all{0, 1, 2};
    QVERIFY(pollUntil([&] { return onlyLeaderRunsChildren(cluster, *leader, all); }, 20s));
    std::vector<int> followers;
    for (const int index : all) {
        if (index != *leader) {
            followers.push_back(index);
        }
    }

    // A follower's metrics API answers from the leader's Prometheus (the URL it reports is the
    // one the leader runs), which scrapes every replica's aegisd.
    const auto leaderStatus = statusOf(cluster, *leader);
    QVERIFY(leaderStatus);
    const std::string leaderUrl = leaderStatus->metrics_backend().url();
    QVERIFY(!leaderUrl.empty());
    for (const int follower : followers) {
        QVERIFY(pollUntil(
            [&] {
                const auto status = statusOf(cluster, follower);
                return status && status->metrics_backend().url() == leaderUrl &&
                       status->metrics_backend().state() == v1::METRICS_BACKEND_STATE_READY;
            },
            20s));
    }
    StatusOr<v1::QueryResponse> answer = Status(StatusCode::Unknown, "not asked");
    QVERIFY2(pollUntil(
                 [&] {
                     answer = queryThrough(cluster, followers.front(), "up{job=\"aegisd\"} == 1");
                     return answer && labelValues(*answer, "instance").size() == 3;
                 },
                 30s),
             answer ? answer->DebugString().c_str() : answer.status().message().c_str());

    // Silences go to the leader's Alertmanager through any replica.
    {
        auto stub = v1::AlertService::NewStub(channelFor(cluster.replicaConnection(followers[0])));
        v1::CreateSilenceRequest request;
        auto *matcher = request.add_matchers();
        matcher->set_name("service");
        matcher->set_value("checkout");
        matcher->set_is_equal(true);
        request.set_duration_ms(3600000);
        request.set_comment("maintenance through a follower");
        grpc::ClientContext context;
        client::setTimeout(context, 10s);
        v1::CreateSilenceResponse created;
        const auto status = stub->CreateSilence(&context, request, &created);
        QVERIFY2(status.ok(), status.error_message().c_str());
        QVERIFY(!created.silence().id().empty());
        auto other = v1::AlertService::NewStub(channelFor(cluster.replicaConnection(followers[1])));
        grpc::ClientContext listContext;
        client::setTimeout(listContext, 10s);
        v1::ListSilencesResponse listed;
        const auto listStatus = other->ListSilences(&listContext, {}, &listed);
        QVERIFY2(listStatus.ok(), listStatus.error_message().c_str());
        QCOMPARE(listed.silences_size(), 1);
        QCOMPARE(listed.silences(0).id(), created.silence().id());
    }

    // The leader dies: a survivor leads, starts its own children, and queries through either
    // survivor are answered by them.
    const auto killedAt = std::chrono::steady_clock::now();
    cluster.kill(*leader);
    auto next = cluster.waitForLeader(10s, *leader);
    QVERIFY2(next, next.status().message().c_str());
    QVERIFY(pollUntil([&] { return onlyLeaderRunsChildren(cluster, *next, followers); }, 10s));
    for (const int survivor : followers) {
        QVERIFY2(pollUntil(
                     [&] {
                         answer = queryThrough(cluster, survivor, "vector(1)");
                         return answer.isOk();
                     },
                     15s),
                 answer.status().message().c_str());
    }
    const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - killedAt);
    qInfo("SIGKILL of the leader -> queries answered through both survivors: %lld ms",
          static_cast<long long>(took.count()));
    QVERIFY2(took < 20s, (std::to_string(took.count()) + " ms").c_str());
    // The new leader's Prometheus scrapes both survivors.
    QVERIFY2(pollUntil(
                 [&] {
                     answer = queryThrough(cluster, followers.back(), "up{job=\"aegisd\"} == 1");
                     return answer && labelValues(*answer, "instance").size() >= 2;
                 },
                 30s),
             answer ? answer->DebugString().c_str() : answer.status().message().c_str());
}

QTEST_GUILESS_MAIN(HaManagedChildrenTest)
#include "tst_ha_managed_children.moc"
